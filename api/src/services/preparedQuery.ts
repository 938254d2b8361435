// The read path's hot statements as named prepared statements: PostgreSQL parses and plans a statement once per
// session instead of on every request (on a native server, planning was 8.9 of a feature page's 10 ms of SQL).
//
// node-postgres prepares a named statement on a connection the first time that connection runs it. The embedded
// engine (PGlite) serves every connection from ONE backend session, where a statement another connection prepared
// already exists (a second Parse would fail with 42P05): there a name is prepared once per data source and every
// connection is told so before it runs it. A session that holds it from elsewhere (another process joined the same
// embedded database) answers 42P05 once; the statement is the same (its name carries a hash of its text), so the
// connection records it as prepared and runs it again. Statement timeouts apply as before: they are a setting of
// the session (statementTimeout.ts), not of the statement.
//
// On that one session the statements run one at a time anyway, and each costs a round trip through the wire
// protocol and the backend's queue whatever it reads (~0.9 ms for a prepared `SELECT 1` on the bench machine, more
// than most of the feature page's statements execute). So there the statements asked for in the same turn of the
// event loop (a page's DataLoader batches, and those of every other request in flight, up to 32) go as ONE simple-protocol
// message of `EXECUTE name(literals); EXECUTE …`: one round trip for them all, each still a prepared plan, its rows
// parsed by the driver exactly as before (text format). If the message fails, each statement runs alone, so each
// caller gets its own rows or its own error.
import { createHash } from 'node:crypto';
import { connectionsShareOneSession, READ_STATEMENT_PREFIX } from '@atlas/migrations';
import pg from 'pg';
import type { DataSource } from 'typeorm';

/** TypeORM's postgres driver keeps its pg.Pool as `master`. */
export function pgPoolOf(ds: DataSource): pg.Pool {
  return (ds.driver as unknown as { master: pg.Pool }).master;
}

const DUPLICATE_PREPARED_STATEMENT = '42P05';
const UNDEFINED_PREPARED_STATEMENT = '26000';

/** What node-postgres remembers per connection about the named statements the session holds (its own fields). */
interface ParsedStatements {
  connection: { parsedStatements: Record<string, string> };
}

const names = new Map<string, string>();
const texts = new Map<string, string>();

/** The text a name from preparedName stands for (undefined for names this process did not make). */
export function preparedText(name: string): string | undefined {
  return texts.get(name);
}
/** Per data source whose connections share one session: the names that session holds. */
const sessionNames = new WeakMap<DataSource, Set<string>>();

/**
 * `label` plus a hash of `text`: one name never stands for two texts, whichever api build prepared it. The prefix
 * tells the embedded engine's server that the statement only reads (READ_STATEMENT_PREFIX), so running it does not
 * make a cached answer's read versions suspect; hence only plain SELECTs are named here.
 */
export function preparedName(label: string, text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (!/^\s*SELECT\s/i.test(text)) throw new Error(`preparedQuery runs only SELECTs (read statements): ${label}`);
    name = `${READ_STATEMENT_PREFIX}${label}_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;
    names.set(text, name);
    texts.set(name, text);
  }
  return name;
}

function namesHeldBy(ds: DataSource): Set<string> | undefined {
  if (!connectionsShareOneSession(ds)) return undefined;
  let held = sessionNames.get(ds);
  if (!held) sessionNames.set(ds, (held = new Set()));
  return held;
}

/**
 * Run `text` with `values` as the named prepared statement `label` (+ a hash of the text) on one of the pool's
 * connections; returns its rows. On the embedded engine's one session, together with the other statements asked
 * for in the same turn of the event loop (see above).
 */
export function preparedQuery<Row = Record<string, unknown>>(
  ds: DataSource,
  label: string,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  const name = preparedName(label, text);
  const held = namesHeldBy(ds);
  if (!held || !values.every(inlinable)) return runPrepared<Row>(ds, name, text, values, held);
  return new Promise<Row[]>((resolve, reject) => {
    let pending = waiting.get(ds);
    if (!pending) {
      waiting.set(ds, (pending = []));
      setImmediate(() => {
        waiting.delete(ds);
        for (let at = 0; at < pending!.length; at += MAX_STATEMENTS_A_MESSAGE)
          void runTogether(ds, held, pending!.slice(at, at + MAX_STATEMENTS_A_MESSAGE));
      });
    }
    pending.push({ name, text, values, resolve: resolve as (rows: unknown[]) => void, reject });
  });
}

interface Waiting {
  name: string;
  text: string;
  values: readonly unknown[];
  resolve: (rows: unknown[]) => void;
  reject: (err: unknown) => void;
}

/** Between the EXECUTEs of one message (testing/sqlStatements.ts splits on it to count statements). */
export const STATEMENT_SEPARATOR = ';\n';
/**
 * First in every message: the statements' cached generic plans, for this message only (its implicit transaction).
 * Left to itself ('auto'), PostgreSQL keeps planning these anew on every EXECUTE, because a generic plan's guess at
 * `unnest($1)` (100 keys) costs more than a custom plan for the actual few; planning was then three quarters of the
 * engine's time for a page's statements (2.84 → 0.71 ms a page's batch, bench database; the generic plans are the
 * custom ones: a nested loop of primary-key index scans). Only this message's statements see it: SET LOCAL ends
 * with the message, and others' statements on the shared session keep 'auto'.
 */
export const GENERIC_PLANS = `SET LOCAL plan_cache_mode = force_generic_plan${STATEMENT_SEPARATOR}`;

/** A message's statements without the plan setting it starts with (for those who count or time statements). */
export function withoutPlanSetting(message: string): string {
  return message.startsWith(GENERIC_PLANS) ? message.slice(GENERIC_PLANS.length) : message;
}
/** Per data source on one shared session: the statements asked for in this turn of the event loop. */
const waiting = new WeakMap<DataSource, Waiting[]>();
/**
 * A bound on one message, so a burst of requests does not make one of them wait for all the others' rows. Read
 * path bench (docs/performance.md), Zipf warm: 6 gave 538 pages/s, p99 238 ms; 16: 687, 185 ms; 32: 774, 186 ms.
 */
const MAX_STATEMENTS_A_MESSAGE = 32;

type Inlinable = number | string | null | readonly number[];
function inlinable(v: unknown): v is Inlinable {
  return (
    v === null ||
    typeof v === 'string' ||
    (typeof v === 'number' && Number.isFinite(v)) ||
    (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
  );
}

/** `v` as an SQL literal of EXECUTE's argument list (the parameter's type is the prepared statement's). */
function sqlLiteral(v: Inlinable): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return `'${v}'`;
  if (typeof v === 'string') return pg.escapeLiteral(v);
  return `'{${v.join(',')}}'`;
}

/** `batch` as one message of EXECUTEs on one connection, each statement prepared in the session first if needed. */
async function runTogether(ds: DataSource, held: Set<string>, batch: Waiting[]): Promise<void> {
  let client: pg.PoolClient | undefined;
  try {
    client = await pgPoolOf(ds).connect();
    for (const w of batch)
      if (!held.has(w.name)) {
        await client
          .query(`PREPARE ${w.name} AS ${w.text}`)
          .catch((err: { code?: unknown }) =>
            err.code === DUPLICATE_PREPARED_STATEMENT ? undefined : Promise.reject(err),
          );
        held.add(w.name);
      }
    const sql = batch.map((w) => `EXECUTE ${w.name}(${(w.values as Inlinable[]).map(sqlLiteral).join(', ')})`);
    const results = (await client.query(GENERIC_PLANS + sql.join(STATEMENT_SEPARATOR))) as unknown as pg.QueryResult[];
    batch.forEach((w, i) => w.resolve(results[i + 1].rows));
  } catch (err) {
    if ((err as { code?: unknown }).code === UNDEFINED_PREPARED_STATEMENT) held.clear();
    // One statement's error fails the whole message: run each alone, so each caller gets its own answer or error.
    for (const w of batch) void runPrepared(ds, w.name, w.text, w.values, held).then(w.resolve, w.reject);
  } finally {
    client?.release();
  }
}

/** One statement as a named prepared statement of the extended protocol. */
async function runPrepared<Row>(
  ds: DataSource,
  name: string,
  text: string,
  values: readonly unknown[],
  held: Set<string> | undefined,
): Promise<Row[]> {
  const client = await pgPoolOf(ds).connect();
  try {
    const parsed = (client as unknown as ParsedStatements).connection.parsedStatements;
    if (held?.has(name)) parsed[name] = text;
    const run = async () => {
      const rows = (await client.query({ name, text, values: [...values] })).rows as Row[];
      held?.add(name);
      return rows;
    };
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // The shared embedded session holds it already (prepared by another process's connection): use it.
      if (code === DUPLICATE_PREPARED_STATEMENT) parsed[name] = text;
      // The session lost it (DEALLOCATE ALL or DISCARD ALL by someone else on the shared session): prepare again.
      else if (code === UNDEFINED_PREPARED_STATEMENT) {
        delete parsed[name];
        held?.delete(name);
      } else throw err;
      return await run();
    }
  } finally {
    client.release();
  }
}

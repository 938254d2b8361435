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
import { createHash } from 'node:crypto';
import { connectionsShareOneSession } from '@atlas/migrations';
import type pg from 'pg';
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
/** Per data source whose connections share one session: the names that session holds. */
const sessionNames = new WeakMap<DataSource, Set<string>>();

/** `label` plus a hash of `text`: one name never stands for two texts, whichever api build prepared it. */
export function preparedName(label: string, text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `atlas_${label}_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Run `text` with `values` as the named prepared statement `label` (+ a hash of the text) on one of the pool's
 * connections; returns its rows.
 */
export async function preparedQuery<Row = Record<string, unknown>>(
  ds: DataSource,
  label: string,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  const name = preparedName(label, text);
  let held: Set<string> | undefined;
  if (connectionsShareOneSession(ds)) {
    held = sessionNames.get(ds);
    if (!held) sessionNames.set(ds, (held = new Set()));
  }
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

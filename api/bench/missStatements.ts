// `npx tsx api/bench/missStatements.ts [--pages 200] [--features 100000]`: what one response-cache miss of the
// web's feature page costs the database, statement by statement (issue 20). Opens the read path bench's seeded
// database (built by `npm run bench:api`), serves FEATURE_PAGE with both caches off for `pages` random features one
// at a time, and prints the embedded engine's time a page and each statement's mean time as the api's driver saw it, then EXPLAIN (ANALYZE)'s planning
// and execution time of each statement with one page's values (planning is what a prepared statement saves).
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pino } from 'pino';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { startApiServer } from '../src/server.js';
import { featurePageOperation } from '../src/responseCache/featurePageOperation.js';
import { withoutPlanSetting } from '../src/services/preparedQuery.js';

const { values: args } = parseArgs({
  options: {
    pages: { type: 'string', default: '200' },
    features: { type: 'string', default: '100000' },
  },
});
const N = Number(args.features);
const dataDir = join(tmpdir(), 'atlas-bench', `api-${N}f-512d-20e-v1`);
const db = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dataDir, ATLAS_DB_PORT: '0', ATLAS_DB_POOL_SIZE: '8' }));
const [{ id: dictionaryId }] = (await db.dataSource.query(`SELECT id FROM dictionaries ORDER BY id LIMIT 1`)) as {
  id: number;
}[];
const api = await startApiServer({
  dataSource: db.dataSource,
  log: pino({ level: 'silent' }),
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 1_000_000,
  responseCacheBytes: 0,
  featurePartsBytes: 0,
});

interface Seen {
  ms: number[];
  values: unknown[];
  name?: string;
}
const seen = new Map<string, Seen>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  const q = a[0] as string | { text: string; values?: unknown[]; name?: string };
  // A message's leading plan setting is not a statement of the page's (preparedQuery's GENERIC_PLANS).
  const text = withoutPlanSetting(typeof q === 'string' ? q : q.text);
  const values = (typeof q === 'string' ? (a[1] as unknown[] | undefined) : q.values) ?? [];
  const t0 = performance.now();
  const result = (original as (...x: unknown[]) => Promise<unknown>).apply(this, a);
  // A message of EXECUTEs (preparedQuery on the embedded engine) is one entry per set of statements, whatever values.
  const key = text.replace(/'[^']*'/g, '?');
  if (!/read_versions|^SET /.test(text))
    void result.then(
      () => {
        const s = seen.get(key) ?? { ms: [], values, name: typeof q === 'string' ? undefined : q.name };
        s.ms.push(performance.now() - t0);
        seen.set(key, s);
      },
      () => {},
    );
  return result;
} as typeof original;

// The embedded engine's own time: every message the wire server hands it (one at a time), summed.
let engineMs = 0;
const engineRun = PGlite.prototype.execProtocolRawStream;
PGlite.prototype.execProtocolRawStream = async function (this: PGlite, ...a: Parameters<typeof engineRun>) {
  const t = performance.now();
  try {
    return await engineRun.apply(this, a);
  } finally {
    engineMs += performance.now() - t;
  }
};

const query = featurePageOperation();
const pages = Number(args.pages);
const t0 = performance.now();
for (let p = 0; p < pages; p++) {
  const index = Math.floor(Math.random() * N);
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { d: String(dictionaryId), i: index } }),
  });
  if (res.status !== 200) throw new Error(`page ${index}: ${res.status} ${await res.text()}`);
  await res.text();
}
const wall = (performance.now() - t0) / pages;
pg.Client.prototype.query = original;

const label = (text: string) => text.replace(/\s+/g, ' ').slice(0, /^EXECUTE/.test(text) ? 400 : 90);
let total = 0;
PGlite.prototype.execProtocolRawStream = engineRun;
console.log(
  `${pages} feature pages, both caches off, one at a time: ${wall.toFixed(2)} ms a page (wall), of which the embedded engine ran messages for ${(engineMs / pages).toFixed(2)} ms`,
);
console.log(`statement (first 90 characters) | runs a page | mean ms | planning ms | execution ms`);
for (const [text, s] of seen) {
  const mean = s.ms.reduce((x, y) => x + y, 0) / s.ms.length;
  total += (mean * s.ms.length) / pages;
  let plan = '';
  if (/^\s*SELECT/i.test(text)) {
    const rows = (await db.dataSource.query(`EXPLAIN (ANALYZE, SUMMARY) ${text}`, s.values)) as {
      'QUERY PLAN': string;
    }[];
    const at = (what: string) =>
      rows.find((r) => r['QUERY PLAN'].startsWith(what))?.['QUERY PLAN'].match(/[\d.]+/)?.[0];
    plan = ` | ${at('Planning Time')} | ${at('Execution Time')}`;
  }
  console.log(
    `${label(text)}${s.name ? ` [${s.name}]` : ''} | ${(s.ms.length / pages).toFixed(2)} | ${mean.toFixed(2)}${plan}`,
  );
}
console.log(`sum of statement means a page: ${total.toFixed(2)} ms`);
await api.stop();
await db.close();

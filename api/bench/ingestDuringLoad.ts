// The writer of `npm run bench:api`'s "during ingest" figures, in a process of its own as a worker is: joins the
// bench's database (the embedded one through its lock file, or DATABASE_URL), prints `ready`, waits for a line
// on stdin, ingests a synthetic dictionary through the real ingest, prints one JSON line of timings, and removes
// the dictionary again (so the cached bench database stays as seeded).
import { createInterface } from 'node:readline';
import { dropPartitions, loadDbConfig, openDatabase } from '@atlas/migrations';
import { ingestDictionary } from '@atlas/worker/ingest';
import type { PoolClient } from 'pg';
import { syntheticExamples, syntheticFeatures } from './syntheticDictionary.js';

export interface IngestDuringLoadResult {
  features: number;
  examples: number;
  /** The whole ingest, swap included. */
  seconds: number;
  /** Loading the staged rows / building their indexes and swapping them in. */
  loadSeconds: number;
  swapSeconds: number;
}

const o = JSON.parse(process.argv[2]) as { dataDir: string; features: number; examples: number; dim: number };
const db = await openDatabase(
  loadDbConfig({ ...process.env, ATLAS_DATA_DIR: o.dataDir, ATLAS_DB_PORT: '0', ATLAS_DB_POOL_SIZE: '2' }),
  { migrate: false },
);
const NAME = 'bench ingest during load';
async function remove(dictionaryId: number): Promise<void> {
  const runner = db.dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  await dropPartitions(client, dictionaryId);
  await runner.release();
  await db.dataSource.query(`DELETE FROM dictionaries WHERE id = $1`, [dictionaryId]);
}
// An interrupted bench leaves its dictionary behind.
for (const { id } of (await db.dataSource.query(`SELECT id FROM dictionaries WHERE name = $1`, [NAME])) as {
  id: number;
}[])
  await remove(id);
const [{ id }] = (await db.dataSource.query(
  `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status)
   VALUES ($3, 'blocks.0.mlp.hook_post', 'topk', $1, $2, 32, 'analyzing') RETURNING id`,
  [o.dim, o.features, NAME],
)) as { id: number }[];
console.log('ready');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
const t0 = performance.now();
let loaded = t0;
const done = await ingestDictionary(
  db,
  { id, dIn: o.dim, nLatents: o.features },
  syntheticFeatures(o.features, o.dim, 7),
  (i) => syntheticExamples(o.examples, i),
  { chunk: 1000, onProgress: (p) => p.features === o.features && (loaded = performance.now()) },
);
const end = performance.now();
const result: IngestDuringLoadResult = {
  features: done.features,
  examples: done.examples,
  seconds: (end - t0) / 1000,
  loadSeconds: (loaded - t0) / 1000,
  swapSeconds: (end - loaded) / 1000,
};
console.log(JSON.stringify(result));
await remove(id);
lines.close();
await db.close();

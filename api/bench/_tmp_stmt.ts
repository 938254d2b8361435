import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { featuresByKeys, examplesByKeys, linksByKeys } from '../src/services/features/featureBatches.js';
const dataDir = join(tmpdir(), 'atlas-bench', `api-100000f-512d-20e-v1`);
const db = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dataDir, ATLAS_DB_PORT: '0', ATLAS_DB_POOL_SIZE: '2' }));
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
const ds = db.dataSource;
const [{ id: d }] = await ds.query(`SELECT id FROM dictionaries ORDER BY id LIMIT 1`);
const keys = (n: number, s: number) =>
  Array.from({ length: n }, (_, j) => ({ dictionaryId: d, index: (s * 7919 + j * 104729) % 100000 }));
const cases: Record<string, (s: number) => Promise<unknown>> = {
  features1: (s) => featuresByKeys(ds, keys(1, s)),
  features10: (s) => featuresByKeys(ds, keys(10, s)),
  top20: (s) => examplesByKeys(ds, keys(1, s), 'top', 50),
  quantile: (s) => examplesByKeys(ds, keys(1, s), 'quantile', 50),
  links: (s) => linksByKeys(ds, keys(1, s)),
};
for (const [name, f] of Object.entries(cases)) {
  for (let i = 0; i < 10; i++) await f(i + 1000);
  for (const pass of ['cold', 'warm']) {
    engineMs = 0;
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < 200; i++) bytes += JSON.stringify(await f(i + (name === 'features1' ? 300 : 0))).length;
    console.log(
      `${name.padEnd(12)} ${pass} engine ${(engineMs / 200).toFixed(3)} ms, wall ${((performance.now() - t0) / 200).toFixed(3)} ms, ${Math.round(bytes / 200)} B`,
    );
  }
}
const [f] = await featuresByKeys(ds, keys(1, 5));
console.log(Object.fromEntries(Object.entries(f!).map(([k, v]) => [k, JSON.stringify(v)?.length])));
await db.close();

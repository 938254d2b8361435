// `npm run bench:ingest [-- --features 2048 --dim 512 --top 20 --quantile 30 --window 32]`: ingest throughput into
// the database the tests use (a fresh embedded PGlite, or TEST_DATABASE_URL), with the machine it ran on. Prints
// example rows/s, feature (vector) rows/s and inverted-index rows/s apart, each timed inside the bulk loader,
// then the swap-in (index builds, ANALYZE, one short transaction) and the whole ingest.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { BulkLoader } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '../src/ingest/ingestDictionary.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: '2048' },
    dim: { type: 'string', default: '512' },
    top: { type: 'string', default: '20' },
    quantile: { type: 'string', default: '30' },
    window: { type: 'string', default: '32' },
  },
});
const N = Number(values.features);
const D = Number(values.dim);
const TOP = Number(values.top);
const QUANTILE = Number(values.quantile);
const WINDOW = Number(values.window);

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
// Brown-like tokens, with the quoting and punctuation a real corpus has.
const WORDS = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' a',
  ' in',
  ' "',
  ',',
  ' was',
  ' he',
  "'s",
  ' for',
  ' it',
  '.',
  ' I',
  '\n',
];

function feature(i: number): FeatureRecord {
  const decoder = Float32Array.from({ length: D }, () => rand() - 0.5);
  return {
    index: i,
    decoder,
    density: rand() * 0.01,
    meanActivation: rand(),
    maxActivation: 5 + rand() * 5,
    histogram: { edges: [0.01, 0.1, 1, 10], counts: [40, 12, 3] },
    label: `past-tense verb (F1 0.${i % 100})`,
    labelScores: { pos: [{ tag: 'VBD', precision: 0.8, recall: 0.7, f1: 0.75 }] },
    logits: {
      positive: [{ token: ' was', value: 1.2 }],
      negative: [{ token: ' the', value: -0.8 }],
    },
    mapX: rand(),
    mapY: rand(),
    neighbors: Array.from({ length: 10 }, (_, r) => ({ index: (i + r + 1) % N, cosine: 0.3 })),
  };
}

function examples(i: number): ExampleRecord[] {
  const out: ExampleRecord[] = [];
  for (let e = 0; e < TOP + QUANTILE; e++) {
    const top = e < TOP;
    const max = 10 - e * 0.1;
    out.push({
      featureIndex: i,
      kind: top ? 'top' : 'quantile',
      bin: top ? 0 : (e - TOP) % 10,
      rank: top ? e : Math.floor((e - TOP) / 10),
      maxActivation: max,
      docIndex: (i * 7 + e) % 500,
      tokenStart: e * WINDOW,
      maxPosition: 24 % WINDOW,
      tokens: Array.from({ length: WINDOW }, (_, t) => WORDS[(i + e * 3 + t) % WORDS.length]),
      activations: Array.from({ length: WINDOW }, (_, t) => (t === 24 % WINDOW ? max : rand() < 0.2 ? rand() : 0)),
    });
  }
  return out;
}

/** The engine's bulk loader, timing each table's loads. */
function timed(inner: BulkLoader, ms: Map<string, number>, cpuMs: Map<string, number>): BulkLoader {
  return {
    engine: inner.engine,
    stagingIndexes: inner.stagingIndexes,
    async load(client, table, columns, rows) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const n = await inner.load(client, table, columns, rows);
      const kind = table.replace(/_d\d+_next$/, '');
      ms.set(kind, (ms.get(kind) ?? 0) + performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs.set(kind, (cpuMs.get(kind) ?? 0) + (c.user + c.system) / 1000);
      return n;
    },
  };
}

/** CPU time of this process (which also runs the embedded database when it serves it): steadier than wall time on a busy machine. */
const cpu = (msSpent: number | undefined) => (db.embedded ? `, ${((msSpent ?? 0) / 1000).toFixed(2)} s CPU` : '');

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at start`,
);
const db = await openTestDatabase();
try {
  console.log(
    `config: ${N} features, d_in ${D}, ${TOP} top + ${QUANTILE} quantile examples each, windows of ${WINDOW} tokens, ${db.engine} (${db.bulkLoader.engine} loader)`,
  );
  const [{ id }] = (await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k) VALUES ('bench', 'blocks.0.mlp.hook_post', 'topk', $1, $2, 32) RETURNING id`,
    [D, N],
  )) as { id: number }[];
  const features = Array.from({ length: N }, (_, i) => feature(i));
  const exampleSets = features.map((f) => examples(f.index));
  const ms = new Map<string, number>();
  const cpuMs = new Map<string, number>();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await ingestDictionary(
    { dataSource: db.dataSource, bulkLoader: timed(db.bulkLoader, ms, cpuMs) },
    { id, dIn: D, nLatents: N },
    features,
    (i) => exampleSets[i],
  );
  const totalMs = performance.now() - t0;
  const totalCpu = process.cpuUsage(c0);
  const loadMs = [...ms.values()].reduce((a, b) => a + b, 0);
  const [{ tokens }] = (await db.dataSource.query(
    `SELECT count(*)::int AS tokens FROM feature_tokens WHERE dictionary_id = $1`,
    [id],
  )) as { tokens: number }[];
  const rate = (rows: number, msSpent: number) => `${Math.round(rows / (msSpent / 1000)).toLocaleString('en')} rows/s`;
  console.log(
    `example rows:  ${done.examples.toLocaleString('en')} in ${(ms.get('feature_examples')! / 1000).toFixed(2)} s: ${rate(done.examples, ms.get('feature_examples')!)}${cpu(cpuMs.get('feature_examples'))}`,
  );
  console.log(
    `feature rows:  ${done.features.toLocaleString('en')} (vector(${D}) + JSON) in ${(ms.get('features')! / 1000).toFixed(2)} s: ${rate(done.features, ms.get('features')!)}${cpu(cpuMs.get('features'))}`,
  );
  console.log(
    `token rows:    ${tokens.toLocaleString('en')} (inverted index) in ${(ms.get('feature_tokens')! / 1000).toFixed(2)} s: ${rate(tokens, ms.get('feature_tokens')!)}${cpu(cpuMs.get('feature_tokens'))}`,
  );
  console.log(
    `swap-in:       ${((totalMs - loadMs) / 1000).toFixed(2)} s (row building, staging, index builds, ANALYZE, the swap transaction)`,
  );
  console.log(
    `whole ingest:  ${(totalMs / 1000).toFixed(2)} s: ${rate(done.examples, totalMs)} of examples with their features${cpu((totalCpu.user + totalCpu.system) / 1000)}; load average ${loadavg()[0].toFixed(1)} at end`,
  );
} finally {
  await db.close();
}

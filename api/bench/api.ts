// `npm run bench:api [-- --features 100000 --examples 20 --seconds 10]`: the api under load on the embedded
// database. Prints ingest rates, feature-page throughput and latency under 50 concurrent clients, similarFeatures
// recall@10 against exact search with its latency, and featuresByToken latency, with the machine it ran on.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { openTestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '@atlas/worker/ingest';
import { pino } from 'pino';
import { startApiServer } from '../src/server.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: '100000' },
    examples: { type: 'string', default: '20' },
    dim: { type: 'string', default: '512' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const N = Number(values.features);
const E = Number(values.examples);
const D = Number(values.dim);

let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const WORDS = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' a',
  ' in',
  ' is',
  ' was',
  ' he',
  ' for',
  ' it',
  ' with',
  ' as',
  ' his',
  ' on',
  ' be',
  ' at',
  ' by',
  ' I',
  ' had',
];

/** Decoder-like directions: a low-rank shared component plus noise, unit norm (nearly orthogonal, as real ones). */
const basis = Array.from({ length: 32 }, () => Float32Array.from({ length: D }, gauss));
function decoder(): Float32Array {
  const v = new Float32Array(D);
  for (let b = 0; b < 3; b++) {
    const w = gauss() * 0.6;
    const row = basis[Math.floor(rand() * basis.length)];
    for (let j = 0; j < D; j++) v[j] += w * row[j];
  }
  for (let j = 0; j < D; j++) v[j] += gauss();
  const n = Math.hypot(...v);
  for (let j = 0; j < D; j++) v[j] /= n;
  return v;
}

console.log(
  `machine: ${cpus()[0]?.model} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${loadavg()[0].toFixed(1)}`,
);
console.log(`config: ${N.toLocaleString('en')} features, d_in ${D}, ${E} examples each, embedded database`);
const db = await openTestDatabase();
const [{ id }] = await db.dataSource.query(
  `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status) VALUES ('bench', 'blocks.0.mlp.hook_post', 'topk', $1, $2, 32, 'ready') RETURNING id`,
  [D, N],
);
const decoders: Float32Array[] = [];
function* features(): Generator<FeatureRecord> {
  for (let i = 0; i < N; i++) {
    const d = decoder();
    decoders.push(d);
    yield {
      index: i,
      decoder: d,
      density: rand() * 0.01,
      meanActivation: 1,
      maxActivation: 5 + rand() * 5,
      histogram: { edges: [0.1, 1, 10], counts: [3, 4] },
      label: `feature ${i} ${WORDS[i % WORDS.length].trim()}`,
      labelScores: null,
      logits: null,
      mapX: rand(),
      mapY: rand(),
      neighbors: Array.from({ length: 10 }, (_, r) => ({ index: (i + r + 1) % N, cosine: 0.3 })),
    };
  }
}
const examples = (i: number): ExampleRecord[] =>
  Array.from({ length: E }, (_, rank) => ({
    featureIndex: i,
    kind: 'top' as const,
    bin: 0,
    rank,
    maxActivation: 10 - rank * 0.1,
    docIndex: i % 500,
    tokenStart: rank * 32,
    maxPosition: 24,
    tokens: Array.from({ length: 32 }, (_, t) => WORDS[(i + rank + t) % WORDS.length]),
    activations: Array.from({ length: 32 }, (_, t) => (t === 24 ? 10 - rank * 0.1 : 0)),
  }));
const t0 = performance.now();
const done = await ingestDictionary(db, { id, dIn: D, nLatents: N }, features(), examples, { chunk: 2000 });
const ingestS = (performance.now() - t0) / 1000;
console.log(
  `ingest: ${done.features.toLocaleString('en')} features with vectors + ${done.examples.toLocaleString('en')} example rows in ${ingestS.toFixed(1)} s (${Math.round(done.features / ingestS).toLocaleString('en')} features/s, ${Math.round(done.examples / ingestS).toLocaleString('en')} example rows/s overall, HNSW build included)`,
);

const api = await startApiServer({
  dataSource: db.dataSource,
  log: pino({ level: 'silent' }),
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 1_000_000,
});
const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
};

const PAGE = `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { label density maxActivation
  topActivations(first: 20) { tokens activations maxActivation } neighbors(k: 10) { cosine feature { index label } } } }`;
const result = await autocannon({
  url: api.graphqlUrl,
  connections: Number(values.connections),
  duration: Number(values.seconds),
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ query: PAGE, variables: { d: String(id), i: Math.floor(Math.random() * N) } }),
      }),
    },
  ],
});
console.log(
  `feature page (feature + 20 top activations + 10 neighbours), ${values.connections} clients, ${values.seconds} s: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors + result.non2xx}`,
);

type Similar = { similarFeatures: { feature: { index: number } }[] };
const SIMILAR = `query($v: [Float!], $ds: [ID!]!, $exact: Boolean!) { similarFeatures(vector: $v, dictionaryIds: $ds, k: 10, exact: $exact) { feature { index } } }`;
let hits = 0;
const probes = 50;
let hnswMs = 0;
let exactMs = 0;
for (let p = 0; p < probes; p++) {
  const base = decoders[Math.floor(rand() * N)];
  const q = Array.from(base, (x) => x + 0.02 * gauss());
  let t = performance.now();
  const approx = await gql<Similar>(SIMILAR, { v: q, ds: [String(id)], exact: false });
  hnswMs += performance.now() - t;
  t = performance.now();
  const exact = await gql<Similar>(SIMILAR, { v: q, ds: [String(id)], exact: true });
  exactMs += performance.now() - t;
  const truth = new Set(exact.similarFeatures.map((h: { feature: { index: number } }) => h.feature.index));
  hits += approx.similarFeatures.filter((h: { feature: { index: number } }) => truth.has(h.feature.index)).length;
}
console.log(
  `similarFeatures: recall@10 ${(hits / (probes * 10)).toFixed(3)} (HNSW, ef_search 100) vs exact; latency ${(hnswMs / probes).toFixed(1)} ms HNSW, ${(exactMs / probes).toFixed(1)} ms exact`,
);

let tokenMs = 0;
for (let p = 0; p < 50; p++) {
  const t = performance.now();
  await gql(`query($t: String!) { featuresByToken(token: $t, first: 20) { feature { index } } }`, {
    t: WORDS[p % WORDS.length],
  });
  tokenMs += performance.now() - t;
}
console.log(`featuresByToken: ${(tokenMs / 50).toFixed(1)} ms mean over 50 lookups`);
await api.stop();
await db.close();

// `npm run bench:api [-- --features 100000 --examples 20 --seconds 10 --warmup-seconds 20 --zipf-s 1.1 --cache-mb 256
// --read-path-only --no-stored --cpu-profile FILE --db-process --api-processes N --seed-only --ingest-features 8192
// --ingest-examples 43]`: the api under load, on the embedded database or (DATABASE_URL) a native PostgreSQL.
// First the read path (readPath.ts): the web's whole feature page under 50 clients, uniform and Zipf popularity,
// each cold and warm, and with the response cache off; one table of req/s, p50, p99, hit rate, CPU per page and
// memory. Then (unless --read-path-only) the seeding (ingest) rate, the small feature page's throughput and latency
// under 50 clients, idle and while another process ingests a dictionary (the demo's 16x one by default: 8,192
// features, ~354,000 examples), similarFeatures recall@10 against exact search with its latency, featuresByToken
// latency, analyzeText latency (64 tokens, and the event-loop stall during a 2,000-token text), with the machine it
// ran on. The seeded database is cached under $TMPDIR/atlas-bench; --db-process serves it from a process of its
// own; with DATABASE_URL set it benches that native PostgreSQL (pgvector needed) instead, seeding it once.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { ingestDictionary } from '@atlas/worker/ingest';
import { pino } from 'pino';
import { disposeModel, loadModel } from '@atlas/worker';
import { DEFAULT_RESPONSE_CACHE_BYTES, startApiServer } from '../src/server.js';
import { trainTinyLmDictionary, TINY_HOOK, TINY_LM } from '../src/testing/tinyLmDictionaries.js';
import type { FeaturePageLoadResult } from './featurePageLoad.js';
import { runFeaturePageLoad } from './featurePageLoadProcess.js';
import type { IngestDuringLoadResult } from './ingestDuringLoad.js';
import { benchReadPath, readPathTable } from './readPath.js';
import { randomSource, syntheticExamples, syntheticFeatures, WORDS } from './syntheticDictionary.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: '100000' },
    examples: { type: 'string', default: '20' },
    dim: { type: 'string', default: '512' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    pool: { type: 'string', default: '8' },
    'seed-only': { type: 'boolean', default: false },
    /** The read path table only (the sections after it take several minutes more). */
    'read-path-only': { type: 'boolean', default: false },
    'no-stored': { type: 'boolean', default: false },
    /** Read path: the unmeasured load between the cold and the warm run of each popularity. */
    'warmup-seconds': { type: 'string', default: '20' },
    'zipf-s': { type: 'string', default: '1.1' },
    /** Read path: the response cache's size (default the api's, ATLAS_API_CACHE_MB). */
    'cache-mb': { type: 'string', default: String(DEFAULT_RESPONSE_CACHE_BYTES / 2 ** 20) },
    /** Read path: write a CPU profile of the api under one more Zipf warm load to this file. */
    'cpu-profile': { type: 'string' },
    /** Serve the embedded database from its own process (the api joins it) rather than inside the api's. */
    'db-process': { type: 'boolean', default: false },
    /** With DATABASE_URL: the load goes to `npm run api` with ATLAS_API_PROCESSES=N (node:cluster) instead. */
    'api-processes': { type: 'string', default: '1' },
    /** The dictionary another process ingests during the second load (0 features: no "during ingest" figures). */
    'ingest-features': { type: 'string', default: '8192' },
    'ingest-examples': { type: 'string', default: '43' },
  },
});
const N = Number(values.features);
const E = Number(values.examples);
const D = Number(values.dim);

const { rand, gauss } = randomSource(42);
const features = () => syntheticFeatures(N, D, 42);
const examples = (i: number) => syntheticExamples(E, i);

console.log(
  `machine: ${cpus()[0]?.model} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
// DATABASE_URL: bench a native PostgreSQL with pgvector instead; the seeded dictionary is found there by name.
const externalUrl = process.env.DATABASE_URL || undefined;
console.log(
  `config: ${N.toLocaleString('en')} features, d_in ${D}, ${E} examples each, ${externalUrl ? 'native PostgreSQL at DATABASE_URL' : 'embedded database'}`,
);

// The seeded database is kept between runs (seeding 100,000 features goes through the real ingest and takes
// minutes): built in a `.partial` folder and renamed when complete, so an interrupted seed is never reused.
const benchRoot = join(tmpdir(), 'atlas-bench');
const dataDir = join(benchRoot, `api-${N}f-${D}d-${E}e-v1`);
const benchName = `bench ${N}f ${D}d ${E}e`;
const dbConfig = (dir: string) =>
  loadDbConfig({
    ...(externalUrl ? { DATABASE_URL: externalUrl } : { ATLAS_DATA_DIR: dir, ATLAS_DB_PORT: '0' }),
    ATLAS_DB_POOL_SIZE: values.pool,
  });
/** Seed through the real ingest; returns the dictionary id, the seconds it took and the counts. */
async function seedDictionary(into: Awaited<ReturnType<typeof openDatabase>>) {
  const [{ id }] = await into.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status) VALUES ($3, 'blocks.0.mlp.hook_post', 'topk', $1, $2, 32, 'ready') RETURNING id`,
    [D, N, benchName],
  );
  const t0 = performance.now();
  const done = await ingestDictionary(into, { id, dIn: D, nLatents: N }, features(), examples, { chunk: 2000 });
  return { dictionaryId: id as number, seconds: (performance.now() - t0) / 1000, ...done };
}
let seeded: { dictionaryId: number; seconds: number; features: number; examples: number } | undefined;
if (externalUrl) {
  const external = await openDatabase(dbConfig(dataDir));
  const rows = (await external.dataSource.query(
    `SELECT d.id FROM dictionaries d WHERE d.name = $1 AND (SELECT count(*) FROM features f WHERE f.dictionary_id = d.id) = $2`,
    [benchName, N],
  )) as { id: number }[];
  if (rows.length) seeded = { dictionaryId: rows[0].id, seconds: NaN, features: N, examples: N * E };
  else {
    await external.dataSource.query(`DELETE FROM dictionaries WHERE name = $1`, [benchName]);
    seeded = await seedDictionary(external);
  }
  await external.close();
} else if (!existsSync(join(dataDir, 'seeded.json'))) {
  const partial = `${dataDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const seeding = await openDatabase(dbConfig(partial));
  const done = await seedDictionary(seeding);
  await seeding.close();
  writeFileSync(join(partial, 'seeded.json'), JSON.stringify(done));
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(partial, dataDir);
}
seeded ??= JSON.parse(readFileSync(join(dataDir, 'seeded.json'), 'utf8')) as {
  dictionaryId: number;
  seconds: number;
  features: number;
  examples: number;
};
const id = seeded.dictionaryId;
console.log(
  Number.isNaN(seeded.seconds)
    ? `ingest: seeded by an earlier run (${seeded.features.toLocaleString('en')} features, ${seeded.examples.toLocaleString('en')} example rows)`
    : `ingest (seeding run${externalUrl ? '' : `, cached in ${dataDir}`}): ${seeded.features.toLocaleString('en')} features with vectors + ${seeded.examples.toLocaleString('en')} example rows in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.features / seeded.seconds).toLocaleString('en')} features/s, ${Math.round(seeded.examples / seeded.seconds).toLocaleString('en')} example rows/s overall, HNSW build included)`,
);
let dbProcess: ReturnType<typeof spawn> | undefined;
if (values['db-process'] && !externalUrl) {
  dbProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./embeddedDatabaseProcess.ts', import.meta.url)), dataDir],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    dbProcess!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    dbProcess!.on('exit', (code) => reject(new Error(`the database process exited with ${code}`)));
  });
}
const db = await openDatabase(dbConfig(dataDir));
console.log(
  `database: ${externalUrl ? `native PostgreSQL (${((await db.dataSource.query('SHOW server_version')) as { server_version: string }[])[0].server_version}) at DATABASE_URL` : `embedded PGlite ${dbProcess ? 'in its own process (the api joins it over the wire protocol)' : "inside the api's process"}`}, api pool ${values.pool} connections`,
);

if (values['seed-only']) {
  await db.close();
  process.exit(0);
}

const cpuOf = externalUrl || dbProcess ? 'api' : 'api + database';
console.log(
  `read path: the web's feature page, ${values.connections} clients, ${values.seconds} s a run (autocannon in a separate process); cold: a fresh api (new response cache); warm: after a ${values['warmup-seconds']} s warm-up pass of the same popularity; CPU: the ${cpuOf} process`,
);
const readPath = await benchReadPath({
  dataSource: db.dataSource,
  dictionaryId: seeded.dictionaryId,
  features: N,
  connections: Number(values.connections),
  seconds: Number(values.seconds),
  warmupSeconds: Number(values['warmup-seconds']),
  cacheBytes: Math.round(Number(values['cache-mb']) * 2 ** 20),
  zipfS: Number(values['zipf-s']),
  cpuProfile: values['cpu-profile'],
  stored: !values['no-stored'],
  runLoad: (options) => runFeaturePageLoad(options),
});
console.log(readPathTable(readPath, cpuOf));
console.log(
  `load average after the read path: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (values['read-path-only']) {
  await db.close();
  dbProcess?.stdin?.end();
  process.exit(0);
}

// A dictionary on the demo model (the built-in tiny LM) for analyzeText, trained once by the worker's code.
const tinyFolder = join(benchRoot, 'tiny-lm-sae-v1');
if (!existsSync(join(tinyFolder, 'cfg.json'))) {
  const model = await loadModel(TINY_LM);
  mkdirSync(benchRoot, { recursive: true });
  await trainTinyLmDictionary(model, benchRoot, 'tiny-lm-sae-v1', { dSae: 1024, k: 16, seed: 1 });
  disposeModel(model);
}
const tinyRows = (await db.dataSource.query(`SELECT id FROM dictionaries WHERE weights_path = $1`, [tinyFolder])) as {
  id: number;
}[];
const tinyId =
  tinyRows[0]?.id ??
  ((
    await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status, weights_path)
       VALUES ('tiny-lm', $1, 'topk', 128, 1024, 16, 'trained', $2) RETURNING id`,
      [TINY_HOOK, tinyFolder],
    )
  )[0].id as number);

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
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// The load generator runs in its own process: in this one it would share the event loop (and, on the embedded
// engine, the database) with the server it measures. This process's CPU time during the load is the api's (and, with
// the embedded database in-process, the database's) cost per page.
const apiProcesses = Number(values['api-processes']);
if (apiProcesses > 1 && !externalUrl) throw new Error('--api-processes needs DATABASE_URL (a native PostgreSQL)');
let cluster: ReturnType<typeof spawn> | undefined;
let loadUrl = api.graphqlUrl;
if (apiProcesses > 1) {
  cluster = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
    env: {
      ...process.env,
      ATLAS_API_PROCESSES: String(apiProcesses),
      ATLAS_API_PORT: '0',
      ATLAS_DB_POOL_SIZE: values.pool,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  loadUrl = await new Promise<string>((resolve, reject) => {
    let ready = 0;
    cluster!.stdout!.on('data', (chunk: Buffer) => {
      const m = /api: GraphQL at (\S+)/.exec(chunk.toString());
      if (m && ++ready === apiProcesses) resolve(m[1]);
    });
    cluster!.on('exit', (code) => reject(new Error(`the api processes exited with ${code}`)));
  });
}
/** The small feature page's load (uniform popularity), in its own process: for `seconds`, or (0) until `stop` resolves. */
const pageLoad = (seconds: number, stop?: Promise<unknown>): Promise<FeaturePageLoadResult> =>
  runFeaturePageLoad(
    { url: loadUrl, dictionaryId: id, features: N, connections: Number(values.connections), seconds },
    stop,
  );
const pageFigures = (page: FeaturePageLoadResult) =>
  `${Math.round(page.requestsPerSecond)} req/s, p50 ${page.p50Ms} ms, p99 ${page.p99Ms} ms, errors ${page.errors}`;

const cpuBefore = process.cpuUsage();
const loadStart = performance.now();
const page = await pageLoad(Number(values.seconds));
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
const loadSeconds = (performance.now() - loadStart) / 1000;
console.log(
  `small feature page (feature + 20 top activations + 10 neighbours; response cache on, uniform over all features), ${values.connections} clients for ${values.seconds} s (autocannon in a separate process), idle: ${pageFigures(page)}, ${Math.round(page.bytesPerRequest).toLocaleString('en')} bytes per response`,
);
if (!cluster)
  console.log(
    `  ${externalUrl || dbProcess ? 'api' : 'api + embedded database'} process: ${((cpuMs / 1000 / loadSeconds) * 100).toFixed(0)}% of a core, ${(cpuMs / Math.max(1, page.requests)).toFixed(2)} ms of CPU per page`,
  );

// The same load while another process (as a worker would) ingests a dictionary into the same database.
const ingestFeatures = Number(values['ingest-features']);
if (ingestFeatures > 0) {
  const writer = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./ingestDuringLoad.ts', import.meta.url)),
      JSON.stringify({ dataDir, features: ingestFeatures, examples: Number(values['ingest-examples']), dim: D }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const writerExit = new Promise<number | null>((resolve) => writer.on('exit', resolve));
  let writerOut = '';
  writer.stdout.on('data', (chunk: Buffer) => (writerOut += chunk.toString()));
  /** The first match of `pattern` in the writer's output; rejects if it exits first. */
  const writerLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const m = pattern.exec(writerOut);
        if (m) resolve(m[0]);
      };
      writer.stdout.on('data', look);
      void writerExit.then((code) => reject(new Error(`the ingest process exited with ${code} before ${pattern}`)));
      look();
    });
  await writerLine(/^ready$/m);
  const ingested = writerLine(/^\{.*\}$/m).then((line) => JSON.parse(line) as IngestDuringLoadResult);
  const during = pageLoad(
    0,
    ingested.catch(() => undefined), // stop the load however the ingest ends
  );
  await new Promise((r) => setTimeout(r, 1000)); // the load is running before the ingest starts
  writer.stdin.write('go\n');
  const [ingest, busy] = await Promise.all([ingested, during]);
  await writerExit;
  console.log(
    `  during ingest of ${ingest.features.toLocaleString('en')} features + ${ingest.examples.toLocaleString('en')} examples by another process (${ingest.seconds.toFixed(1)} s: load ${ingest.loadSeconds.toFixed(1)} s, indexes and swap ${ingest.swapSeconds.toFixed(1)} s): ${pageFigures(busy)}; p99 ${(busy.p99Ms / page.p99Ms).toFixed(2)}x idle`,
  );
}
if (cluster) {
  console.log(`  api: ${apiProcesses} processes sharing the port (ATLAS_API_PROCESSES, node:cluster)`);
  cluster.removeAllListeners('exit');
  cluster.kill('SIGTERM');
}

type Similar = { similarFeatures: { feature: { index: number } }[] };
const SIMILAR = `query($v: [Float!], $ds: [ID!]!, $exact: Boolean!) { similarFeatures(vector: $v, dictionaryIds: $ds, k: 10, exact: $exact) { feature { index } } }`;
let hits = 0;
const probes = 30;
const hnswMs: number[] = [];
const exactMs: number[] = [];
for (let p = 0; p < probes; p++) {
  const [row] = (await db.dataSource.query(
    `SELECT decoder::real[] AS v FROM features WHERE dictionary_id = $1 AND index = $2`,
    [id, Math.floor(rand() * N)],
  )) as { v: number[] }[];
  const q = row.v.map((x) => x + (0.02 * gauss()) / Math.sqrt(D));
  let t = performance.now();
  const approx = await gql<Similar>(SIMILAR, { v: q, ds: [String(id)], exact: false });
  hnswMs.push(performance.now() - t);
  t = performance.now();
  const exact = await gql<Similar>(SIMILAR, { v: q, ds: [String(id)], exact: true });
  exactMs.push(performance.now() - t);
  const truth = new Set(exact.similarFeatures.map((h) => h.feature.index));
  hits += approx.similarFeatures.filter((h) => truth.has(h.feature.index)).length;
}
console.log(
  `similarFeatures over ${N.toLocaleString('en')} decoders: recall@10 ${(hits / (probes * 10)).toFixed(3)} (HNSW, ef_search 100) vs exact; mean latency ${mean(hnswMs).toFixed(1)} ms HNSW (p99 ${quantile(hnswMs, 0.99).toFixed(0)}), ${mean(exactMs).toFixed(1)} ms exact`,
);

const tokenMs: number[] = [];
for (let p = 0; p < 50; p++) {
  const t = performance.now();
  await gql(`query($t: String!) { featuresByToken(token: $t, first: 20) { feature { index label } } }`, {
    t: WORDS[p % WORDS.length],
  });
  tokenMs.push(performance.now() - t);
}
console.log(
  `featuresByToken: ${mean(tokenMs).toFixed(1)} ms mean, p99 ${quantile(tokenMs, 0.99).toFixed(1)} ms over 50 lookups`,
);

const tokenizerModel = await loadModel(TINY_LM); // TF.js starts here, so the cold figure below is model + dictionary
const tinyTokens = (s: string) => tokenizerModel.tokenizer.encode(s).ids.length;
const ANALYZE = `query($t: String!, $ds: [ID!]!) { analyzeText(text: $t, dictionaryIds: $ds, topK: 5) { elapsedMs tokens { text features { index activation } } } }`;
const sentence =
  'The jury said the election was conducted well, and the city council approved the new budget on Friday.';
let text = sentence;
while (tinyTokens(text) < 64) text += ' ' + sentence;
// Trim to exactly 64 tokens by characters: drop words from the end until it fits.
const words = text.split(' ');
while (tinyTokens(words.join(' ')) > 64) words.pop();
text = words.join(' ');
type Analysis = { analyzeText: { elapsedMs: number; tokens: unknown[] } };
let t = performance.now();
const first = await gql<Analysis>(ANALYZE, { t: text, ds: [String(tinyId)] });
const coldMs = performance.now() - t;
const analyzeMs: number[] = [];
const engineMs: number[] = [];
for (let p = 0; p < 20; p++) {
  t = performance.now();
  const r = await gql<Analysis>(ANALYZE, { t: text, ds: [String(tinyId)] });
  analyzeMs.push(performance.now() - t);
  engineMs.push(r.analyzeText.elapsedMs);
}
console.log(
  `analyzeText, ${first.analyzeText.tokens.length} tokens on the demo model (${TINY_LM}, 1 dictionary of 1,024 latents): ${mean(analyzeMs).toFixed(1)} ms mean per request (p99 ${quantile(analyzeMs, 0.99).toFixed(0)} ms; model + dictionary ${mean(engineMs).toFixed(1)} ms), first request ${coldMs.toFixed(0)} ms (loads the model and the dictionary)`,
);
// Responsiveness: the api's event-loop delay while it analyses the longest text it accepts.
let longText = sentence;
while (tinyTokens(longText) < 2000) longText += ' ' + sentence;
const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();
t = performance.now();
const long = await gql<Analysis>(ANALYZE, { t: longText, ds: [String(tinyId)] });
const longMs = performance.now() - t;
lag.disable();
console.log(
  `analyzeText, ${long.analyzeText.tokens.length} tokens: ${longMs.toFixed(0)} ms; the event loop's longest stall meanwhile ${(lag.max / 1e6).toFixed(0)} ms (p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms)`,
);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
disposeModel(tokenizerModel);
await api.stop();
await db.close();
dbProcess?.stdin?.end();

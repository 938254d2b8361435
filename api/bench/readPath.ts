// The read path section of `npm run bench:api` (issue 20): the web's whole feature page (FEATURE_PAGE) under
// `connections` clients, uniform over all features and Zipf(s), each cold and warm, and once with the response
// cache off as the baseline. Cold is a fresh api (startApiServer: a new ReadPathCache, nothing cached; the
// database's own buffers and the OS page cache stay as earlier runs left them); warm is the same api after a
// warm-up pass of the same popularity. The api runs in this process, the load in another (featurePageLoad.ts), so
// this process's CPU time during a load is the api's (with the embedded database in-process, the database's too).
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { DataSource } from 'typeorm';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../src/server.js';
import type { StoredAnswersUse } from '../src/responseCache/storedAnswers.js';
import type { ResponseCacheStats } from '../src/responseCache/responseCache.js';
import type { StoredAnswerStats } from '../src/responseCache/storedAnswers.js';
import { describeProgress, prerender } from '../src/responseCache/prerender.js';
import type { FeaturePageLoadOptions, FeaturePageLoadResult } from './featurePageLoad.js';
import { featurePageOperation } from '../src/responseCache/featurePageOperation.js';
import { describePopularity, zipfHeadShare, type PagePopularity } from './pagePopularity.js';

export interface ReadPathOptions {
  dataSource: DataSource;
  dictionaryId: number;
  features: number;
  connections: number;
  /** Length of each measured load. */
  seconds: number;
  /** Length of the unmeasured load between cold and warm. */
  warmupSeconds: number;
  /** Response cache bytes of the cached runs. */
  cacheBytes: number;
  zipfS: number;
  /** Read stored answers (prerendered into the bench database first) in the cached runs. */
  stored: boolean;
  /** Where to write a CPU profile (.cpuprofile) of this process under one more Zipf warm load; absent: none. */
  cpuProfile?: string;
  runLoad: (options: FeaturePageLoadOptions) => Promise<FeaturePageLoadResult>;
}

export interface ReadPathRow {
  popularity: string;
  state: 'cold' | 'warm' | 'warm, nothing stored' | 'cache off';
  load: FeaturePageLoadResult;
  /** Hits / lookups during the load, from GET /cache; undefined when the cache was off (no lookups). */
  hitRate: number | undefined;
  /** Answers found in the stored answers / lookups (the memory's misses that the database's stored answers took). */
  storedRate: number | undefined;
  cpuMsPerPage: number;
  cacheBytes: number;
  cacheEntries: number;
  /** Time from the request's arrival in the api to its answer's last byte handed to the kernel, by x-atlas-cache. */
  inApi: Record<'hit' | 'stored' | 'miss', { p50Ms: number; p99Ms: number } | undefined>;
  /** Reads of the database's read versions per page (concurrent requests share one). */
  versionReadsPerPage: number;
  rssBytes: number;
}

type CacheCounters = ResponseCacheStats & { versionReads: number; stored: StoredAnswerStats };

async function cacheCounters(api: ApiServer): Promise<CacheCounters> {
  const res = await fetch(`${api.url}/cache`);
  if (res.status !== 200) throw new Error(`GET ${api.url}/cache answered ${res.status}`);
  return (await res.json()) as CacheCounters;
}

/** One feature page through `api`: its status, body and cache headers. */
async function fetchPage(api: ApiServer, query: string, dictionaryId: number, index: number, etag?: string) {
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
    body: JSON.stringify({ query, variables: { d: String(dictionaryId), i: index } }),
  });
  return {
    status: res.status,
    body: await res.text(),
    etag: res.headers.get('etag') ?? undefined,
    cache: res.headers.get('x-atlas-cache') ?? undefined,
    cacheControl: res.headers.get('cache-control') ?? undefined,
  };
}

/**
 * Waits until this process is idle (under 5% of a core for 100 ms, at most 30 s): when the load generator stops,
 * the api is still working through the requests it had accepted, and their cost belongs to this run, not the next.
 */
async function settle(): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const used = process.cpuUsage(before);
    if (used.user + used.system < 5_000) return;
  }
}

function quantiles(ms: number[]): { p50Ms: number; p99Ms: number } | undefined {
  if (!ms.length) return undefined;
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]);
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const percent = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

export async function benchReadPath(o: ReadPathOptions): Promise<ReadPathRow[]> {
  if (!(o.cacheBytes > 0))
    throw new Error(
      `--cache-mb must be above 0 (got ${o.cacheBytes / 2 ** 20}): the read path's cached runs need a cache; its last row is already the cache off`,
    );
  const query = featurePageOperation();
  const start = (cacheBytes: number, storedAnswers: StoredAnswersUse = o.stored ? 'read' : 'off') =>
    startApiServer({
      dataSource: o.dataSource,
      log: pino({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1_000_000,
      responseCacheBytes: cacheBytes,
      featurePartsBytes: cacheBytes === 0 ? 0 : undefined, // "off" is no caching at all, as ATLAS_API_CACHE_MB=0
      storedAnswers,
    });
  if (o.stored) await prepareStoredAnswers(o, query, () => start(0, 'store'));

  // The page answers, the cache answers it the second time byte for byte, and an ETag round trip gives a 304;
  // on an api of its own, so the measured ones start empty.
  {
    const api = await start(o.cacheBytes);
    try {
      const index = o.features - 1;
      const first = await fetchPage(api, query, o.dictionaryId, index);
      const parsed = JSON.parse(first.body) as { data?: { feature?: { index: number } | null }; errors?: unknown };
      if (first.status !== 200 || parsed.errors || parsed.data?.feature?.index !== index)
        throw new Error(`the feature page of feature ${index} answered ${first.status}: ${first.body.slice(0, 300)}`);
      const second = await fetchPage(api, query, o.dictionaryId, index);
      const revalidated = await fetchPage(api, query, o.dictionaryId, index, first.etag);
      if (
        !(first.cache === 'miss' || first.cache === 'stored') ||
        second.cache !== 'hit' ||
        second.body !== first.body ||
        revalidated.status !== 304
      )
        throw new Error(
          `the response cache did not answer as expected: x-atlas-cache ${first.cache} then ${second.cache}, bodies ${second.body === first.body ? 'equal' : 'differ'}, If-None-Match answered ${revalidated.status}`,
        );
      const answerBytes = Buffer.byteLength(first.body);
      const capacity = Math.floor(o.cacheBytes / (answerBytes + 2 * query.length + 256));
      console.log(
        `  the page: ${query.length.toLocaleString('en')} characters of query (the web's FEATURE_PAGE, printed), ${answerBytes.toLocaleString('en')} bytes of answer; ETag + \`${first.cacheControl}\`, If-None-Match → 304 with no body`,
      );
      console.log(
        `  a ${mib(o.cacheBytes)} cache holds ~${capacity.toLocaleString('en')} such answers: the ${capacity.toLocaleString('en')} most popular features draw ${percent(zipfHeadShare(o.features, o.zipfS, capacity))} of Zipf s=${o.zipfS} requests (the most a cache of that size can hit), ${percent(capacity / o.features)} of uniform ones`,
      );
    } finally {
      await api.stop();
    }
  }

  const rows: ReadPathRow[] = [];
  const measure = async (
    api: ApiServer,
    popularity: PagePopularity,
    state: ReadPathRow['state'],
    seconds = o.seconds,
  ): Promise<ReadPathRow> => {
    const before = await cacheCounters(api);
    const inApi = { hit: [] as number[], stored: [] as number[], miss: [] as number[] };
    const time = (_req: IncomingMessage, res: ServerResponse) => {
      const t0 = performance.now();
      res.once('finish', () => {
        const how = res.getHeader('x-atlas-cache');
        if (how === 'hit' || how === 'stored' || how === 'miss') inApi[how].push(performance.now() - t0);
      });
    };
    api.httpServer.prependListener('request', time);
    const cpuBefore = process.cpuUsage();
    const load = await o.runLoad({
      url: api.graphqlUrl,
      dictionaryId: o.dictionaryId,
      features: o.features,
      connections: o.connections,
      seconds,
      query,
      popularity,
    });
    await settle();
    const cpu = process.cpuUsage(cpuBefore);
    api.httpServer.off('request', time);
    const after = await cacheCounters(api);
    const lookups = after.hits + after.misses - before.hits - before.misses;
    const staleStored = after.stored.stale - before.stored.stale;
    if (staleStored > 0) console.log(`  (${staleStored} stored answers found stale during this run)`);
    return {
      popularity: describePopularity(popularity),
      state,
      load,
      hitRate: lookups > 0 ? (after.hits - before.hits) / lookups : undefined,
      storedRate: lookups > 0 ? (after.stored.hits - before.stored.hits) / lookups : undefined,
      cpuMsPerPage: (cpu.user + cpu.system) / 1000 / Math.max(1, load.requests),
      cacheBytes: after.bytes,
      cacheEntries: after.entries,
      inApi: { hit: quantiles(inApi.hit), stored: quantiles(inApi.stored), miss: quantiles(inApi.miss) },
      versionReadsPerPage: (after.versionReads - before.versionReads) / Math.max(1, load.requests),
      rssBytes: process.memoryUsage().rss,
    };
  };

  const zipf: PagePopularity = { kind: 'zipf', s: o.zipfS };
  for (const popularity of [{ kind: 'uniform' } as const, zipf]) {
    const api = await start(o.cacheBytes);
    try {
      rows.push(await measure(api, popularity, 'cold'));
      const warmup = await measure(api, popularity, 'warm', o.warmupSeconds);
      console.log(
        `  ${describePopularity(popularity)}: warm-up pass of ${o.warmupSeconds} s, ${warmup.load.requests.toLocaleString('en')} requests, hit rate ${percent(warmup.hitRate)}`,
      );
      rows.push(await measure(api, popularity, 'warm'));
      if (o.cpuProfile && popularity === zipf) await profiled(o.cpuProfile, () => measure(api, popularity, 'warm'));
    } finally {
      await api.stop();
    }
  }
  if (o.stored) {
    // The same warm Zipf load without the stored answers: what memory alone gives.
    const api = await start(o.cacheBytes, 'off');
    try {
      await measure(api, zipf, 'warm', o.warmupSeconds);
      rows.push(await measure(api, zipf, 'warm, nothing stored'));
    } finally {
      await api.stop();
    }
  }
  // The baseline last, so it meets the warmest database buffers of the run.
  const uncached = await start(0);
  try {
    rows.push(await measure(uncached, zipf, 'cache off'));
  } finally {
    await uncached.stop();
  }
  return rows;
}

/**
 * Every feature page of the bench dictionary in the stored answers (npm run prerender's work), once per bench
 * database: kept with it, so later runs find them current and only check.
 */
async function prepareStoredAnswers(o: ReadPathOptions, query: string, startStoring: () => Promise<ApiServer>) {
  const api = await startStoring();
  try {
    await api.cache.stored.dropOtherBuilds();
    const [{ n }] = (await o.dataSource.query(`SELECT count(*)::int AS n FROM stored_answers WHERE build = $1`, [
      api.cache.stored.build,
    ])) as { n: number }[];
    if (n >= o.features) {
      console.log(`  stored answers: ${n.toLocaleString('en')} in the bench database (prerendered earlier)`);
      return;
    }
    const started = performance.now();
    const result = await prerender({
      graphqlUrl: api.graphqlUrl,
      query,
      variables: (function* () {
        for (let i = 0; i < o.features; i++) yield { d: String(o.dictionaryId), i };
      })(),
      total: o.features,
      progressEveryMs: 10_000,
      onProgress: (p) => console.log(`  prerendering the stored answers: ${describeProgress(p)}`),
    });
    await api.cache.stored.flush();
    if (result.failed) throw new Error(`prerendering failed for ${result.failed} pages: ${result.firstFailure}`);
    console.log(
      `  stored answers: ${result.rendered.toLocaleString('en')} prerendered in ${((performance.now() - started) / 1000).toFixed(0)} s (kept in the bench database)`,
    );
  } finally {
    await api.stop();
  }
}

/** Runs `work` under V8's sampling profiler and writes the profile (Chrome DevTools' .cpuprofile format). */
async function profiled(path: string, work: () => Promise<ReadPathRow>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const row = await work();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(path, JSON.stringify(profile));
  console.log(
    `  CPU profile of the api under one more ${row.popularity} warm load (${Math.round(row.load.requestsPerSecond)} req/s, p99 ${row.load.p99Ms} ms while profiled) written to ${path}`,
  );
}

const split = (q: { p50Ms: number; p99Ms: number } | undefined) => (q ? `${q.p50Ms} / ${q.p99Ms} ms` : '–');

/** The rows as a Markdown table (what docs/performance.md records). */
export function readPathTable(rows: ReadPathRow[], cpuOf: string): string {
  const lines = [
    `| popularity | response cache | req/s | p50 | p99 | hits: memory + stored | ${cpuOf} CPU per page | in the api: hit p50 / p99 | stored p50 / p99 | miss p50 / p99 | version reads per page | cache holds | RSS |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.popularity} | ${r.state} | ${Math.round(r.load.requestsPerSecond)}${r.load.errors ? ` (${r.load.errors} errors)` : ''} | ${r.load.p50Ms} ms | ${r.load.p99Ms} ms | ${percent(r.hitRate)}${r.storedRate ? ` + ${percent(r.storedRate)}` : ''} | ${r.cpuMsPerPage.toFixed(2)} ms | ${split(r.inApi.hit)} | ${split(r.inApi.stored)} | ${split(r.inApi.miss)} | ${r.versionReadsPerPage.toFixed(2)} | ${r.state === 'cache off' ? '–' : `${mib(r.cacheBytes)} (${r.cacheEntries.toLocaleString('en')} answers)`} | ${mib(r.rssBytes)} |`,
    );
  return lines.join('\n');
}

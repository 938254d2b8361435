// `npm run bench:web`: the feature page's server response time and its first-load JavaScript, then the page under
// load: BENCH_CLIENTS (50) concurrent clients asking for feature pages drawn Zipf(1.1) over every feature of the
// atlas, a first pass on the fresh server (cold) and a second (warm), BENCH_LOAD_REQUESTS (4000) requests each.
// Starts the atlas (`npm start`, which builds the web when its sources changed) on the fixture atlas, or measures a
// running one: BENCH_WEB_URL=http://127.0.0.1:3000 BENCH_PAGE=/d/1/f/0 (e.g. the demo atlas), and for the load
// BENCH_FEATURES=<features of BENCH_PAGE's dictionary> (e.g. 100000 on a big atlas; unset: no load phase).
// Budgets: the 200 ms per response (p95 serial, p99 under load, warm); 250 kB of gzipped JS on first load
// (ours: ECharts' core with three chart types is about 150 kB of it, React and Next about 70 kB).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { queryStack, repoRoot, startStack, type Stack } from '../../test/e2e/stack.js';
import type { LoadOptions, LoadResult } from './featurePageLoad.js';

const RESPONSE_BUDGET_MS = 200;
const FIRST_LOAD_BUDGET_KB = 250;
const N = Number(process.env.BENCH_N ?? 50);
const WARMUP = 5;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const LOAD_REQUESTS = Number(process.env.BENCH_LOAD_REQUESTS ?? 4000);
const ZIPF_S = 1.1;
const LOAD_BUDGET_P99_MS = 200;
const nextDir = join(repoRoot, 'web', '.next');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Milliseconds until the whole HTML of `url` has arrived, N times after a warm-up. */
async function responseTimes(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    const html = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${html.slice(0, 200)}`);
    if (i >= WARMUP) times.push(ms);
  }
  return times.sort((a, b) => a - b);
}

/**
 * The JS a browser loads for the feature page, from the build's manifests: the root main files every page shares
 * plus the entry chunks of the page's own client components (layout, error and not-found boundaries, the page).
 * Polyfills are left out: only browsers without ES modules load them.
 */
function firstLoadJs(): { files: number; rawKb: number; gzipKb: number } {
  const build = JSON.parse(readFileSync(join(nextDir, 'build-manifest.json'), 'utf8')) as { rootMainFiles: string[] };
  const manifestFile = join(nextDir, 'server/app/d/[dictionaryId]/f/[index]/page_client-reference-manifest.js');
  const sandbox: { __RSC_MANIFEST?: Record<string, { entryJSFiles: Record<string, string[]> }> } = {};
  new Function('globalThis', readFileSync(manifestFile, 'utf8'))(sandbox);
  const entry = sandbox.__RSC_MANIFEST!['/d/[dictionaryId]/f/[index]/page'].entryJSFiles;
  const files = new Set([...build.rootMainFiles, ...Object.values(entry).flat()]);
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = readFileSync(join(nextDir, f));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { files: files.size, rawKb: raw / 1024, gzipKb: gzip / 1024 };
}

const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

/** One pass of the load, in its own process (web/bench/featurePageLoad.ts). */
async function loadPass(options: LoadOptions): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'web', 'bench', 'featurePageLoad.ts'), JSON.stringify(options)],
    { cwd: repoRoot, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

/** The load phase: cold (first pass on this server) and warm, one line each. */
async function loadPhase(webUrl: string, dictionaries: LoadOptions['dictionaries']): Promise<void> {
  const features = dictionaries.reduce((n, d) => n + d.nLatents, 0);
  console.log(
    `load: ${CLIENTS} clients, ${LOAD_REQUESTS} requests a pass, feature pages Zipf(s = ${ZIPF_S}) over ${features} features of ${dictionaries.length} dictionar${dictionaries.length === 1 ? 'y' : 'ies'}${features < 1000 ? ' (a small atlas: most requests repeat a page)' : ''}`,
  );
  for (const pass of ['cold (first pass)', 'warm (second pass)']) {
    const options = { webUrl, dictionaries, s: ZIPF_S, seed: 20, connections: CLIENTS, amount: LOAD_REQUESTS };
    const r = await loadPass(options);
    const verdict = pass.startsWith('warm')
      ? ` (goal p99 < ${LOAD_BUDGET_P99_MS} ms: ${r.p99Ms < LOAD_BUDGET_P99_MS ? 'met' : 'MISSED'})`
      : '';
    console.log(
      `  ${pass.padEnd(19)} ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms, errors ${r.errors}, page cache hits ${((100 * r.pageCacheHits) / Math.max(1, r.requests - r.errors)).toFixed(1)}% of ${r.requests} (${((100 * r.proxyHits) / Math.max(1, r.requests - r.errors)).toFixed(1)}% from the proxy's copy), ${r.distinctPages} distinct pages; machine load after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}${verdict}`,
    );
  }
}

async function main(): Promise<void> {
  let stack: Stack | undefined;
  let url: string;
  let webUrl: string;
  let dictionaries: LoadOptions['dictionaries'] = [];
  if (process.env.BENCH_WEB_URL) {
    webUrl = process.env.BENCH_WEB_URL;
    const page = process.env.BENCH_PAGE ?? '/d/1/f/0';
    url = `${webUrl}${page}`;
    if (process.env.BENCH_FEATURES) {
      const nLatents = Number(process.env.BENCH_FEATURES);
      const id = /^\/d\/(\d+)\//.exec(page)?.[1];
      if (!(Number.isInteger(nLatents) && nLatents >= 1) || !id)
        throw new Error(
          `BENCH_FEATURES must be the feature count of BENCH_PAGE's dictionary, e.g. BENCH_PAGE=/d/1/f/0 BENCH_FEATURES=100000 (got ${process.env.BENCH_FEATURES}, page ${page})`,
        );
      dictionaries = [{ id, nLatents }];
    }
  } else {
    stack = await startStack();
    const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'api/src/testing/seedFixture.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ATLAS_DATA_DIR: stack.dataDir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    if (seeded.status !== 0) throw new Error(`seeding the fixture atlas failed:\n${seeded.stderr}`);
    const ids = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as { narrow: number };
    url = `${stack.webUrl}/d/${ids.narrow}/f/3`;
    webUrl = stack.webUrl;
    ({ dictionaries } = await queryStack<{ dictionaries: { id: string; nLatents: number }[] }>(
      stack,
      '{ dictionaries { id nLatents } }',
    ));
  }
  try {
    console.log(`machine: ${machine()}`);
    const times = await responseTimes(url);
    const [p50, p95] = [percentile(times, 50), percentile(times, 95)];
    console.log(
      `feature page ${url.replace(/^https?:\/\/[^/]+/, '')}: ${N} requests, p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (budget p95 ≤ ${RESPONSE_BUDGET_MS} ms: ${p95 <= RESPONSE_BUDGET_MS ? 'within' : 'OVER'})`,
    );
    if (existsSync(join(nextDir, 'build-manifest.json'))) {
      const js = firstLoadJs();
      console.log(
        `feature page first-load JS: ${js.files} files, ${js.rawKb.toFixed(1)} kB raw, ${js.gzipKb.toFixed(1)} kB gzip (budget ≤ ${FIRST_LOAD_BUDGET_KB} kB gzip: ${js.gzipKb <= FIRST_LOAD_BUDGET_KB ? 'within' : 'OVER'})`,
      );
    } else console.log(`feature page first-load JS: no build in ${nextDir}; run npm run build -w web`);
    if (dictionaries.length) await loadPhase(webUrl, dictionaries);
    else console.log('load: skipped (set BENCH_FEATURES with BENCH_WEB_URL)');
  } finally {
    await stack?.stop();
  }
}

await main();

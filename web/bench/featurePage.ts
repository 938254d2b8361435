// `npm run bench:web`: the feature page's server response time and its first-load JavaScript.
// Starts the atlas (`npm start`, which builds the web when its sources changed) on the fixture atlas, or measures a
// running one: BENCH_WEB_URL=http://127.0.0.1:3000 BENCH_PAGE=/d/1/f/0 (e.g. the demo atlas) with BENCH_WEB_DIR
// unset. Budgets: the issue's 200 ms per response (p95); 250 kB of gzipped JS on first load (ours: ECharts' core
// with three chart types is about 150 kB of it, React and Next about 70 kB).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot, startStack, type Stack } from '../../test/e2e/stack.js';

const RESPONSE_BUDGET_MS = 200;
const FIRST_LOAD_BUDGET_KB = 250;
const N = Number(process.env.BENCH_N ?? 50);
const WARMUP = 5;
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

async function main(): Promise<void> {
  let stack: Stack | undefined;
  let url: string;
  if (process.env.BENCH_WEB_URL) {
    url = `${process.env.BENCH_WEB_URL}${process.env.BENCH_PAGE ?? '/d/1/f/0'}`;
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
  }
  try {
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
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
  } finally {
    await stack?.stop();
  }
}

await main();

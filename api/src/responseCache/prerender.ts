// Rendering answers ahead of time into the stored answers (storedAnswers.ts): one operation over many variable sets,
// sent to an api started to store what it renders (`storedAnswers: 'store'`), a few at a time. Pages whose stored answer is
// still current are answered from it and not rendered again, so a second run after a re-analysis redoes only what
// changed.

export interface PrerenderOptions {
  /** The api's /graphql URL; the api must have been started with storedAnswers: 'store'. */
  graphqlUrl: string;
  query: string;
  variables: Iterable<Record<string, unknown>>;
  total: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Called at most every `progressEveryMs` (default 2,000) and once at the end. */
  onProgress?: (progress: PrerenderProgress) => void;
  progressEveryMs?: number;
}

export interface PrerenderProgress {
  done: number;
  total: number;
  pagesPerSecond: number;
  etaSeconds: number;
}

/** "1m 05s" */
export function duration(seconds: number): string {
  return seconds >= 60
    ? `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${Math.round(seconds)}s`;
}

/** "12,000 / 100,000 pages (12.0%), 310 pages/s, ETA 4m 44s" */
export function describeProgress(p: PrerenderProgress): string {
  return `${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} pages (${((100 * p.done) / Math.max(1, p.total)).toFixed(1)}%), ${Math.round(p.pagesPerSecond)} pages/s, ETA ${duration(p.etaSeconds)}`;
}

export interface PrerenderResult {
  /** Answers rendered now (stored when the api stores them). */
  rendered: number;
  /** Already stored and current. */
  current: number;
  /** Answered with an error (not stored), with the first one's text. */
  failed: number;
  firstFailure?: string;
}

export async function prerender(options: PrerenderOptions): Promise<PrerenderResult> {
  const result: PrerenderResult = { rendered: 0, current: 0, failed: 0 };
  const source = options.variables[Symbol.iterator]();
  let done = 0;
  const started = performance.now();
  let reported = started;
  const report = () => {
    const now = performance.now();
    if (now - reported < (options.progressEveryMs ?? 2000) && done < options.total) return;
    reported = now;
    const pagesPerSecond = done / Math.max(1e-3, (now - started) / 1000);
    options.onProgress?.({
      done,
      total: options.total,
      pagesPerSecond,
      etaSeconds: (options.total - done) / Math.max(1e-9, pagesPerSecond),
    });
  };
  const one = async (variables: Record<string, unknown>) => {
    const res = await fetch(options.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: options.query, variables }),
    });
    const body = await res.text();
    const how = res.headers.get('x-atlas-cache');
    if (res.status !== 200 || body.includes('"errors":[') || how === null) {
      result.failed++;
      result.firstFailure ??= `${JSON.stringify(variables)}: HTTP ${res.status} ${body.slice(0, 300)}`;
    } else if (how === 'stored') result.current++;
    else result.rendered++;
    done++;
    report();
  };
  const lane = async () => {
    for (let next = source.next(); !next.done; next = source.next()) await one(next.value);
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane));
  return result;
}

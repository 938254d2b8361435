// The web bench's load phase, run as its own process (argument: JSON options) so the load generator stays out of
// the way of the bench's own event loop: autocannon with `connections` clients, `amount` requests of feature pages
// drawn Zipf(s) over every feature of the given dictionaries (popularity ranks shuffled with the seed, so the
// popular pages are spread over dictionaries and indices). Prints one JSON line of results.
// autocannon is the api's pinned devDependency (8.0.0), the same as bench:api's load.
import autocannon from 'autocannon';
import { seededUniform, zipfSampler } from './zipf.js';

export interface LoadOptions {
  webUrl: string;
  dictionaries: { id: string; nLatents: number }[];
  s: number;
  seed: number;
  connections: number;
  amount: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Responses served from a page cache, of all 2xx: Next's (x-nextjs-cache: HIT) or the proxy's (below). */
  pageCacheHits: number;
  /** Of those, answered by the proxy itself from its copy of the page (x-atlas-page-cache: proxy). */
  proxyHits: number;
  /** Distinct pages asked for. */
  distinctPages: number;
}

/** Every feature page's path, in a seeded random order: position = popularity rank. */
function pagesByRank(o: LoadOptions): string[] {
  const pages = o.dictionaries.flatMap((d) => Array.from({ length: d.nLatents }, (_, i) => `/d/${d.id}/f/${i}`));
  const uniform = seededUniform(o.seed ^ 0x5f3759df);
  for (let i = pages.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [pages[i], pages[j]] = [pages[j], pages[i]];
  }
  return pages;
}

if (process.argv[2]) {
  const o = JSON.parse(process.argv[2]) as LoadOptions;
  const pages = pagesByRank(o);
  const draw = zipfSampler(pages.length, o.s, seededUniform(o.seed));
  const asked = new Set<string>();
  let hits = 0;
  let proxyHits = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: o.webUrl,
        connections: o.connections,
        amount: o.amount,
        timeout: 30,
        requests: [
          {
            setupRequest: (req) => {
              const path = pages[draw()];
              asked.add(path);
              return { ...req, path };
            },
            onResponse: (status, _body, _context, headers) => {
              if (status >= 300) return;
              if (headers?.['x-atlas-page-cache'] === 'proxy') proxyHits++;
              if (headers?.['x-nextjs-cache'] === 'HIT' || headers?.['x-atlas-page-cache'] === 'proxy') hits++;
            },
          },
        ],
      },
      (err: unknown, r) => (err ? reject(err as Error) : resolve(r)),
    );
  });
  const out: LoadResult = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / (result.duration || 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.non2xx + result.timeouts,
    pageCacheHits: hits,
    proxyHits,
    distinctPages: asked.size,
  };
  console.log(JSON.stringify(out));
}

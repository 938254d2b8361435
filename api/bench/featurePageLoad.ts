// The feature-page load for `npm run bench:api`, run as its own process (argument: JSON options, FeaturePageLoadOptions):
// autocannon with `connections` clients, each request the page of one feature of the dictionary picked by
// `popularity` (default uniform), for `seconds` (0: until a line arrives on stdin, for the "during ingest" figures).
// Prints one JSON line of results.
// autocannon is pinned (8.0.0, a devDependency of api) so figures stay comparable between runs.
import autocannon from 'autocannon';
import { featureSampler, type PagePopularity } from './pagePopularity.js';

export interface FeaturePageLoadOptions {
  url: string;
  dictionaryId: number;
  features: number;
  connections: number;
  seconds: number;
  /** The operation (variables `$d: ID!`, `$i: Int!`); default the small page below. */
  query?: string;
  popularity?: PagePopularity;
}

export interface FeaturePageLoadResult {
  requestsPerSecond: number;
  /** Responses received in all. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  bytesPerRequest: number;
}

/** The feature page as the bench measured it before the web's whole FEATURE_PAGE (kept comparable with earlier runs). */
const PAGE = `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { label density maxActivation
  topActivations(first: 20) { tokens activations maxActivation } neighbors(k: 10) { cosine feature { index label } } } }`;

if (process.argv[2]) {
  const o = JSON.parse(process.argv[2]) as FeaturePageLoadOptions;
  const query = o.query ?? PAGE;
  const nextFeature = featureSampler(o.popularity ?? { kind: 'uniform' }, o.features);
  const options: autocannon.Options = {
    url: o.url,
    connections: o.connections,
    duration: o.seconds || 3600,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ query, variables: { d: String(o.dictionaryId), i: nextFeature() } }),
        }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, r) => (err ? reject(err as Error) : resolve(r)));
    if (o.seconds === 0) process.stdin.once('data', () => instance.stop());
  });
  const out: FeaturePageLoadResult = {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    bytesPerRequest: result.throughput.total / Math.max(1, result.requests.total),
  };
  console.log(JSON.stringify(out));
  process.stdin.destroy(); // a stdin read keeps the process alive
}

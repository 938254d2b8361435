// Which version of a feature page is current, asked of the api for every page request: a conditional GET of the
// page's operation, which the api answers from memory (304, or 200 with a new ETag) after reading the database's
// read versions, so a change any process made before the request is seen. The ETag names exactly what the page
// shows (its dictionary, its explanations), so it keys the page cache: a new ETag is a new cached page.
import { featurePageUrl } from './feature-page-query';
import { LruMap } from './lru-map';
import { SharedRecheck } from './shared-recheck';

/** The api's ETags are quoted base64url (api/src/responseCache/readPathCache.ts): safe as a path segment. */
const STRONG_ETAG = /^"([A-Za-z0-9_-]{1,64})"$/;

export type FetchLike = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

export interface FeaturePageVersionsOptions {
  /** Pages whose last ETag is remembered (to ask with If-None-Match); older ones are asked afresh. */
  maxPages?: number;
  fetch?: FetchLike;
}

export class FeaturePageVersions {
  private readonly etags: LruMap<string, string>;
  private readonly checks: SharedRecheck<string, string | undefined>;
  private readonly fetch: FetchLike;

  constructor(
    private readonly apiUrl: () => string,
    options: FeaturePageVersionsOptions = {},
  ) {
    this.etags = new LruMap(options.maxPages ?? 10_000);
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.checks = new SharedRecheck((key) => this.check(key));
  }

  /** Conditional GETs sent to the api so far. */
  get checksStarted(): number {
    return this.checks.started;
  }

  /**
   * The page's version as of a check begun after this call: the api's ETag without quotes; undefined when the api
   * answered without one (an error such as NOT_FOUND, which the uncached page then shows). Throws when the api
   * does not answer.
   */
  versionOf(dictionaryId: string, index: number): Promise<string | undefined> {
    return this.checks.current(`${dictionaryId}/${index}`);
  }

  private async check(key: string): Promise<string | undefined> {
    const [dictionaryId, index] = key.split('/');
    const known = this.etags.get(key);
    const res = await this.fetch(featurePageUrl(this.apiUrl(), dictionaryId, Number(index)), {
      headers: known ? { 'if-none-match': known } : {},
    });
    // Only the validator matters here (the page fetches its data when it renders), but the body is read to its end:
    // in Next's proxy runtime a cancelled body left the request hanging.
    await res.arrayBuffer();
    const etag = res.headers.get('etag') ?? '';
    const version = STRONG_ETAG.exec(etag)?.[1];
    if ((res.status !== 200 && res.status !== 304) || !version) {
      this.etags.delete(key);
      return undefined;
    }
    this.etags.set(key, etag);
    return version;
  }
}

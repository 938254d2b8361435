// The proxy's copy of rendered feature pages, so a repeat request is answered by the proxy itself instead of going
// through Next's router and page handler to Next's page cache (most of a cached page's cost under load: see
// docs/performance.md, "The feature page under load"). Keyed by the versioned path /d/:d/f/:i/v/:version, so a
// page is only ever answered with the HTML rendered for the version the api just named: never stale. Superseded
// versions are never asked for again and age out of the byte-bounded LRU.
import { LruMap } from './lru-map';

/** A feature page's HTML as Next rendered it, and the response headers that describe the page. */
export interface RenderedPage {
  body: Uint8Array<ArrayBuffer>;
  headers: [string, string][];
  etag: string | undefined;
}

/**
 * Headers of the render not repeated: they describe that one transfer, or Next's cache state for it (the proxy's
 * answer says x-atlas-page-cache: proxy instead), not the page.
 */
const NOT_REPEATED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'date',
  'set-cookie',
  'x-nextjs-cache',
]);

/** Headers of an app-router request for an RSC payload (navigation, prefetch, server action), not a document. */
const ROUTER_HEADERS = [
  'rsc',
  'next-router-prefetch',
  'next-router-state-tree',
  'next-router-segment-prefetch',
  'next-url',
  'next-action',
];

/**
 * Whether the proxy may answer this request with a page's HTML: a plain document GET or HEAD, without a query (an
 * `_rsc` one included) or any app-router header. Anything else goes to Next, which knows what to answer.
 */
export function isPlainDocumentRequest(method: string, headers: Headers, search: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (search !== '' && search !== '?') return false;
  return !ROUTER_HEADERS.some((name) => headers.has(name));
}

/** Whether an If-None-Match header names `etag` (weak comparison, as for a GET: RFC 9110 13.1.2). */
export function etagMatches(ifNoneMatch: string | null, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** The cacheable page in a render's answer: a 200 HTML page, sent whole (no content-encoding); otherwise undefined. */
export async function renderedPageOf(res: Response): Promise<RenderedPage | undefined> {
  const body = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !type.startsWith('text/html') || res.headers.has('content-encoding')) return undefined;
  const headers = [...res.headers].filter(([name]) => !NOT_REPEATED.has(name));
  return { body, headers, etag: res.headers.get('etag') ?? undefined };
}

/** Bytes a held page costs: its HTML, its headers and its key (the LRU's weight). */
function bytesOf(page: RenderedPage): number {
  return page.body.byteLength + page.headers.reduce((n, [k, v]) => n + k.length + v.length, 0) + 128;
}

export class RenderedPageCache {
  private readonly pages: LruMap<string, RenderedPage>;
  private readonly filling = new Set<string>();
  /** Versioned paths whose render was not a plain 200 page: not asked for again (a new version is a new path). */
  private readonly refused = new LruMap<string, true>(10_000);
  /** Fills started so far (for tests: once per path). */
  fillsStarted = 0;

  /**
   * @param maxBytes bytes of pages held (>= 1)
   * @param fetchRender asks Next for the render of a versioned path (its page cache answers after the first)
   */
  constructor(
    maxBytes: number,
    private readonly fetchRender: (versionedPath: string) => Promise<Response>,
  ) {
    this.pages = new LruMap(maxBytes, bytesOf);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.pages.weight;
  }

  /** The page rendered for exactly this versioned path, if held. */
  held(versionedPath: string): RenderedPage | undefined {
    return this.pages.get(versionedPath);
  }

  /**
   * Keep the render of `versionedPath`, fetched in the background: not while a fill of it runs, not when held, and
   * not after it answered something other than a 200 HTML page. A fill that fails to connect is tried again by a
   * later call. Resolves when this call's fill (if any) is done; callers need not wait.
   */
  async fill(versionedPath: string): Promise<void> {
    if (this.filling.has(versionedPath) || this.refused.get(versionedPath) || this.pages.get(versionedPath)) return;
    this.filling.add(versionedPath);
    this.fillsStarted++;
    try {
      const page = await renderedPageOf(await this.fetchRender(versionedPath));
      if (page) this.pages.set(versionedPath, page);
      else this.refused.set(versionedPath, true);
    } catch {
      // Not reachable right now: the request that asked was answered by Next; a later one tries again.
    } finally {
      this.filling.delete(versionedPath);
    }
  }
}

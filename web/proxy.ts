// Feature pages from the page cache, never stale: each request for /d/:d/f/:i asks the api (a conditional GET, 304
// from its memory when nothing changed) which version of the page's data is current, and is rewritten to the
// versioned route /d/:d/f/:i/v/:version, whose render Next caches. A change made by any process (a re-analysis, a
// new explanation, a delete) changes the version, so the next request renders the page afresh.
// A plain document request for a version whose HTML the proxy already holds (lib/rendered-page-cache.ts) is
// answered here, skipping Next's router and page handler; the first request of a version fills that copy.
import { NextResponse, type NextRequest } from 'next/server';
import { apiUrl, pageCacheBytes } from './lib/config';
import { FeaturePageVersions } from './lib/feature-page-version';
import { etagMatches, isPlainDocumentRequest, RenderedPageCache, type RenderedPage } from './lib/rendered-page-cache';

const versions = new FeaturePageVersions(apiUrl);
/** Marks this server's own rewrites, which Next runs through the proxy a second time; unguessable from outside. */
const REWRITE_MARK = 'x-atlas-versioned';
const rewriteToken = crypto.randomUUID();
const FEATURE_PATH = /^\/d\/(\d+)\/f\/(\d+)(\/v\/[^/]+)?\/?$/;

/**
 * This server's own address, where the proxy asks Next for a version's render to keep. `next start` sets it when it
 * listens (Next forwards server actions to itself through it too); without it the proxy keeps no pages.
 */
const ownOrigin = process.env.__NEXT_PRIVATE_ORIGIN;
const cacheBytes = pageCacheBytes();
// Not under `next dev`: an edited component changes the page without changing its data's version.
const renderedPages =
  ownOrigin && cacheBytes >= 1 && process.env.NODE_ENV === 'production'
    ? new RenderedPageCache(cacheBytes, (versionedPath) =>
        fetch(`${ownOrigin}${versionedPath}`, {
          // The whole HTML, not a compressed copy: the proxy's answer is compressed (or not) per request by Next.
          headers: { [REWRITE_MARK]: rewriteToken, 'accept-encoding': 'identity' },
          cache: 'no-store',
        }),
      )
    : undefined;

function fromRenderedPages(request: NextRequest, page: RenderedPage, version: string): NextResponse {
  const headers = new Headers(page.headers);
  headers.set('x-atlas-page-version', version);
  headers.set('x-atlas-page-cache', 'proxy');
  if (etagMatches(request.headers.get('if-none-match'), page.etag))
    return new NextResponse(null, { status: 304, headers });
  return new NextResponse(request.method === 'HEAD' ? null : page.body, { status: 200, headers });
}

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const match = FEATURE_PATH.exec(request.nextUrl.pathname);
  if (!match) return NextResponse.next();
  const [, dictionaryId, index, versioned] = match;
  // Versioned addresses are ours alone: one asked for from outside could fill the page cache with made-up versions.
  if (versioned) {
    return request.headers.get(REWRITE_MARK) === rewriteToken
      ? NextResponse.next()
      : new NextResponse('Not in the atlas', { status: 404 });
  }
  let version: string | undefined;
  try {
    version = await versions.versionOf(dictionaryId, Number(index));
  } catch {
    version = undefined; // the api does not answer: the per-request page says so
  }
  if (!version) return NextResponse.next();
  const versionedPath = `/d/${dictionaryId}/f/${index}/v/${version}`;
  const document = renderedPages && isPlainDocumentRequest(request.method, request.headers, request.nextUrl.search);
  if (document) {
    const held = renderedPages.held(versionedPath);
    if (held) return fromRenderedPages(request, held, version);
    void renderedPages.fill(versionedPath);
  }
  const target = request.nextUrl.clone();
  target.pathname = versionedPath;
  const headers = new Headers(request.headers);
  headers.set(REWRITE_MARK, rewriteToken);
  const response = NextResponse.rewrite(target, { request: { headers } });
  response.headers.set('x-atlas-page-version', version);
  return response;
}

export const config = { matcher: ['/d/:dictionaryId/f/:index', '/d/:dictionaryId/f/:index/v/:version'] };

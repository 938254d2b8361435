// Feature pages from the page cache, never stale: each request for /d/:d/f/:i asks the api (a conditional GET, 304
// from its memory when nothing changed) which version of the page's data is current, and is rewritten to the
// versioned route /d/:d/f/:i/v/:version, whose render Next caches. A change made by any process (a re-analysis, a
// new explanation, a delete) changes the version, so the next request renders the page afresh.
import { NextResponse, type NextRequest } from 'next/server';
import { apiUrl } from './lib/config';
import { FeaturePageVersions } from './lib/feature-page-version';

const versions = new FeaturePageVersions(apiUrl);
/** Marks this server's own rewrites, which Next runs through the proxy a second time; unguessable from outside. */
const REWRITE_MARK = 'x-atlas-versioned';
const rewriteToken = crypto.randomUUID();
const FEATURE_PATH = /^\/d\/(\d+)\/f\/(\d+)(\/v\/[^/]+)?\/?$/;

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
  const target = request.nextUrl.clone();
  target.pathname = `/d/${dictionaryId}/f/${index}/v/${version}`;
  const headers = new Headers(request.headers);
  headers.set(REWRITE_MARK, rewriteToken);
  const response = NextResponse.rewrite(target, { request: { headers } });
  response.headers.set('x-atlas-page-version', version);
  return response;
}

export const config = { matcher: ['/d/:dictionaryId/f/:index', '/d/:dictionaryId/f/:index/v/:version'] };

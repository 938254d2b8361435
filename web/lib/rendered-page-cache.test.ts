// The proxy's copy of rendered feature pages: which requests it may answer, what it keeps of a render, and that it
// fills each versioned path once, from a real HTTP server standing in for Next.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { etagMatches, isPlainDocumentRequest, RenderedPageCache, renderedPageOf } from './rendered-page-cache';

test('only a plain document GET or HEAD without a query may be answered from the copy', () => {
  const plain = new Headers({ accept: 'text/html', 'accept-encoding': 'gzip' });
  assert.equal(isPlainDocumentRequest('GET', plain, ''), true);
  assert.equal(isPlainDocumentRequest('HEAD', plain, ''), true);
  assert.equal(isPlainDocumentRequest('POST', plain, ''), false);
  assert.equal(isPlainDocumentRequest('GET', plain, '?_rsc=1x2y'), false, 'an RSC cache-busting query');
  assert.equal(isPlainDocumentRequest('GET', plain, '?utm=x'), false, 'any query goes to Next');
  for (const header of ['rsc', 'next-router-prefetch', 'next-router-state-tree', 'next-router-segment-prefetch'])
    assert.equal(isPlainDocumentRequest('GET', new Headers({ [header]: '1' }), ''), false, header);
});

test('If-None-Match matches the ETag weakly, in a list, or as *', () => {
  assert.equal(etagMatches('"abc"', '"abc"'), true);
  assert.equal(etagMatches('W/"abc"', '"abc"'), true);
  assert.equal(etagMatches('"x", "abc"', '"abc"'), true);
  assert.equal(etagMatches('*', '"abc"'), true);
  assert.equal(etagMatches('"abd"', '"abc"'), false);
  assert.equal(etagMatches(null, '"abc"'), false);
  assert.equal(etagMatches('"abc"', undefined), false, 'a page without an ETag is never a 304');
});

test("a render's page keeps the describing headers, not the transfer's or Next's cache state", async () => {
  const res = new Response('<html>page</html>', {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      vary: 'rsc, Accept-Encoding',
      'cache-control': 's-maxage=31536000',
      etag: '"e1"',
      'x-frame-options': 'SAMEORIGIN',
      'x-nextjs-cache': 'HIT',
      date: 'Sun, 06 Dec 2026 09:00:00 GMT',
      'set-cookie': 'a=b',
    },
  });
  const page = await renderedPageOf(res);
  assert.ok(page);
  assert.equal(new TextDecoder().decode(page.body), '<html>page</html>');
  assert.equal(page.etag, '"e1"');
  assert.deepEqual(
    page.headers.map(([k]) => k),
    ['cache-control', 'content-type', 'etag', 'vary', 'x-frame-options'],
  );
  const notFound = new Response('gone', { status: 404, headers: { 'content-type': 'text/html' } });
  assert.equal(await renderedPageOf(notFound), undefined);
  assert.equal(
    await renderedPageOf(new Response('{}', { headers: { 'content-type': 'application/json' } })),
    undefined,
  );
  const gzipped = new Response('x', { headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' } });
  assert.equal(await renderedPageOf(gzipped), undefined, 'a compressed copy is not the page');
});

/** A stand-in for Next: /ok/* answers a page of `size` bytes, anything else 404; counts requests per path. */
let server: Server;
let origin: string;
const asked = new Map<string, number>();
before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    asked.set(path, (asked.get(path) ?? 0) + 1);
    const size = Number(/size=(\d+)/.exec(path)?.[1] ?? 100);
    if (path.startsWith('/ok/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: `"${path}"` });
      // Answer a moment later, so fills asked for meanwhile find this one under way.
      setTimeout(() => res.end('p'.repeat(size)), 20);
    } else res.writeHead(404, { 'content-type': 'text/html' }).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('a versioned path is fetched once however many ask, and answered from the copy after', async () => {
  const cache = new RenderedPageCache(1 << 20, (path) => fetch(origin + path));
  const path = '/ok/a?size=300';
  assert.equal(cache.held(path), undefined);
  await Promise.all([cache.fill(path), cache.fill(path), cache.fill(path)]);
  await cache.fill(path);
  assert.equal(asked.get(path), 1, 'one fetch for four fills');
  assert.equal(cache.fillsStarted, 1);
  const page = cache.held(path);
  assert.equal(page?.body.byteLength, 300);
  assert.equal(page?.etag, `"${path}"`);
  assert.equal(cache.held('/ok/a-other-version?size=300'), undefined, 'another version is another page');
});

test('a render that is not a 200 page is not asked for again; one that failed to connect is', async () => {
  let failures = 1;
  const cache = new RenderedPageCache(1 << 20, (path) =>
    failures-- > 0 ? Promise.reject(new Error('ECONNREFUSED')) : fetch(origin + path),
  );
  await cache.fill('/missing/1');
  assert.equal(asked.get('/missing/1'), undefined, 'the refused connection never reached the server');
  await cache.fill('/missing/1');
  await cache.fill('/missing/1');
  assert.equal(asked.get('/missing/1'), 1, 'the 404 was asked for once');
  assert.equal(cache.held('/missing/1'), undefined);
});

test('held pages are bounded by bytes: the least recently used go first', async () => {
  // Each page costs its 400 bytes plus its headers and key (~200): three fit in 2,000 bytes, four do not.
  const cache = new RenderedPageCache(2000, (path) => fetch(origin + path));
  for (const v of ['v1', 'v2', 'v3']) await cache.fill(`/ok/b/${v}?size=400`);
  assert.ok(cache.held('/ok/b/v1?size=400'), 'v1 is now the most recently used');
  await cache.fill('/ok/b/v4?size=400');
  assert.equal(cache.held('/ok/b/v2?size=400'), undefined, 'v2 was the least recently used');
  assert.ok(cache.held('/ok/b/v1?size=400') && cache.held('/ok/b/v3?size=400') && cache.held('/ok/b/v4?size=400'));
  assert.ok(cache.bytes <= 2000, `${cache.bytes} bytes held`);
});

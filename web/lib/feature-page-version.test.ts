// The proxy's version check of a feature page: conditional GETs with the last ETag, and what each answer means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeaturePageVersions, type FetchLike } from './feature-page-version';

/** A stand-in api: answers from `answers` in turn and records what each request sent. */
function scriptedApi(answers: { status: number; etag?: string; body?: string }[]) {
  const sent: { url: URL; ifNoneMatch: string | undefined }[] = [];
  const fetch: FetchLike = async (url, init) => {
    sent.push({ url: new URL(url), ifNoneMatch: init.headers['if-none-match'] });
    const a = answers.shift()!;
    const headers = a.etag ? { etag: a.etag } : undefined;
    return new Response(a.status === 304 ? null : (a.body ?? '{"data":{}}'), { status: a.status, headers });
  };
  return { sent, fetch };
}

test('the first check asks plainly; later ones send the last ETag, and a 304 keeps the version', async () => {
  const api = scriptedApi([
    { status: 200, etag: '"v1abc"' },
    { status: 304, etag: '"v1abc"' },
  ]);
  const versions = new FeaturePageVersions(() => 'http://api.test/graphql', { fetch: api.fetch });
  assert.equal(await versions.versionOf('7', 3), 'v1abc');
  assert.equal(await versions.versionOf('7', 3), 'v1abc');
  assert.equal(api.sent[0].ifNoneMatch, undefined);
  assert.equal(api.sent[1].ifNoneMatch, '"v1abc"');
  // It asks for the feature page's own operation, with this page's variables.
  assert.equal(api.sent[0].url.origin + api.sent[0].url.pathname, 'http://api.test/graphql');
  assert.match(api.sent[0].url.searchParams.get('query')!, /^query FeaturePage\(/);
  assert.deepEqual(JSON.parse(api.sent[0].url.searchParams.get('variables')!), { d: '7', i: 3 });
});

test('a changed page (200 with a new ETag) gets the new version, and the next check sends that one', async () => {
  const api = scriptedApi([
    { status: 200, etag: '"old"' },
    { status: 200, etag: '"new-1_x"' },
    { status: 304, etag: '"new-1_x"' },
  ]);
  const versions = new FeaturePageVersions(() => 'http://api.test/graphql', { fetch: api.fetch });
  assert.equal(await versions.versionOf('1', 0), 'old');
  assert.equal(await versions.versionOf('1', 0), 'new-1_x');
  await versions.versionOf('1', 0);
  assert.equal(api.sent[2].ifNoneMatch, '"new-1_x"');
});

test('an answer without a usable ETag (an error such as NOT_FOUND, or a refused read) has no version and is forgotten', async () => {
  const api = scriptedApi([
    { status: 200, etag: '"v1"' },
    { status: 200, body: '{"errors":[{"message":"no dictionary 1","extensions":{"code":"NOT_FOUND"}}]}' },
    { status: 401, etag: '"v9"' },
    { status: 200, etag: 'W/"weak"' },
    { status: 200, etag: '"v2"' },
  ]);
  const versions = new FeaturePageVersions(() => 'http://api.test/graphql', { fetch: api.fetch });
  assert.equal(await versions.versionOf('1', 0), 'v1');
  assert.equal(await versions.versionOf('1', 0), undefined, 'an error answer has no version');
  assert.equal(api.sent[2] === undefined, true);
  assert.equal(await versions.versionOf('1', 0), undefined, 'only 200 and 304 carry a version');
  assert.equal(api.sent[2].ifNoneMatch, undefined, 'the ETag of a page that failed is not sent again');
  assert.equal(await versions.versionOf('1', 0), undefined, 'a weak ETag does not name exact bytes');
  assert.equal(await versions.versionOf('1', 0), 'v2');
});

test('pages are remembered apart, and only up to maxPages of them', async () => {
  const api = scriptedApi([
    { status: 200, etag: '"a"' },
    { status: 200, etag: '"b"' },
    { status: 200, etag: '"a2"' },
  ]);
  const versions = new FeaturePageVersions(() => 'http://api.test/graphql', { fetch: api.fetch, maxPages: 1 });
  await versions.versionOf('1', 0);
  await versions.versionOf('1', 1); // evicts page 1/0's ETag
  await versions.versionOf('1', 0);
  assert.deepEqual(
    api.sent.map((s) => s.ifNoneMatch),
    [undefined, undefined, undefined],
  );
  assert.equal(versions.checksStarted, 3);
});

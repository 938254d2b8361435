// The response cache through HTTP, on the fixture atlas: a cached answer is the uncached one byte for byte; a write
// by another process is seen by the very next request; a closed atlas never hands a keyed answer to a caller
// without a key; ETag/304, GET and persisted queries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../auth/apiKeys.js';
import { D_IN, loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { FEATURE_PAGE_QUERY } from '../testing/featurePageQuery.js';
import { recordStatements } from '../testing/sqlStatements.js';
import { startAtlasTestApi, startTestApi, type AtlasTestApi, type TestApi } from '../testing/testApi.js';
import { seededRandom } from '@atlas/worker/engine/rng';

let cached: AtlasTestApi<FixtureAtlas>;
let uncached: TestApi;
let writer: ChildProcessWithoutNullStreams;
let writerReplies: AsyncIterator<string>;

before(async () => {
  cached = await startAtlasTestApi(loadFixtureAtlas);
  uncached = await startTestApi(cached.db, { responseCacheBytes: 0, featurePartsBytes: 0 });
  writer = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../testing/otherProcessWriter.ts', import.meta.url))],
    { env: { ...process.env, DATABASE_URL: cached.db.url } },
  );
  writerReplies = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
});

after(async () => {
  writer.stdin.end();
  await uncached.stop();
  await cached.close();
});

/** Run a command in the other process; resolves once it committed. */
async function elsewhere(command: object): Promise<void> {
  writer.stdin.write(`${JSON.stringify(command)}\n`);
  const { value } = await writerReplies.next();
  assert.equal(value, 'ok', JSON.stringify(command));
}

interface Raw {
  status: number;
  body: string;
  cache: string | null;
  etag: string | null;
  cacheControl: string | null;
}

async function raw(url: string, init: RequestInit = {}): Promise<Raw> {
  const res = await fetch(url, init);
  return {
    status: res.status,
    body: await res.text(),
    cache: res.headers.get('x-atlas-cache'),
    etag: res.headers.get('etag'),
    cacheControl: res.headers.get('cache-control'),
  };
}

function post(server: TestApi, query: string, variables: object, headers: Record<string, string> = {}) {
  return raw(server.api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

test('a cached answer equals the uncached one byte for byte, over random queries', async () => {
  const rand = seededRandom(20); // the same random queries on every run
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const some = (xs: readonly string[]) => xs.filter(() => rand() < 0.5).join(' ') || xs[0];
  const featureFields = () =>
    some([
      'index',
      'label',
      'density',
      'maxActivation',
      `topActivations(first: ${1 + Math.floor(rand() * 6)}) { tokens activations maxPosition }`,
      `quantileExamples(perBin: ${1 + Math.floor(rand() * 3)}) { bin examples { tokens } }`,
      `neighbors(k: ${1 + Math.floor(rand() * 5)}) { cosine feature { index label } }`,
      'family { cosine feature { index label } }',
      'explanations { text source }',
      'histogram { edges counts }',
      'logits { positive { token value } negative { token value } }',
    ]);
  const { narrow, wide } = cached.atlas;
  const roots = [
    () => ({
      q: `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { ${featureFields()} } }`,
      v: { i: Math.floor(rand() * 10), d: String(pick([narrow, wide, 999])) },
    }),
    () => ({
      q: `query($d: ID!) { dictionary(id: $d) { ${some(['id', 'name', 'nLatents', 'status', 'analysis { tokens }'])} } }`,
      v: { d: String(pick([narrow, wide])) },
    }),
    () => ({
      q: `query($d: ID!, $n: Int!) { features(dictionaryId: $d, first: $n) { totalCount edges { node { ${featureFields()} } } } }`,
      v: { n: 1 + Math.floor(rand() * 5), d: String(pick([narrow, wide])) },
    }),
    () => ({ q: `{ dictionaries { ${some(['id', 'name', 'dIn', 'k'])} } }`, v: {} }),
    () => ({
      q: `query($t: String!) { searchFeatures(query: $t, first: 3) { feature { index label } } }`,
      v: { t: pick(['under', 'beneath', 'the']) },
    }),
    () => ({ q: FEATURE_PAGE_QUERY, v: { d: String(pick([narrow, wide])), i: Math.floor(rand() * 8) } }),
  ];
  let hits = 0;
  for (let n = 0; n < 24; n++) {
    const { q, v } = pick(roots)();
    const first = await post(cached, q, v);
    // The same operation with other whitespace and its variables in another order keys the same answer.
    const again = await post(
      cached,
      q.replace(/ \{/g, '{ ').replace(/\s+/g, '  '),
      Object.fromEntries(Object.entries(v).reverse()),
    );
    const truth = await post(uncached, q, v);
    assert.equal(truth.status, 200, `${q} ${truth.body}`);
    assert.equal(first.body, truth.body, q);
    assert.equal(again.body, truth.body, q);
    assert.equal(truth.cache, null, 'the uncached api never answers from a cache');
    if (!truth.body.includes('"errors"')) {
      assert.ok(again.cache === 'hit', `${q} ${JSON.stringify(v)}: ${again.cache}`);
      hits++;
    } else assert.equal(again.cache, null, 'an answer with errors is never stored');
  }
  assert.ok(hits >= 16, `${hits} of 24 answers came back from the cache`);
  // Volatile or computing operations are never cached.
  assert.equal((await post(cached, '{ health { status } }', {})).cache, null);
  assert.equal((await post(cached, '{ jobs { id } }', {})).cache, null);
});

test('a write by another process is seen by the next request: explanation, re-analysis, delete', async () => {
  const { narrow, wide } = cached.atlas;
  const page = { d: String(narrow), i: 2 };
  const other = { d: String(wide), i: 2 };
  await post(cached, FEATURE_PAGE_QUERY, page);
  await post(cached, FEATURE_PAGE_QUERY, other);
  const warm = await post(cached, FEATURE_PAGE_QUERY, page);
  assert.equal(warm.cache, 'hit');

  await elsewhere({
    sql: `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 2, 'written elsewhere', 'human')`,
    params: [narrow],
  });
  const explained = await post(cached, FEATURE_PAGE_QUERY, page);
  assert.equal(explained.cache, 'miss');
  assert.match(explained.body, /written elsewhere/);
  assert.equal(explained.body, (await post(uncached, FEATURE_PAGE_QUERY, page)).body);
  // Another dictionary's answers were not touched by it.
  assert.equal((await post(cached, FEATURE_PAGE_QUERY, other)).cache, 'hit');

  await elsewhere({ reanalyze: narrow, dIn: D_IN, suffix: ' (re-analysed)' });
  const reanalysed = await post(cached, FEATURE_PAGE_QUERY, page);
  assert.equal(reanalysed.cache, 'miss');
  assert.match(JSON.parse(reanalysed.body).data.feature.label, / \(re-analysed\)$/);
  assert.equal(reanalysed.body, (await post(uncached, FEATURE_PAGE_QUERY, page)).body);

  await elsewhere({ sql: `DELETE FROM dictionaries WHERE id = $1`, params: [narrow] });
  const deleted = JSON.parse((await post(cached, FEATURE_PAGE_QUERY, page)).body);
  assert.equal(deleted.data?.feature ?? null, null);
  // The list of dictionaries forgets it too.
  const names = JSON.parse((await post(cached, '{ dictionaries { id } }', {})).body).data.dictionaries;
  assert.deepEqual(
    names.map((d: { id: string }) => d.id),
    [String(wide)],
  );
});

test("a page whose explanation changed is rebuilt from the features' cached parts, not read again", async () => {
  const page = { d: String(cached.atlas.wide), i: 5 };
  await post(cached, FEATURE_PAGE_QUERY, page);
  await elsewhere({
    sql: `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 5, 'parts stay', 'human')`,
    params: [cached.atlas.wide],
  });
  const { result, statements } = await recordStatements(() => post(cached, FEATURE_PAGE_QUERY, page));
  assert.equal(result.cache, 'miss');
  assert.match(result.body, /parts stay/);
  assert.equal(result.body, (await post(uncached, FEATURE_PAGE_QUERY, page)).body);
  const reads = statements.filter((s) => !/read_versions/.test(s));
  assert.ok(
    reads.some((s) => /FROM explanations/.test(s)),
    reads.join('\n'),
  );
  assert.ok(
    !reads.some((s) => /FROM feature_examples|FROM features\b|FROM feature_links|FROM "dictionaries"/.test(s)),
    reads.join('\n'),
  );
});

test('ETag and 304; a query as a GET URL; a persisted query by its hash alone', async () => {
  const query = `query One($d: ID!) { dictionary(id: $d) { name nLatents } }`;
  const variables = { d: String(cached.atlas.wide) };
  const first = await post(cached, query, variables);
  assert.match(first.etag ?? '', /^"[\w-]{27}"$/);
  assert.equal(first.cacheControl, 'public, max-age=0, must-revalidate');
  // Another api process on the same database makes the same ETag (a CDN may ask either).
  assert.equal((await post(uncached, query, variables)).etag, first.etag);
  const notModified = await post(cached, query, variables, { 'if-none-match': first.etag! });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body, '');
  const url = `${cached.api.graphqlUrl}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
  const got = await raw(url);
  assert.equal(got.status, 200);
  assert.equal(got.body, first.body);
  assert.equal(got.etag, first.etag, 'GET and POST of one operation are one answer');
  assert.equal((await raw(url, { headers: { 'if-none-match': `W/${first.etag}, "other"` } })).status, 304);
  // A change to what it read changes the ETag.
  await elsewhere({ sql: `UPDATE dictionaries SET name = 'wide-16b' WHERE id = $1`, params: [cached.atlas.wide] });
  const changed = await raw(url, { headers: { 'if-none-match': first.etag! } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.etag, first.etag);
  assert.match(changed.body, /wide-16b/);

  // Automatic persisted queries: the hash alone is unknown at first; sent once with its text, it is then enough.
  const hash = createHash('sha256').update(query).digest('hex');
  const withHash = (h: string, text?: string) =>
    `${cached.api.graphqlUrl}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: h } }))}&variables=${encodeURIComponent(JSON.stringify(variables))}${text ? `&query=${encodeURIComponent(text)}` : ''}`;
  assert.match((await raw(withHash(hash))).body, /PERSISTED_QUERY_NOT_FOUND/);
  assert.equal((await raw(withHash(hash, query))).body, changed.body);
  const persisted = await raw(withHash(hash));
  assert.equal(persisted.status, 200);
  assert.equal(persisted.body, changed.body);
  assert.equal(persisted.cache, 'hit', 'the hash names the text the cache already answered');
  // A hash that is not the text's SHA-256 teaches nothing.
  const wrong = 'f'.repeat(64);
  await raw(withHash(wrong, query));
  assert.equal((await raw(withHash(wrong))).cache, null);
});

test('a closed atlas answers from the cache only to valid keys; keyed answers never reach a caller without one', async () => {
  const closed = await startTestApi(cached.db, { publicReads: false });
  try {
    const { key } = await createApiKey(cached.db.dataSource, 'reader');
    const variables = { d: String(cached.atlas.wide), i: 1 };
    const keyed = { authorization: `Bearer ${key}` };
    assert.equal((await post(closed, FEATURE_PAGE_QUERY, variables, keyed)).cache, 'miss');
    const hit = await post(closed, FEATURE_PAGE_QUERY, variables, keyed);
    assert.equal(hit.cache, 'hit');
    assert.equal(hit.cacheControl, 'private, no-cache');
    for (const headers of [{}, { authorization: 'Bearer atlas_wrong' }] as Record<string, string>[]) {
      const refused = await post(closed, FEATURE_PAGE_QUERY, variables, headers);
      assert.equal(refused.status, 401);
      assert.equal(refused.cache, null);
      assert.doesNotMatch(refused.body, /"data"/);
    }
    // On an open atlas a keyed caller's answers are kept apart from the public's.
    await post(cached, FEATURE_PAGE_QUERY, variables, keyed);
    const publicFirst = await post(cached, `${FEATURE_PAGE_QUERY} `, { ...variables, i: 3 });
    assert.equal(publicFirst.cache, 'miss');
    const keyedFirst = await post(cached, FEATURE_PAGE_QUERY, { ...variables, i: 3 }, keyed);
    assert.equal(keyedFirst.cache, 'miss', 'a public answer is not served as a keyed one either');
    assert.equal(keyedFirst.cacheControl, 'private, no-cache');
  } finally {
    await closed.stop();
  }
});

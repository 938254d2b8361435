// Stored answers (the read path cache's second level) on the fixture atlas: the prerender stores every feature
// page; a fresh api answers them from the database byte for byte as the operation would; a change made by another
// process makes exactly the changed page go back to the operation; a keyed caller never gets a public stored answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../auth/apiKeys.js';
import { D_IN, loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { FEATURE_PAGE_QUERY } from '../testing/featurePageQuery.js';
import { startAtlasTestApi, startTestApi, type AtlasTestApi, type TestApi } from '../testing/testApi.js';
import { prerender } from './prerender.js';

let atlas: AtlasTestApi<FixtureAtlas>;
let writer: ChildProcessWithoutNullStreams;
let writerReplies: AsyncIterator<string>;
/** Every page as the operation answers it (no caches, nothing stored yet). */
const reference = new Map<string, string>();
const pages: { d: string; i: number }[] = [];

before(async () => {
  atlas = await startAtlasTestApi(loadFixtureAtlas, { responseCacheBytes: 0, featurePartsBytes: 0 });
  for (const [id, n] of [
    [atlas.atlas.narrow, 8],
    [atlas.atlas.wide, 16],
  ])
    for (let i = 0; i < n; i++) pages.push({ d: String(id), i });
  for (const page of pages) {
    const r = await post(atlas, page);
    assert.equal(r.cache, null, 'the operation answered');
    reference.set(JSON.stringify(page), r.body);
  }
  writer = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../testing/otherProcessWriter.ts', import.meta.url))],
    { env: { ...process.env, DATABASE_URL: atlas.db.url } },
  );
  writerReplies = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
});

after(async () => {
  writer.stdin.end();
  await atlas.close();
});

async function elsewhere(command: object): Promise<void> {
  writer.stdin.write(`${JSON.stringify(command)}\n`);
  const { value } = await writerReplies.next();
  assert.equal(value, 'ok', JSON.stringify(command));
}

async function post(server: TestApi, variables: object, headers: Record<string, string> = {}) {
  const res = await fetch(server.api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: FEATURE_PAGE_QUERY, variables }),
  });
  return { status: res.status, body: await res.text(), cache: res.headers.get('x-atlas-cache') };
}

test('prerendered pages are answered from the database, byte for byte, and only while current', async () => {
  const storing = await startTestApi(atlas.db, { responseCacheBytes: 0, storedAnswers: 'store' });
  try {
    const progress: number[] = [];
    const first = await prerender({
      graphqlUrl: storing.api.graphqlUrl,
      query: FEATURE_PAGE_QUERY,
      variables: pages,
      total: pages.length,
      onProgress: (p) => progress.push(p.done),
    });
    await storing.api.cache.stored.flush();
    assert.deepEqual(first, { rendered: pages.length, current: 0, failed: 0 });
    assert.equal(progress.at(-1), pages.length);
    // A second run finds them all current and renders nothing.
    const again = await prerender({
      graphqlUrl: storing.api.graphqlUrl,
      query: FEATURE_PAGE_QUERY,
      variables: pages,
      total: pages.length,
    });
    assert.deepEqual(again, { rendered: 0, current: pages.length, failed: 0 });
  } finally {
    await storing.stop();
  }
  const [{ n }] = (await atlas.db.dataSource.query(`SELECT count(*)::int AS n FROM stored_answers`)) as { n: number }[];
  assert.equal(n, pages.length);

  // A fresh serving api (nothing in memory): every page from the database, as the operation answered it.
  const serving = await startTestApi(atlas.db);
  try {
    for (const page of pages) {
      const r = await post(serving, page, { accept: '*/*' }); // the web's fetch; the prerender sent none
      assert.equal(r.cache, 'stored', JSON.stringify(page));
      assert.equal(r.body, reference.get(JSON.stringify(page)));
    }
    assert.equal((await post(serving, pages[0])).cache, 'hit', 'held in memory once read');
    assert.equal((await post(serving, { d: pages[0].d, i: 99 })).cache, 'miss', 'never stored');

    // Another process explains one feature: that page is rendered anew, its neighbours' stored pages still serve.
    const [narrow] = [atlas.atlas.narrow];
    await elsewhere({
      sql: `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 3, 'stored no more', 'human')`,
      params: [narrow],
    });
    const fresh = await startTestApi(atlas.db);
    try {
      const changed = await post(fresh, { d: String(narrow), i: 3 });
      assert.equal(changed.cache, 'miss');
      assert.match(changed.body, /stored no more/);
      assert.equal((await post(fresh, { d: String(narrow), i: 4 })).cache, 'stored');
      // A re-analysis stales the dictionary's stored pages, and the other dictionary's too where they show its
      // features (the wide pages' family links name narrow features, so their stamps name that dictionary).
      await elsewhere({ reanalyze: narrow, dIn: D_IN, suffix: ' (again)' });
      const reanalysed = await post(fresh, { d: String(narrow), i: 4 });
      assert.equal(reanalysed.cache, 'miss');
      assert.match(reanalysed.body, /\(again\)/);
      const linked = await post(fresh, { d: String(atlas.atlas.wide), i: 4 });
      assert.equal(linked.cache, 'miss');
      assert.match(linked.body, /\(again\)/);
    } finally {
      await fresh.stop();
    }
  } finally {
    await serving.stop();
  }
});

test('a caller with a key, or a closed atlas, never gets a public stored answer', async () => {
  const { key } = await createApiKey(atlas.db.dataSource, 'stored-answers-test');
  const page = { d: String(atlas.atlas.wide), i: 7 };
  const storing = await startTestApi(atlas.db, { responseCacheBytes: 0, storedAnswers: 'store' });
  try {
    await prerender({ graphqlUrl: storing.api.graphqlUrl, query: FEATURE_PAGE_QUERY, variables: [page], total: 1 });
    await storing.api.cache.stored.flush();
  } finally {
    await storing.stop();
  }
  const open = await startTestApi(atlas.db);
  const closed = await startTestApi(atlas.db, { publicReads: false });
  try {
    assert.equal((await post(open, page)).cache, 'stored');
    assert.equal((await post(open, page, { authorization: `Bearer ${key}` })).cache, 'miss');
    assert.equal((await post(closed, page)).status, 401);
    assert.equal((await post(closed, page, { authorization: `Bearer ${key}` })).cache, 'miss', 'no keyed one stored');
  } finally {
    await open.stop();
    await closed.stop();
  }
});

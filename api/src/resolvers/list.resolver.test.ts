// Feature lists through HTTP on the fixture atlas: keys gate writes and key-only lists, reorder and remove keep
// the order asked, a deleted dictionary leaves its lists, the export names every feature, and a list changed by
// another process is seen by the next (cached) request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../auth/apiKeys.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { startAtlasTestApi, type AtlasTestApi } from '../testing/testApi.js';

let t: AtlasTestApi<FixtureAtlas>;
let auth: string;

before(async () => {
  t = await startAtlasTestApi(loadFixtureAtlas);
  auth = `Bearer ${(await createApiKey(t.db.dataSource, 'curator')).key}`;
});

after(() => t.close());

/** POST with the key; fails the test on any error. */
async function keyed(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  // any: shapes vary per query
  const body = await t.post(query, variables, auth);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const CREATE = `mutation($n: String!, $v: ListVisibility) { createList(name: $n, description: " why ", visibility: $v) { id name description visibility itemCount } }`;
const ADD = `mutation($l: ID!, $d: ID!, $i: Int!, $note: String) { addToList(listId: $l, dictionaryId: $d, index: $i, note: $note) { items { id featureIndex note position } } }`;
const READ = `query($id: ID!) { list(id: $id) { name items { id featureIndex note position feature { index label } dictionary { id name } } } }`;

test('writes need a key; key-only lists are invisible without one; bad input is named', async () => {
  const none = await t.post(CREATE, { n: 'x' });
  assert.equal(none.errors?.[0].extensions.code, 'UNAUTHENTICATED');
  const pub = (await keyed(CREATE, { n: '  plurals  ' })).createList;
  assert.deepEqual(
    { ...pub, id: undefined },
    {
      id: undefined,
      name: 'plurals',
      description: 'why',
      visibility: 'PUBLIC',
      itemCount: 0,
    },
  );
  const hidden = (await keyed(CREATE, { n: 'drafts', v: 'KEY' })).createList;
  const anonymous = await t.data(`{ lists { name } }`);
  assert.ok(anonymous.lists.some((l: { name: string }) => l.name === 'plurals'));
  assert.ok(!anonymous.lists.some((l: { name: string }) => l.name === 'drafts'));
  assert.equal((await t.data(`query($id: ID!) { list(id: $id) { name } }`, { id: hidden.id })).list, null);
  assert.equal((await keyed(`query($id: ID!) { list(id: $id) { name } }`, { id: hidden.id })).list.name, 'drafts');
  assert.ok((await keyed(`{ lists { name } }`)).lists.some((l: { name: string }) => l.name === 'drafts'));

  const outOfRange = await t.post(ADD, { l: pub.id, d: String(t.atlas.narrow), i: 8 }, auth);
  assert.equal(outOfRange.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(outOfRange.errors?.[0].message, /index must be an integer from 0 to 7 \(got 8\)/);
  const noList = await t.post(ADD, { l: '999999', d: String(t.atlas.narrow), i: 1 }, auth);
  assert.equal(noList.errors?.[0].extensions.code, 'NOT_FOUND');
  const badId = await t.post(ADD, { l: 'abc', d: String(t.atlas.narrow), i: 1 }, auth);
  assert.match(badId.errors?.[0].message, /listId "abc" is not a list id; list them with/);
  // A public list made key-only disappears for callers without a key.
  await keyed(`mutation($id: ID!) { updateList(id: $id, visibility: KEY, name: "plurals 2") { name } }`, {
    id: pub.id,
  });
  assert.equal((await t.data(`query($id: ID!) { list(id: $id) { name } }`, { id: pub.id })).list, null);
});

test('add with notes, re-add sets the note, reorder, remove, export; a dictionary delete takes its items out', async () => {
  const { narrow, wide } = t.atlas;
  const list = (await keyed(CREATE, { n: 'places' })).createList.id;
  await keyed(ADD, { l: list, d: String(narrow), i: 3, note: 'prepositions' });
  await keyed(ADD, { l: list, d: String(wide), i: 6, note: 'split of 3' });
  const added = (await keyed(ADD, { l: list, d: String(narrow), i: 2, note: 'plurals' })).addToList.items;
  assert.deepEqual(
    added.map((i: { featureIndex: number; note: string; position: number }) => [i.featureIndex, i.note, i.position]),
    [
      [3, 'prepositions', 0],
      [6, 'split of 3', 1],
      [2, 'plurals', 2],
    ],
  );
  // The same feature again keeps its place and takes the new note.
  const again = (await keyed(ADD, { l: list, d: String(narrow), i: 3, note: 'under, beneath' })).addToList.items;
  assert.equal(again.length, 3);
  assert.equal(again[0].note, 'under, beneath');

  const [a, b, c] = added.map((i: { id: string }) => i.id);
  const wrong = await t.post(
    `mutation($l: ID!, $o: [ID!]!) { reorderList(listId: $l, itemIds: $o) { id } }`,
    { l: list, o: [c, a] },
    auth,
  );
  assert.equal(wrong.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(wrong.errors?.[0].message, new RegExp(`its items: ${a}, ${b}, ${c}; got ${c}, ${a}`));
  await keyed(`mutation($l: ID!, $o: [ID!]!) { reorderList(listId: $l, itemIds: $o) { id } }`, {
    l: list,
    o: [c, a, b],
  });
  const read = (await t.data(READ, { id: list })).list;
  assert.deepEqual(
    read.items.map((i: any) => [i.featureIndex, i.position, i.feature.label, i.dictionary.name]), // any: row shape
    [
      [2, 0, 'plural noun', 'narrow-8'],
      [3, 1, 'preposition of place', 'narrow-8'],
      [6, 2, 'number', 'wide-16'],
    ],
  );

  const exported = JSON.parse(
    (await t.data(`query($id: ID!) { list(id: $id) { exportJson } }`, { id: list })).list.exportJson,
  );
  assert.deepEqual(exported, {
    name: 'places',
    description: 'why',
    visibility: 'public',
    items: [
      { model: null, dictionary: 'narrow-8', dictionaryId: narrow, index: 2, label: 'plural noun', note: 'plurals' },
      {
        model: null,
        dictionary: 'narrow-8',
        dictionaryId: narrow,
        index: 3,
        label: 'preposition of place',
        note: 'under, beneath',
      },
      {
        model: null,
        dictionary: 'wide-16',
        dictionaryId: wide,
        index: 6,
        label: 'number',
        note: 'split of 3',
      },
    ],
  });

  const removed = (
    await keyed(`mutation($l: ID!, $i: ID!) { removeFromList(listId: $l, itemId: $i) { items { id } } }`, {
      l: list,
      i: a,
    })
  ).removeFromList.items;
  assert.deepEqual(
    removed.map((i: { id: string }) => i.id),
    [c, b],
  );
  const twice = await t.post(
    `mutation($l: ID!, $i: ID!) { removeFromList(listId: $l, itemId: $i) { id } }`,
    { l: list, i: a },
    auth,
  );
  assert.equal(twice.errors?.[0].extensions.code, 'NOT_FOUND');

  // The cascade: the wide dictionary's item leaves the list; the list stays.
  await t.db.dataSource.query(`DELETE FROM dictionaries WHERE id = $1`, [wide]);
  const after = (await t.data(READ, { id: list })).list;
  assert.deepEqual(
    after.items.map((i: { featureIndex: number }) => i.featureIndex),
    [2],
  );

  assert.equal((await keyed(`mutation($id: ID!) { deleteList(id: $id) }`, { id: list })).deleteList, true);
  assert.equal((await t.data(READ, { id: list })).list, null);
  const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM feature_list_items WHERE list_id = $1`, [
    Number(list),
  ]);
  assert.equal(n, 0);
});

test('a list changed by another process is seen by the next request, from a warm cache', async () => {
  const list = (await keyed(CREATE, { n: 'watched' })).createList.id;
  await keyed(ADD, { l: list, d: String(t.atlas.narrow), i: 1, note: 'first' });
  const query = `query($id: ID!) { list(id: $id) { name items { note } } }`;
  const ask = async () => {
    const res = await fetch(t.api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { id: list } }),
    });
    return { cache: res.headers.get('x-atlas-cache'), body: (await res.json()) as any }; // any: shape of `query`
  };
  await ask();
  const warm = await ask();
  assert.equal(warm.cache, 'hit');
  assert.deepEqual(warm.body.data.list.items, [{ note: 'first' }]);

  const writer: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../testing/otherProcessWriter.ts', import.meta.url))],
    { env: { ...process.env, DATABASE_URL: t.db.url } },
  );
  const replies = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
  const elsewhere = async (sql: string, params: unknown[]) => {
    writer.stdin.write(`${JSON.stringify({ sql, params })}\n`);
    assert.equal((await replies.next()).value, 'ok', sql);
  };
  try {
    await elsewhere(`UPDATE feature_list_items SET note = 'edited elsewhere' WHERE list_id = $1`, [Number(list)]);
    const edited = await ask();
    assert.equal(edited.cache, 'miss');
    assert.deepEqual(edited.body.data.list.items, [{ note: 'edited elsewhere' }]);
    await elsewhere(`UPDATE feature_lists SET name = 'renamed elsewhere' WHERE id = $1`, [Number(list)]);
    assert.equal((await ask()).body.data.list.name, 'renamed elsewhere');
  } finally {
    writer.stdin.end();
  }
});

test('only the key that made a list changes it; another key reads a public one but cannot write it', async () => {
  const other = `Bearer ${(await createApiKey(t.db.dataSource, 'someone else')).key}`;
  const list = (await keyed(CREATE, { n: 'mine' })).createList.id;
  const { narrow } = t.atlas;
  await keyed(ADD, { l: list, d: String(narrow), i: 1, note: 'first' });
  const item = (await keyed(READ, { id: list })).list.items[0].id;
  const writes: [string, Record<string, unknown>][] = [
    [ADD, { l: list, d: String(narrow), i: 2 }],
    [`mutation($l: ID!, $i: ID!) { removeFromList(listId: $l, itemId: $i) { itemCount } }`, { l: list, i: item }],
    [`mutation($l: ID!, $o: [ID!]!) { reorderList(listId: $l, itemIds: $o) { itemCount } }`, { l: list, o: [item] }],
    [`mutation($l: ID!) { updateList(id: $l, name: "theirs") { name } }`, { l: list }],
    [`mutation($l: ID!) { deleteList(id: $l) }`, { l: list }],
  ];
  for (const [query, variables] of writes) {
    const refused = await t.post(query, variables, other);
    assert.equal(refused.errors?.[0].extensions.code, 'FORBIDDEN', query);
    assert.match(refused.errors?.[0].message, /belongs to another API key: only the key that made it may change it/);
  }
  // Nothing changed, and the other key still reads it.
  const seen = await t.post(READ, { id: list }, other);
  assert.deepEqual(
    [seen.data.list.name, seen.data.list.items.map((i: { note: string }) => i.note)],
    ['mine', ['first']],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '../testing/testDatabase.js';
import { toArrayLiteral } from './bulkLoader.js';
import { CopyLoader } from './copyLoader.js';
import { UnnestLoader } from './unnestLoader.js';
import { createStaging, stagingName, swapIn } from '../dictionaryPartitions.js';

test('array literals quote every element so commas, quotes, backslashes and braces survive', () => {
  assert.equal(toArrayLiteral(['a,b', 'say "hi"', 'back\\slash', null]), '{"a,b","say \\"hi\\"","back\\\\slash",NULL}');
});

test('unnest loader writes features and examples with vectors, arrays and JSON exactly', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(2);
  try {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'relu', 3, 2) RETURNING id`,
    );
    const id = rows[0].id;
    const client = await pool.connect();
    await createStaging(client, id);
    const loader = new UnnestLoader(1); // batch of one row: exercises the batching loop
    await loader.load(
      client,
      stagingName('features', id),
      [
        { name: 'dictionary_id', type: 'int' },
        { name: 'index', type: 'int' },
        { name: 'decoder', type: 'vector' },
        { name: 'label', type: 'text' },
        { name: 'histogram', type: 'jsonb' },
      ],
      [
        [id, 0, [1, 0, 0], 'past-tense verb', { edges: [0, 1], counts: [5] }],
        [id, 1, [0, 0.5, -0.25], null, null],
      ],
    );
    const tokens = [' the', '"quoted"', 'a,b', '{brace}', 'back\\slash', '\ttab'];
    await loader.load(
      client,
      stagingName('feature_examples', id),
      [
        { name: 'dictionary_id', type: 'int' },
        { name: 'feature_index', type: 'int' },
        { name: 'kind', type: 'text' },
        { name: 'bin', type: 'int' },
        { name: 'rank', type: 'int' },
        { name: 'max_activation', type: 'real' },
        { name: 'doc_index', type: 'int' },
        { name: 'token_start', type: 'int' },
        { name: 'max_position', type: 'int' },
        { name: 'tokens', type: 'text[]' },
        { name: 'activations', type: 'real[]' },
      ],
      [[id, 1, 'top', 0, 0, 2.5, 7, 10, 3, tokens, [0, 0.5, 1, 2.5, 0, 0]]],
    );
    await swapIn(client, id, 3);
    client.release();
    const f = await pool.query('SELECT index, decoder::text, label, histogram FROM features ORDER BY index');
    assert.equal(f.rows[0].decoder, '[1,0,0]');
    assert.equal(f.rows[1].decoder, '[0,0.5,-0.25]');
    assert.equal(f.rows[0].label, 'past-tense verb');
    assert.deepEqual(f.rows[0].histogram, { edges: [0, 1], counts: [5] });
    assert.equal(f.rows[1].label, null);
    const e = await pool.query('SELECT tokens, activations FROM feature_examples');
    assert.deepEqual(e.rows[0].tokens, tokens);
    assert.deepEqual(e.rows[0].activations, [0, 0.5, 1, 2.5, 0, 0]);
  } finally {
    await db.close();
  }
});

test('unnest loader round-trips the edge cases of its binary encodings', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(1);
  try {
    await pool.query(
      `CREATE TABLE edge (n int, big bigint, flag boolean, x double precision, s text, words text[], acts real[], v vector(2), h halfvec(2), j jsonb)`,
    );
    const columns = [
      { name: 'n', type: 'int' },
      { name: 'big', type: 'bigint' },
      { name: 'flag', type: 'boolean' },
      { name: 'x', type: 'double precision' },
      { name: 's', type: 'text' },
      { name: 'words', type: 'text[]' },
      { name: 'acts', type: 'real[]' },
      { name: 'v', type: 'vector' },
      { name: 'h', type: 'halfvec' },
      { name: 'j', type: 'jsonb' },
    ];
    // Zero and one element (an empty string is both {} and {""} once joined), separators inside tokens, NULL rows.
    const words = [[], [''], ['', ''], ['a\x1fb', 'c'], ['é', '"q"', 'x\\y'], null];
    const rows = words.map((w, i) => [
      i,
      i === 5 ? null : 2 ** 40 + i,
      i % 2 === 0,
      i / 3,
      i === 5 ? null : `row ${i}`,
      w,
      i === 5 ? null : i === 0 ? [] : Float32Array.from({ length: i }, (_, k) => k - 0.5),
      i === 5 ? null : [i, -i],
      i === 5 ? null : Float32Array.of(0.5, i),
      i === 5 ? null : { i },
    ]);
    const client = await pool.connect();
    await new UnnestLoader(4).load(client, 'edge', columns, rows);
    // NULL elements inside a text array take the literal path.
    await new UnnestLoader().load(client, 'edge', columns, [[6, 1, true, 0, 's', ['a', null], [], [0, 0], null, null]]);
    client.release();
    const { rows: got } = await pool.query(
      `SELECT n, big::text, flag, x, s, words, acts, v::text, h::text, j FROM edge ORDER BY n`,
    );
    assert.deepEqual(
      got.map((r) => r.words),
      [...words, ['a', null]],
    );
    assert.deepEqual(got[3].acts, [-0.5, 0.5, 1.5]);
    assert.deepEqual(got[0].acts, []);
    assert.equal(got[5].acts, null);
    assert.equal(got[4].big, String(2 ** 40 + 4));
    assert.equal(got[5].big, null);
    assert.deepEqual(
      got.map((r) => r.flag),
      [true, false, true, false, true, false, true],
    );
    assert.equal(got[1].x, 1 / 3);
    assert.equal(got[4].s, 'row 4');
    assert.equal(got[2].v, '[2,-2]');
    assert.equal(got[5].v, null);
    assert.equal(got[3].h, '[0.5,3]');
    assert.deepEqual(got[3].j, { i: 3 });
  } finally {
    await db.close();
  }
});

// COPY FROM STDIN hangs on the embedded engine; on a native server (TEST_DATABASE_URL) both loaders must agree.
test(
  'copy loader writes what the unnest loader writes, across chunks, with tabs, newlines and backslashes in text',
  { skip: process.env.TEST_DATABASE_URL ? false : 'COPY needs a native PostgreSQL (TEST_DATABASE_URL)' },
  async () => {
    const db = await openTestDatabase();
    const pool = db.pool(1);
    try {
      const columns = [
        { name: 'n', type: 'int' },
        { name: 's', type: 'text' },
        { name: 'words', type: 'text[]' },
        { name: 'acts', type: 'real[]' },
        { name: 'v', type: 'vector' },
        { name: 'j', type: 'jsonb' },
      ];
      for (const t of ['by_copy', 'by_unnest'])
        await pool.query(`CREATE TABLE ${t} (n int, s text, words text[], acts real[], v vector(3), j jsonb)`);
      const odd = ['tab\there', 'new\nline', 'cr\r', 'back\\slash', '"q"', 'a,b', '{x}', 'é', '', '\\N'];
      // ~20,000 rows of ~60 bytes and more: several 256 KiB chunks.
      const rows = Array.from({ length: 20000 }, (_, i) => [
        i,
        i % 97 === 0 ? null : odd[i % odd.length] + i,
        [odd[i % odd.length], odd[(i + 3) % odd.length]],
        [i / 7, -0.5, 1e-8],
        [i, -i - 1, 0.25], // not -0: its text form is 0 (a harmless difference of the two paths)
        i % 5 === 0 ? null : { i, s: odd[i % odd.length] },
      ]);
      const client = await pool.connect();
      await new CopyLoader().load(client, 'by_copy', columns, rows);
      await new UnnestLoader().load(client, 'by_unnest', columns, rows);
      client.release();
      const read = (t: string) =>
        pool.query(`SELECT n, s, words, acts, v::text, j FROM ${t} ORDER BY n`).then((r) => r.rows);
      const [copied, unnested] = [await read('by_copy'), await read('by_unnest')];
      assert.equal(copied.length, 20000);
      assert.deepEqual(copied, unnested);
      assert.deepEqual(copied[1].words, ['new\nline', '"q"']);
      assert.equal(copied[9].s, '\\N9');
      assert.equal(copied[97].s, null);
    } finally {
      await db.close();
    }
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '../testing/testDatabase.js';
import { toArrayLiteral } from './bulkLoader.js';
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

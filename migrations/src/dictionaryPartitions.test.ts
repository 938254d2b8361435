import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStaging, dropPartitions, stagingName, swapIn } from './dictionaryPartitions.js';
import { openTestDatabase } from './testing/testDatabase.js';

test('staged rows appear all at once, a re-run replaces them, and explanations survive', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(3);
  try {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'topk', 2, 3) RETURNING id`,
    );
    const id = rows[0].id;
    const count = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM features WHERE dictionary_id = $1`, [id])).rows[0].n;
    const load = async (labels: string[]) => {
      const client = await pool.connect();
      try {
        await createStaging(client, id);
        await db.bulkLoader.load(
          client,
          stagingName('features', id),
          [
            { name: 'dictionary_id', type: 'int' },
            { name: 'index', type: 'int' },
            { name: 'decoder', type: 'vector' },
            { name: 'label', type: 'text' },
          ],
          labels.map((label, i) => [id, i, [1, i], label]),
        );
        await swapIn(client, id, 2);
      } finally {
        client.release();
      }
    };
    assert.equal(await count(), 0);
    await load(['a', 'b', 'c']);
    assert.equal(await count(), 3);
    await pool.query(
      `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 1, 'written by a person', 'human')`,
      [id],
    );

    // A second load is invisible until its swap, then replaces the first entirely.
    const client = await pool.connect();
    await createStaging(client, id);
    await db.bulkLoader.load(
      client,
      stagingName('features', id),
      [
        { name: 'dictionary_id', type: 'int' },
        { name: 'index', type: 'int' },
        { name: 'label', type: 'text' },
      ],
      [
        [id, 0, 'x'],
        [id, 1, 'y'],
      ],
    );
    const mid = await pool.query(`SELECT label FROM features WHERE dictionary_id = $1 ORDER BY index`, [id]);
    assert.deepEqual(
      mid.rows.map((r) => r.label),
      ['a', 'b', 'c'],
    );
    await swapIn(client, id, 2);
    const after = await pool.query(`SELECT label FROM features WHERE dictionary_id = $1 ORDER BY index`, [id]);
    assert.deepEqual(
      after.rows.map((r) => r.label),
      ['x', 'y'],
    );
    const kept = await pool.query(`SELECT text FROM explanations WHERE dictionary_id = $1`, [id]);
    assert.deepEqual(kept.rows, [{ text: 'written by a person' }]);

    // An interrupted load leaves a staging table; the next createStaging starts clean.
    await createStaging(client, id);
    await db.bulkLoader.load(
      client,
      stagingName('features', id),
      [
        { name: 'dictionary_id', type: 'int' },
        { name: 'index', type: 'int' },
      ],
      [[id, 9]],
    );
    await createStaging(client, id);
    const { rows: staged } = await client.query(`SELECT count(*)::int AS n FROM ${stagingName('features', id)}`);
    assert.equal(staged[0].n, 0);
    await dropPartitions(client, id);
    client.release();
    assert.equal(await count(), 0);
  } finally {
    await db.close();
  }
});

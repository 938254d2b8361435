import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createStaging,
  dropPartitions,
  indexStaging,
  partitionName,
  PARTITIONED_TABLES,
  stagingName,
  swapIn,
} from './dictionaryPartitions.js';
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

test("the indexes built after the load are the ones ATTACH adopts: each partition has exactly its parent's", async () => {
  const db = await openTestDatabase();
  const pool = db.pool(1);
  try {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'topk', 2, 3) RETURNING id`,
    );
    const id = rows[0].id;
    const client = await pool.connect();
    for (let run = 0; run < 2; run++) {
      await createStaging(client, id);
      const { rows: none } = await client.query(
        `SELECT count(*)::int AS n FROM pg_index WHERE indrelid = $1::regclass`,
        [stagingName('feature_examples', id)],
      );
      assert.equal(none[0].n, 0, 'staging tables load without indexes');
      await indexStaging(client, 'features', id); // a swap interrupted after its first builds
      await swapIn(client, id, 2);
    }
    client.release();
    for (const table of PARTITIONED_TABLES) {
      const { rows: indexes } = await pool.query<{ name: string; parent: string | null }>(
        `SELECT i.relname AS name, p.relname AS parent
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           LEFT JOIN pg_inherits h ON h.inhrelid = x.indexrelid LEFT JOIN pg_class p ON p.oid = h.inhparent
          WHERE x.indrelid = $1::regclass ORDER BY p.relname`,
        [partitionName(table, id)],
      );
      const { rows: parents } = await pool.query<{ name: string }>(
        `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass ORDER BY i.relname`,
        [table],
      );
      const adopted = indexes.filter((i) => i.parent !== null).map((i) => i.parent);
      assert.deepEqual(
        adopted,
        parents.map((p) => p.name),
        `${table}: every parent index adopted once`,
      );
      const own = indexes.filter((i) => i.parent === null).map((i) => i.name);
      assert.deepEqual(
        own,
        table === 'features' ? [`${partitionName(table, id)}_hnsw`] : [],
        `${table}: no stray index`,
      );
    }
  } finally {
    await db.close();
  }
});

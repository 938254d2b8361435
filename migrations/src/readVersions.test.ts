import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStaging, dropPartitions, swapIn } from './dictionaryPartitions.js';
import { readAllVersions } from './readVersions.js';
import { openTestDatabase } from './testing/testDatabase.js';

test('every kind of write raises exactly the read versions of what it changed, and the generation', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(2);
  try {
    const insert = `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ($1, 'h', 'topk', 2, 3) RETURNING id`;
    const a = (await pool.query<{ id: number }>(insert, ['a'])).rows[0].id;
    const b = (await pool.query<{ id: number }>(insert, ['b'])).rows[0].id;
    /** The scopes whose version moved while `write` ran; asserts the generation moved iff any did. */
    const moved = async (write: () => Promise<unknown>): Promise<string[]> => {
      const before = await readAllVersions(pool);
      await write();
      const after = await readAllVersions(pool);
      const changed = [...after].filter(([s, v]) => s !== 'generation' && before.get(s) !== v).map(([s]) => s);
      assert.equal(after.get('generation') !== before.get('generation'), changed.length > 0, 'generation');
      return changed.sort();
    };
    assert.deepEqual(await moved(() => pool.query(insert, ['c'])), [
      'atlas',
      `dictionary:${b + 1}`,
      `explanations:${b + 1}`,
    ]);
    assert.deepEqual(await moved(() => pool.query(`UPDATE dictionaries SET status = 'ready' WHERE id = $1`, [a])), [
      `dictionary:${a}`,
    ]);
    // An UPDATE that changes nothing is not a change.
    assert.deepEqual(await moved(() => pool.query(`UPDATE dictionaries SET status = 'ready' WHERE id = $1`, [a])), []);
    assert.deepEqual(
      await moved(() =>
        pool.query(
          `INSERT INTO explanations (dictionary_id, feature_index, text, source) VALUES ($1, 0, 'x', 'human'), ($1, 1, 'y', 'human')`,
          [b],
        ),
      ),
      [`explanations:${b}`, `explanations:${b}:0`, `explanations:${b}:1`],
    );
    assert.deepEqual(await moved(() => pool.query(`UPDATE explanations SET text = 'z' WHERE feature_index = 1`)), [
      `explanations:${b}`,
      `explanations:${b}:1`,
    ]);
    // Only what moved since a generation is read again.
    const g = (await readAllVersions(pool)).get('generation');
    await pool.query(`UPDATE dictionaries SET status = 'failed' WHERE id = $1`, [a]);
    assert.deepEqual([...(await readAllVersions(pool, g)).keys()].sort(), [`dictionary:${a}`, 'generation']);
    assert.deepEqual(
      await moved(() =>
        pool.query(
          `INSERT INTO feature_links (dictionary_id, feature_index, other_dictionary_id, rank, other_index, cosine) VALUES ($1, 0, $2, 0, 1, 0.5)`,
          [a, b],
        ),
      ),
      [`dictionary:${a}`],
    );
    assert.deepEqual(
      await moved(() =>
        pool.query(
          `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size) VALUES ('m', 'gpt2', 4, 1, 10)`,
        ),
      ),
      ['atlas'],
    );
    // A statement that touches no row of a dictionary table moves nothing.
    assert.deepEqual(await moved(() => pool.query(`DELETE FROM explanations WHERE dictionary_id = -1`)), []);
    // The swap (DDL, no trigger) bumps its dictionary; so does dropping its partitions.
    const client = await pool.connect();
    try {
      await createStaging(client, a);
      assert.deepEqual(await moved(() => swapIn(client, a, 2)), [`dictionary:${a}`]);
      assert.deepEqual(await moved(() => dropPartitions(client, a)), [`dictionary:${a}`]);
    } finally {
      client.release();
    }
    // A delete cascades: the dictionary, its explanations, the list, and a's links into it.
    assert.deepEqual(await moved(() => pool.query(`DELETE FROM dictionaries WHERE id = $1`, [b])), [
      'atlas',
      `dictionary:${a}`,
      `dictionary:${b}`,
      `explanations:${b}`,
      `explanations:${b}:0`,
      `explanations:${b}:1`,
    ]);
    assert.match((await readAllVersions(pool)).get('generation') ?? '', /^\d+$/);
  } finally {
    await db.close();
  }
});

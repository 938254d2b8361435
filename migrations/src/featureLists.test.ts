import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureLists1734100000000 } from './migrations/1734100000000-FeatureLists.js';
import { readAllVersions } from './readVersions.js';
import { openTestDatabase } from './testing/testDatabase.js';

test("feature lists: each write raises its list's read version and the index's; items go with list and dictionary", async () => {
  const db = await openTestDatabase();
  const pool = db.pool(1);
  try {
    const dict = `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ($1, 'h', 'topk', 2, 3) RETURNING id`;
    const d1 = (await pool.query<{ id: number }>(dict, ['a'])).rows[0].id;
    const d2 = (await pool.query<{ id: number }>(dict, ['b'])).rows[0].id;
    const moved = async (write: () => Promise<unknown>): Promise<string[]> => {
      const before = await readAllVersions(pool);
      await write();
      const after = await readAllVersions(pool);
      return [...after]
        .filter(([s, v]) => s !== 'generation' && before.get(s) !== v)
        .map(([s]) => s)
        .sort();
    };
    let list = 0;
    assert.deepEqual(
      await moved(async () => {
        list = (await pool.query<{ id: number }>(`INSERT INTO feature_lists (name) VALUES ('l') RETURNING id`)).rows[0]
          .id;
      }),
      [`list:${list}`, 'lists'],
    );
    const other = (await pool.query<{ id: number }>(`INSERT INTO feature_lists (name) VALUES ('m') RETURNING id`))
      .rows[0].id;
    assert.deepEqual(
      await moved(() =>
        pool.query(
          `INSERT INTO feature_list_items (list_id, dictionary_id, feature_index, position) VALUES ($1, $2, 0, 0), ($1, $3, 1, 1), ($4, $3, 2, 0)`,
          [list, d1, d2, other],
        ),
      ),
      [`list:${list}`, `list:${other}`, 'lists'],
    );
    assert.deepEqual(
      await moved(() => pool.query(`UPDATE feature_list_items SET position = 1 - position WHERE list_id = $1`, [list])),
      [`list:${list}`, 'lists'],
    );
    // Deleting a dictionary takes its items out of every list, and those lists' answers are stale.
    assert.deepEqual(
      (await moved(() => pool.query(`DELETE FROM dictionaries WHERE id = $1`, [d2]))).filter((s) =>
        s.startsWith('list'),
      ),
      [`list:${list}`, `list:${other}`, 'lists'],
    );
    const left = await pool.query(`SELECT list_id, dictionary_id FROM feature_list_items ORDER BY id`);
    assert.deepEqual(left.rows, [{ list_id: list, dictionary_id: d1 }]);
    await pool.query(`DELETE FROM feature_lists WHERE id = $1`, [list]);
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM feature_list_items`)).rows[0].n, 0);
    await assert.rejects(
      pool.query(`INSERT INTO feature_lists (name, visibility) VALUES ('x', 'secret')`),
      /feature_lists_visibility_check/,
    );

    // The migration runs again without harm; down then up gives working, versioned tables back.
    const runner = db.dataSource.createQueryRunner();
    try {
      await new FeatureLists1734100000000().up(runner);
      await new FeatureLists1734100000000().down(runner);
      const gone = await pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'feature_list%'`);
      assert.equal(gone.rows[0].n, 0);
      await new FeatureLists1734100000000().up(runner);
    } finally {
      await runner.release();
    }
    assert.equal(
      (
        await moved(async () => {
          list = (await pool.query<{ id: number }>(`INSERT INTO feature_lists (name) VALUES ('again') RETURNING id`))
            .rows[0].id;
        })
      ).includes(`list:${list}`),
      true,
    );
  } finally {
    await db.close(); // ends the pool too
  }
});

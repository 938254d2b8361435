import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '@atlas/migrations/testing';
import { topCosineNeighbours } from '../analysis/similarity.js';
import { storeFeatureLinks } from './featureLinks.js';

test('family links go both ways and a second run replaces the first', async () => {
  const db = await openTestDatabase();
  try {
    const make = async (n: number) =>
      (
        await db.dataSource.query(
          `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'topk', 2, $1) RETURNING id`,
          [n],
        )
      )[0].id as number;
    const [narrow, wide] = [await make(2), await make(4)];
    // Wide features split the narrow ones: two near each of the x and y axes.
    const a = Float32Array.from([1, 0, 0, 1]);
    const b = Float32Array.from([1, 0.1, 1, -0.1, 0.1, 1, -0.1, 1]);
    const aToB = topCosineNeighbours(a, 2, b, 4, 2, 2);
    const bToA = topCosineNeighbours(b, 4, a, 2, 2, 1);
    assert.equal(await storeFeatureLinks(db, narrow, wide, aToB, bToA), 2 * 2 + 4);
    await storeFeatureLinks(db, narrow, wide, aToB, bToA);
    const links = await db.dataSource.query(
      `SELECT feature_index, other_index FROM feature_links WHERE dictionary_id = $1 ORDER BY feature_index, other_index`,
      [narrow],
    );
    assert.deepEqual(
      links.map((l: { feature_index: number; other_index: number }) => [l.feature_index, l.other_index]),
      [
        [0, 0],
        [0, 1],
        [1, 2],
        [1, 3],
      ],
    );
    const back = await db.dataSource.query(`SELECT count(*)::int AS n FROM feature_links WHERE dictionary_id = $1`, [
      wide,
    ]);
    assert.equal(back[0].n, 4);
  } finally {
    await db.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecoderIndexSql, decoderColumn, nearestDecodersSql } from './decoderIndex.js';
import { createStaging, stagingName, swapIn } from './dictionaryPartitions.js';
import { openTestDatabase } from './testing/testDatabase.js';

/** Deterministic PRNG (mulberry32) so the data and the answer are the same every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test('HNSW finds the same nearest decoder as exact search on clustered data, and EXPLAIN shows the index', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(2);
  try {
    const dIn = 64;
    const rand = rng(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const centres = Array.from({ length: 16 }, () => normalise(Array.from({ length: dIn }, gauss)));
    const vectors = Array.from({ length: 1600 }, (_, i) => normalise(centres[i % 16].map((c) => c + 0.15 * gauss())));
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k)
       VALUES ('clusters', 'blocks.0.mlp.hook_post', 'topk', $1, $2, 4) RETURNING id`,
      [dIn, vectors.length],
    );
    const dictionaryId = rows[0].id;
    const client = await pool.connect();
    await createStaging(client, dictionaryId);
    await db.bulkLoader.load(
      client,
      stagingName('features', dictionaryId),
      [
        { name: 'dictionary_id', type: 'int' },
        { name: 'index', type: 'int' },
        { name: decoderColumn(dIn).column, type: decoderColumn(dIn).type },
      ],
      vectors.map((v, i) => [dictionaryId, i, v]),
    );
    await swapIn(client, dictionaryId, dIn);
    client.release();

    const sql = nearestDecodersSql(dictionaryId, dIn);
    const probe = (i: number) => normalise(vectors[i].map((x) => x + 0.05 * gauss()));
    const plan = await pool.query(`EXPLAIN ${sql}`, [`[${probe(0).join(',')}]`, 5]);
    const planText = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    assert.match(planText, new RegExp(`Index Scan using features_d${dictionaryId}_hnsw`));

    for (const i of [3, 250, 777, 1201, 1599]) {
      const q = probe(i);
      const exact = vectors
        .map((v, index) => ({ index, cosine: v.reduce((s, x, j) => s + x * q[j], 0) }))
        .sort((a, b) => b.cosine - a.cosine)[0];
      const got = await pool.query<{ index: number; cosine: number }>(sql, [`[${q.join(',')}]`, 1]);
      assert.equal(got.rows[0].index, exact.index, `probe near ${i}`);
      assert.ok(Math.abs(got.rows[0].cosine - exact.cosine) < 1e-5);
    }
  } finally {
    await db.close();
  }
});

test('decoder storage switches to halfvec past 2,000 dims and stops indexing past 4,000', () => {
  assert.deepEqual(decoderColumn(512), { column: 'decoder', type: 'vector', indexable: true });
  assert.deepEqual(decoderColumn(2304), { column: 'decoder_half', type: 'halfvec', indexable: true });
  assert.equal(decoderColumn(4608).indexable, false);
  assert.equal(createDecoderIndexSql('t', 'i', 4608), undefined);
  assert.throws(() => nearestDecodersSql(1.5, 64), /bad dictionary id/);
});

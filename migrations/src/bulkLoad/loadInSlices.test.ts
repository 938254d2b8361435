// Reads under write load (item 8 of issue 13): the embedded engine runs one statement at a time, so a load must
// come in short statements and build no index in one long statement; these check the mechanics that bound them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolClient } from 'pg';
import { decoderColumn, nearestDecodersSql } from '../decoderIndex.js';
import { createStaging, partitionName, stagingName, swapIn } from '../dictionaryPartitions.js';
import { openTestDatabase } from '../testing/testDatabase.js';
import { nextBatchRows, UnnestLoader } from './unnestLoader.js';

/** The client, recording every statement's text and, for a batch insert, the rows it inserted. */
function recording(client: PoolClient): { client: PoolClient; statements: { sql: string; rows?: number }[] } {
  const statements: { sql: string; rows?: number }[] = [];
  const query = client.query.bind(client) as (sql: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
  const wrapped = new Proxy(client, {
    get(target, key) {
      if (key !== 'query') return Reflect.get(target, key, target) as unknown;
      return async (sql: string, values?: unknown[]) => {
        const result = await query(sql, values);
        const count = (result.rows[0] as { count?: string } | undefined)?.count;
        statements.push({ sql, rows: sql.startsWith('WITH inserted') ? Number(count) : undefined });
        return result;
      };
    },
  });
  return { client: wrapped, statements };
}

const COLUMNS = [
  { name: 'dictionary_id', type: 'int' },
  { name: 'index', type: 'int' },
  { name: 'label', type: 'text' },
];

test('the unnest loader sizes each statement by its measured time on the server', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(1);
  try {
    await pool.query(`CREATE TABLE sliced (dictionary_id int, index int, label text)`);
    const rows = Array.from({ length: 3000 }, (_, i) => [1, i, `feature ${i}`]);
    const raw = await pool.connect();
    try {
      // A budget no statement can meet: after the first two (sized before any was measured), the fewest rows.
      const tight = recording(raw);
      await new UnnestLoader(5000, 0.01, 0).load(tight.client, 'sliced', COLUMNS, rows);
      const tightRows = tight.statements.map((s) => s.rows);
      assert.deepEqual(tightRows.slice(0, 3), [64, 64, 8]);
      assert.ok(tightRows.slice(2).every((n) => n === 8 || n === tightRows.at(-1)));
      assert.equal(
        tightRows.reduce((a, b) => a! + b!, 0),
        3000,
      );
      // A budget every statement meets: batches grow fourfold a step up to the cap.
      const loose = recording(raw);
      await new UnnestLoader(1000, 1e9).load(loose.client, 'sliced', COLUMNS, rows);
      // Each batch is sized from the last finished statement, which is the one before the previous (they overlap).
      assert.deepEqual(
        loose.statements.map((s) => s.rows),
        [64, 64, 256, 256, 1000, 1000, 360],
      );
    } finally {
      raw.release();
    }
    const { rows: counted } = await pool.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT index)::int AS distinct FROM sliced`,
    );
    assert.deepEqual(counted[0], { n: 6000, distinct: 3000 });
  } finally {
    await db.close();
  }
});

test('a batch that queued behind readers may run for half its wait, within bounds', () => {
  const limits = { maxRows: 5000, statementMs: 40, waitShare: 0.5 };
  // Nobody waiting: 40 ms of server time, whatever the last batch took.
  assert.equal(nextBatchRows({ rows: 1000, serverMs: 80, waitMs: 0 }, limits), 500);
  assert.equal(nextBatchRows({ rows: 100, serverMs: 20, waitMs: 10 }, limits), 200);
  // Queued 400 ms behind others: a 200 ms batch next (4x growth at most per step).
  assert.equal(nextBatchRows({ rows: 100, serverMs: 40, waitMs: 400 }, limits), 400);
  assert.equal(nextBatchRows({ rows: 100, serverMs: 100, waitMs: 400 }, limits), 200);
  // Never past a second, the row cap, or under the floor.
  assert.equal(nextBatchRows({ rows: 1000, serverMs: 500, waitMs: 60_000 }, limits), 2000);
  assert.equal(nextBatchRows({ rows: 4000, serverMs: 10, waitMs: 0 }, limits), 5000);
  assert.equal(nextBatchRows({ rows: 8, serverMs: 900, waitMs: 0 }, limits), 8);
});

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const normalise = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** Index definitions of a table with its own name taken out, so two partitions' sets compare. */
async function indexDefinitions(client: PoolClient, table: string): Promise<string[]> {
  const { rows } = await client.query<{ def: string }>(
    `SELECT regexp_replace(pg_get_indexdef(indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+ ', '\\1') AS def
       FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.def);
}

test('with indexes before the load, the swap builds none, and the partition ends as a bulk-indexed one', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(2);
  try {
    const dIn = 32;
    const rand = rng(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const centres = Array.from({ length: 12 }, () => normalise(Array.from({ length: dIn }, gauss)));
    const vectors = Array.from({ length: 1200 }, (_, i) => normalise(centres[i % 12].map((c) => c + 0.15 * gauss())));
    const ids: number[] = [];
    for (const name of ['before-load', 'at-swap']) {
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ($1, 'h', 'topk', $2, $3) RETURNING id`,
        [name, dIn, vectors.length],
      );
      ids.push(rows[0].id);
    }
    const [early, late] = ids;
    const raw = await pool.connect();
    try {
      const columns = [
        { name: 'dictionary_id', type: 'int' },
        { name: 'index', type: 'int' },
        { name: decoderColumn(dIn).column, type: decoderColumn(dIn).type },
        { name: 'label', type: 'text' },
      ];
      const rowsOf = (id: number) => vectors.map((v, i) => [id, i, v, `feature ${i}`]);

      await createStaging(raw, early, { when: 'before-load', dIn });
      const staged = await indexDefinitions(raw, stagingName('features', early));
      assert.ok(
        staged.some((d) => /USING hnsw/.test(d)),
        `HNSW on the empty staging table: ${staged.join('; ')}`,
      );
      await new UnnestLoader().load(raw, stagingName('features', early), columns, rowsOf(early));
      const swap = recording(raw);
      await swapIn(swap.client, early, dIn, 'before-load');
      // The HNSW statement is IF NOT EXISTS (a no-op here); nothing else builds an index.
      const builds = swap.statements
        .map((s) => s.sql)
        .filter((sql) => /CREATE (UNIQUE )?INDEX|ADD (PRIMARY KEY|UNIQUE)/i.test(sql) && !/IF NOT EXISTS/.test(sql));
      assert.deepEqual(builds, []);

      await createStaging(raw, late);
      await new UnnestLoader().load(raw, stagingName('features', late), columns, rowsOf(late));
      await swapIn(raw, late, dIn);
      for (const table of ['features', 'feature_examples', 'feature_tokens'] as const)
        assert.deepEqual(
          await indexDefinitions(raw, partitionName(table, early)),
          await indexDefinitions(raw, partitionName(table, late)),
          table,
        );
    } finally {
      raw.release();
    }

    // The index maintained row by row answers like exact search on clustered data.
    const sql = nearestDecodersSql(early, dIn);
    // On so few rows the planner may prefer a scan; the point is that the index is there and usable.
    const planClient = await pool.connect();
    await planClient.query('SET enable_seqscan = off');
    const plan = await planClient.query(`EXPLAIN ${sql}`, [`[${vectors[0].join(',')}]`, 5]);
    await planClient.query('RESET enable_seqscan');
    planClient.release();
    assert.match(
      plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'),
      new RegExp(`Index Scan using features_d${early}_hnsw`),
    );
    await pool.query('SET enable_seqscan = off');
    for (const i of [5, 300, 641, 1199]) {
      const q = normalise(vectors[i].map((x) => x + 0.05 * gauss()));
      const exact = vectors
        .map((v, j) => ({ j, cos: v.reduce((s, x, k) => s + x * q[k], 0) }))
        .sort((a, b) => b.cos - a.cos)
        .slice(0, 5)
        .map((h) => h.j);
      const { rows } = await pool.query<{ index: number }>(sql, [`[${q.join(',')}]`, 5]);
      assert.equal(rows[0].index, exact[0], `nearest to a probe near ${i}`);
    }
    await pool.query('RESET enable_seqscan');
  } finally {
    await db.close();
  }
});

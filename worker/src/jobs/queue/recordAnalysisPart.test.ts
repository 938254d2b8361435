// The part-done statement of a split analysis: a part counts once however often it is recorded, and exactly one
// merge job is queued, by whichever recording completes the set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobPayloads } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import type { DataSource } from 'typeorm';
import { recordAnalysisPart } from './recordAnalysisPart.js';

async function splitJob(ds: DataSource, split: number): Promise<number> {
  const [{ id }] = (await ds.query(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
    JSON.stringify({ dictionaryId: 7, maxTokens: 900, split }),
  ])) as { id: number }[];
  return id;
}

const mergeJobs = async (ds: DataSource, parent: number) =>
  (await ds.query(`SELECT id, payload FROM jobs WHERE payload->'merge'->>'parent' = $1`, [String(parent)])) as {
    id: number;
    payload: Record<string, unknown>;
  }[];

test('recording the same part twice counts it once; the merge is queued once, by the part that completes the set', async () => {
  const db = await openTestDatabase();
  try {
    const ds = db.dataSource;
    const parent = await splitJob(ds, 2);
    const part = (index: number) => ({ parent, index, of: 2, file: `/data/partials/job-${parent}/part-${index}` });
    assert.deepEqual(await recordAnalysisPart(ds, part(1), '11:1'), { partsDone: 1, mergeJobId: null });
    assert.deepEqual(await recordAnalysisPart(ds, part(1), '11:2'), { partsDone: 1, mergeJobId: null });
    const last = await recordAnalysisPart(ds, part(0), '10:1');
    assert.equal(last.partsDone, 2);
    assert.notEqual(last.mergeJobId, null);
    // Retries after the merge was queued: the same attempt again (its commit was lost to it) and a new attempt.
    for (const [index, by] of [
      [0, '10:1'],
      [0, '10:2'],
      [1, '11:3'],
    ] as const)
      assert.deepEqual(await recordAnalysisPart(ds, part(index), by), { partsDone: 2, mergeJobId: null });
    const merges = await mergeJobs(ds, parent);
    assert.deepEqual(
      merges.map((m) => m.id),
      [last.mergeJobId],
    );
    assert.deepEqual(merges[0].payload, {
      dictionaryId: 7,
      maxTokens: 900,
      merge: { parent, files: [part(0).file, part(1).file] },
    });
    assert.ok(JobPayloads.analyze.safeParse(merges[0].payload).success);
  } finally {
    await db.close();
  }
});

test('parts recorded concurrently from several connections, each twice, queue exactly one merge', async () => {
  const db = await openTestDatabase();
  try {
    const parent = await splitJob(db.dataSource, 4);
    const pool = db.pool(8);
    const results = await Promise.all(
      [0, 1, 2, 3, 0, 1, 2, 3].map(async (index, i) => {
        const client = await pool.connect();
        try {
          const ds = { query: (sql: string, p: unknown[]) => client.query(sql, p).then((r) => r.rows) };
          const part = { parent, index, of: 4, file: `/p/job-${parent}/part-${index}` };
          return await recordAnalysisPart(ds as unknown as DataSource, part, `${index}:${i}`);
        } finally {
          client.release();
        }
      }),
    );
    assert.equal(results.filter((r) => r.mergeJobId !== null).length, 1);
    assert.equal(Math.max(...results.map((r) => r.partsDone)), 4);
    assert.equal((await mergeJobs(db.dataSource, parent)).length, 1);
  } finally {
    await db.close();
  }
});

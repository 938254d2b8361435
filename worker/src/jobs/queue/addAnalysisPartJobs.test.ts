// The part jobs of a split analysis on a real database: added once, in order, linked to the dictionary; a retry of
// the split job gets the same jobs back and adds none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestDatabase } from '@atlas/migrations/testing';
import { addAnalysisPartJobs } from './addAnalysisPartJobs.js';

test('a split job adds its part jobs once, in order; its retry finds them and adds none', async () => {
  const db = await openTestDatabase();
  try {
    const ds = db.dataSource;
    const [{ id: dictionaryId }] = (await ds.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('d', 'h', 'topk', 4, 8) RETURNING id`,
    )) as { id: number }[];
    const [{ id: parent }] = (await ds.query(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
      JSON.stringify({ dictionaryId, split: 3 }),
    ])) as { id: number }[];
    const part = (index: number) => ({ dictionaryId, part: { parent, index, of: 3, file: `part-${index}` } });
    const first = await addAnalysisPartJobs(ds, parent, [part(0), part(1), part(2)], dictionaryId);
    assert.equal(first.fresh, true);
    assert.equal(first.ids.length, 3);
    const rows = (await ds.query(
      `SELECT id, type, state, dictionary_id, payload FROM jobs WHERE id <> $1 ORDER BY id`,
      [parent],
    )) as { id: number; type: string; state: string; dictionary_id: number; payload: unknown }[];
    assert.deepEqual(
      rows.map((r) => [r.id, r.type, r.state, r.dictionary_id, r.payload]),
      first.ids.map((id, index) => [id, 'analyze', 'queued', dictionaryId, part(index)]),
    );
    // The retry (the worker died after the enqueue committed) asks again, even with other ranges: nothing is added.
    const again = await addAnalysisPartJobs(ds, parent, [part(0), part(1)], dictionaryId);
    assert.deepEqual(again, { ids: first.ids, fresh: false });
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM jobs`)) as { n: number }[];
    assert.equal(n, 4);
  } finally {
    await db.close();
  }
});

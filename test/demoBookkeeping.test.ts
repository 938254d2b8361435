// The demo keeps its books by content (issue 13, item 3): a moved atlas recognises its demo dictionaries instead of
// adding them again, a dictionary deleted through the api is remembered and not brought back, and one that another
// analysis (a claim, or a job still queued) is working on is waited for, not analysed a second time.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, startApiServer } from '@atlas/api';
import { claimAnalysis, releaseAnalysisClaim } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { createApiKey } from '../api/src/auth/apiKeys.js';
import { decideDemoDictionary, demoFolder, otherDictionaries } from '../scripts/demo.js';
import { writeTinySae } from '../worker/src/jobs/tasks/tinySae.testing.js';
import { analyzeIntoAtlas } from '../worker/src/pipeline/analyzeIntoAtlas.js';

const WIDTH = 64; // writeTinySae's latents

test('the demo recognises a moved atlas, remembers a deletion, and waits for a live analysis', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atlas-demo-books-'));
  const db = await openTestDatabase();
  const ds = db.dataSource;
  const dictionaries = async () =>
    (await ds.query(`SELECT id, name, status, weights_path FROM dictionaries ORDER BY id`)) as {
      id: number;
      name: string;
      status: string;
      weights_path: string;
    }[];
  const analyze = (folder: string) =>
    analyzeIntoAtlas(
      async () => db,
      {
        folder,
        model: 'builtin',
        corpus: 'brown',
        maxTokens: 2000,
        contextSize: 64,
        prependBos: true,
        name: 'tiny 4x',
      },
      { log: () => {}, progress: () => {} },
    );
  try {
    const first = demoFolder(join(root, 'first', 'demo'), WIDTH);
    writeTinySae(first);
    assert.equal((await decideDemoDictionary(ds, first)).action, 'analyze');
    const id = await analyze(first);
    assert.deepEqual(await decideDemoDictionary(ds, first), { action: 'ready', id });

    // The atlas folder moves: the same content at another path is the same dictionary, now pointed at its new place.
    const moved = demoFolder(join(root, 'moved', 'demo'), WIDTH);
    cpSync(first, moved, { recursive: true });
    rmSync(join(root, 'first'), { recursive: true });
    assert.equal(
      await otherDictionaries(ds, [demoFolder(join(root, 'moved', 'demo'), WIDTH)]),
      0,
      'still only the demo',
    );
    assert.deepEqual(await decideDemoDictionary(ds, moved), { action: 'ready', id });
    assert.deepEqual(
      (await dictionaries()).map((d) => [d.id, d.weights_path]),
      [[id, moved]],
    );
    assert.equal(await analyze(moved), id, '`analyze --sae <moved folder>` re-analyses the same dictionary');
    assert.equal((await dictionaries()).length, 1);

    // Someone else is analysing it (a crashed run's retried job, another process): wait, do not analyse again.
    const taken = await claimAnalysis(ds, id, 'job 7', 60_000);
    assert.ok('claim' in taken);
    assert.deepEqual(await decideDemoDictionary(ds, moved), {
      action: 'wait',
      why: `dictionary ${id} is being analysed by job 7`,
    });
    await releaseAnalysisClaim(ds, taken.claim);
    await ds.query(`UPDATE dictionaries SET status = 'analyzing' WHERE id = $1`, [id]);
    const [{ id: jobId }] = await ds.query(
      `INSERT INTO jobs (type, payload, dictionary_id) VALUES ('analyze', $1, $2) RETURNING id`,
      [JSON.stringify({ dictionaryId: id }), id],
    );
    assert.equal((await decideDemoDictionary(ds, moved)).action, 'wait', 'a queued analysis job is waited for');
    await ds.query(`UPDATE jobs SET state = 'cancelled' WHERE id = $1`, [jobId]);
    assert.deepEqual(await decideDemoDictionary(ds, moved), {
      action: 'analyze',
      why: `dictionary ${id} was left analyzing`,
    });

    // A person deletes it through the api: the next start leaves it deleted.
    const api = await startApiServer({
      dataSource: ds,
      log: createLogger('silent'),
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 100_000,
    });
    try {
      const { key } = await createApiKey(ds, 'tester');
      const res = await fetch(api.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: `mutation($d: ID!) { deleteDictionary(id: $d) }`, variables: { d: String(id) } }),
      });
      assert.deepEqual(await res.json(), { data: { deleteDictionary: true } });
    } finally {
      await api.stop();
    }
    const deleted = await decideDemoDictionary(ds, moved);
    assert.equal(deleted.action, 'deleted');
    assert.match((deleted as { why: string }).why, /^'tiny 4x' was deleted from this atlas on .*; not adding it again/);
    assert.deepEqual(await dictionaries(), []);

    // Analysing it again on purpose brings it back and forgets the deletion.
    const back = await analyze(moved);
    assert.notEqual(back, id);
    assert.deepEqual(await decideDemoDictionary(ds, moved), { action: 'ready', id: back });
  } finally {
    await db.close();
    rmSync(root, { recursive: true, force: true });
  }
});

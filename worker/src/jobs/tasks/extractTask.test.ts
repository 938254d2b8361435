// Kill-and-resume for `extract`: a worker SIGKILLed mid-extraction leaves complete shards behind; the next worker
// continues after them, and the folder ends byte for byte like an uninterrupted run's.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobPayloads } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { HOOK_KINDS } from '../../transformer/hooks.js';
import { jobLog, killMidJobThenResume, readJob, runWorkerOnce, workerDataDir } from '../workerProcess.testing.js';

test('an extract job killed with SIGKILL mid-run resumes after its last complete shard and ends like an uninterrupted one', async () => {
  const db = await openTestDatabase();
  try {
    const dataDir = workerDataDir(db);
    const enqueue = async (out: string) => {
      const payload = {
        model: 'builtin',
        corpus: 'brown',
        hook: 'blocks.0.mlp.hook_post',
        out,
        maxTokens: 12_000,
        shardRows: 1000,
      };
      const [{ id }] = await db.dataSource.query(
        `INSERT INTO jobs (type, payload) VALUES ('extract', $1) RETURNING id`,
        [JSON.stringify(payload)],
      );
      return id as number;
    };
    const killedOut = join(dataDir, 'killed');
    const killed = await enqueue(killedOut);
    const atKill = await killMidJobThenResume(db, dataDir, killed, (j) => j.progress.fraction >= 0.25);
    assert.ok(atKill.progress.fraction < 1);
    const resumed = await readJob(db, killed);
    assert.deepEqual([resumed.state, resumed.attempts], ['succeeded', 2]);
    const log = await jobLog(db, killed);
    const resumeLine = log.find((l) => l.startsWith('resuming the extraction'));
    const [, shards, rows] = /: (\d+) shard\(s\), (\d+) rows already written$/.exec(resumeLine ?? log.join('\n')) ?? [];
    assert.ok(Number(shards) >= 1 && Number(rows) === Number(shards) * 1000, resumeLine);

    const cleanOut = join(dataDir, 'clean');
    const clean = await enqueue(cleanOut);
    await runWorkerOnce(db, dataDir);
    assert.equal((await readJob(db, clean)).state, 'succeeded');
    const files = readdirSync(cleanOut).sort();
    assert.deepEqual(readdirSync(killedOut).sort(), files);
    assert.ok(files.includes('manifest.json') && files.includes('acts-00011.npy'), files.join(' '));
    for (const f of files) assert.ok(readFileSync(join(killedOut, f)).equals(readFileSync(join(cleanOut, f))), f);
  } finally {
    await db.close();
  }
});

test('extract payloads accept every hook point the transformer exposes, and nothing else', () => {
  const payload = (hook: string) => ({ model: 'builtin', corpus: 'brown', hook, out: '/x' });
  for (const kind of HOOK_KINDS) assert.ok(JobPayloads.extract.safeParse(payload(`blocks.3.${kind}`)).success, kind);
  for (const bad of ['blocks.0.mlp.hook_mid', 'hook_resid_pre', 'blocks.x.hook_resid_pre'])
    assert.equal(JobPayloads.extract.safeParse(payload(bad)).success, false, bad);
});

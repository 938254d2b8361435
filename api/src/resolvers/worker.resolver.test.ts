import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import type { ApiServer } from '../server.js';
import { startTestApi, type TestApi } from '../testing/testApi.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;

before(async () => {
  db = await openTestDatabase();
  testApi = await startTestApi(db);
  api = testApi.api;
});

after(async () => {
  await api.stop();
  await db.close();
});

async function workers(
  includeGone: boolean,
): Promise<{ id: string; pid: number; jobId: string | null; alive: boolean }[]> {
  const body = await testApi.post(`{ workers(includeGone: ${includeGone}) { id pid jobId alive lastSeenAt } }`);
  return body.data.workers;
}

test('workers lists the ones whose heartbeat is recent; gone ones only on request, marked not alive', async () => {
  assert.deepEqual(await workers(false), [], 'no worker has ever run');
  const [{ id: jobId }] = (await db.dataSource.query(
    `INSERT INTO jobs (type, payload, state) VALUES ('export', '{}', 'running') RETURNING id`,
  )) as { id: number }[];
  await db.dataSource.query(
    `INSERT INTO workers (id, host, pid, last_seen_at, job_id) VALUES
       ('box:11', 'box', 11, now() - interval '5 seconds', $1),
       ('box:22', 'box', 22, now() - interval '61 seconds', NULL),
       ('old:33', 'old', 33, now() - interval '2 hours', NULL)`,
    [jobId],
  );
  assert.deepEqual(
    (await workers(false)).map((w) => [w.id, w.pid, w.jobId, w.alive]),
    [['box:11', 11, String(jobId), true]],
  );
  assert.deepEqual(
    (await workers(true)).map((w) => [w.id, w.alive]),
    [
      ['box:11', true],
      ['box:22', false],
      ['old:33', false],
    ],
  );
});

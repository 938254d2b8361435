// The job-progress subscription over graphql-ws, against a real server and database: a client follows a job
// through the states a worker writes, unknown jobs and non-subscriptions are refused with codes, and a closed
// atlas refuses a socket without a key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { createApiKey } from '../auth/apiKeys.js';
import { startApiServer, type ApiServer } from '../server.js';

let db: TestDatabase;
let api: ApiServer;
const log = pino({ level: 'silent' });

before(async () => {
  db = await openTestDatabase();
  api = await startApiServer({
    dataSource: db.dataSource,
    log,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 10_000,
    jobWatchMs: 20,
  });
});
after(async () => {
  await api.stop();
  await db.close();
});

const wsUrl = (server: ApiServer) => server.graphqlUrl.replace(/^http/, 'ws');
const client = (server: ApiServer, connectionParams?: Record<string, unknown>): Client =>
  createClient({ url: wsUrl(server), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });

type Update = { state: string; progress: { fraction: number; message?: string | null } };
const UPDATES = `subscription($id: ID!) { jobUpdates(id: $id) { state progress { fraction message } } }`;

/** Every message of one subscription until it completes (or fails: the error is returned, not thrown). */
function collect(c: Client, query: string, variables: Record<string, unknown>, onEach?: (n: number) => void) {
  const results: {
    data?: { jobUpdates: Update } | null;
    errors?: readonly { message: string; extensions?: { code?: string } }[];
  }[] = [];
  return new Promise<{ results: typeof results; error?: unknown }>((resolve) =>
    c.subscribe<{ jobUpdates: Update }>(
      { query, variables },
      {
        next: (r) => {
          results.push(r as (typeof results)[number]);
          onEach?.(results.length);
        },
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    ),
  );
}

test('a subscription streams a job from queued through its progress to its end, then completes', async () => {
  const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
  const [{ id }] = (await q(`INSERT INTO jobs (type, payload) VALUES ('train', '{}') RETURNING id`)) as {
    id: number;
  }[];
  const c = client(api);
  // The "worker": each change is written once the previous update has arrived, as a real worker's reports would.
  const steps = [
    `UPDATE jobs SET state = 'running', progress = '{"fraction": 0.25, "message": "step 1"}' WHERE id = ${id}`,
    `UPDATE jobs SET progress = '{"fraction": 0.75, "message": "step 3"}' WHERE id = ${id}`,
    `UPDATE jobs SET state = 'succeeded', progress = '{"fraction": 1}', finished_at = now() WHERE id = ${id}`,
  ];
  const { results, error } = await collect(c, UPDATES, { id: String(id) }, (n) => {
    if (steps[n - 1]) void q(steps[n - 1]);
  });
  await c.dispose();
  assert.equal(error, undefined);
  assert.deepEqual(
    results.map((r) => [
      r.data!.jobUpdates.state,
      r.data!.jobUpdates.progress.fraction,
      r.data!.jobUpdates.progress.message ?? null,
    ]),
    [
      ['queued', 0, null],
      ['running', 0.25, 'step 1'],
      ['running', 0.75, 'step 3'],
      ['succeeded', 1, null],
    ],
  );
});

test('an unknown job answers NOT_FOUND, a bad id BAD_USER_INPUT, and a query over the socket is refused', async () => {
  const c = client(api);
  const missing = await collect(c, UPDATES, { id: '999999' });
  assert.equal(missing.results[0]?.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  assert.match(missing.results[0].errors![0].message, /no job 999999/);
  const bad = await collect(c, UPDATES, { id: 'nope' });
  assert.equal(bad.results[0]?.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const query = await collect(c, `{ jobs { id } }`, {});
  const refusal = (query.error as { message: string }[] | undefined)?.[0];
  assert.match(String(refusal?.message), /only subscriptions are served over WebSocket/);
  // The limits HTTP applies hold here too: 25 aliases where 20 are allowed.
  const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: state`).join(' ');
  const many = await collect(c, `subscription { jobUpdates(id: "1") { ${aliases} } }`, {});
  assert.match(JSON.stringify(many.error), /aliases/i);
  await c.dispose();
  // The server still answers HTTP.
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ jobs { id } }' }),
  });
  assert.equal(res.status, 200);
});

test('a closed atlas refuses a socket without a valid key and serves one with it', async () => {
  const closed = await startApiServer({
    dataSource: db.dataSource,
    log,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 10_000,
    publicReads: false,
    jobWatchMs: 20,
  });
  try {
    const [{ id }] = (await db.dataSource.query(
      `INSERT INTO jobs (type, payload, state) VALUES ('export', '{}', 'failed') RETURNING id`,
    )) as { id: number }[];
    const anonymous = client(closed);
    const refused = await collect(anonymous, UPDATES, { id: String(id) });
    assert.equal((refused.error as { code?: number })?.code, 4403);
    await anonymous.dispose();
    const { key } = await createApiKey(db.dataSource, 'subscriber');
    const keyed = client(closed, { authorization: `Bearer ${key}` });
    const served = await collect(keyed, UPDATES, { id: String(id) });
    assert.equal(served.error, undefined);
    assert.deepEqual(
      served.results.map((r) => r.data?.jobUpdates.state),
      ['failed'],
    );
    await keyed.dispose();
  } finally {
    await closed.stop();
  }
});

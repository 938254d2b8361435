import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from './server.js';

let db: TestDatabase;
let api: ApiServer;
const logged: string[] = [];

before(async () => {
  db = await openTestDatabase();
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
  api = await startApiServer({ dataSource: db.dataSource, log, host: '127.0.0.1', port: 0, maxBodyBytes: 10_000 });
});

after(async () => {
  await api.stop();
  await db.close();
});

async function post(body: unknown): Promise<{ status: number; json: any }> {
  // any: response shapes vary per test
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('health answers with the embedded engine and pgvector version', async () => {
  const { json } = await post({ query: '{ health { status database vectorVersion } }' });
  assert.deepEqual(json.data.health, {
    status: 'ok',
    database: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite',
    vectorVersion: json.data.health.vectorVersion,
  });
  assert.match(json.data.health.vectorVersion, /^0\.(7|8|9)\.|^[1-9]\./);
});

test('dictionaries is empty at first, then lists what the database holds', async () => {
  assert.deepEqual((await post({ query: '{ dictionaries { id } }' })).json.data.dictionaries, []);
  await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, metrics, status)
     VALUES ('tiny-4x', 'blocks.0.mlp.hook_post', 'topk', 512, 2048, 16, '{"l0": 15.9, "fvu": 0.12}', 'ready')`,
  );
  const { json } = await post({
    query: '{ dictionaries { name hookPoint architecture dIn nLatents k status metrics { l0 fvu deadFraction } } }',
  });
  assert.deepEqual(json.data.dictionaries, [
    {
      name: 'tiny-4x',
      hookPoint: 'blocks.0.mlp.hook_post',
      architecture: 'topk',
      dIn: 512,
      nLatents: 2048,
      k: 16,
      status: 'ready',
      metrics: { l0: 15.9, fvu: 0.12, deadFraction: null },
    },
  ]);
});

test('bad requests get a stable code and a message a person understands', async () => {
  const unknown = await post({ query: '{ nope }' });
  assert.equal(unknown.json.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(unknown.json.errors[0].extensions.stacktrace, undefined);
  const notJson = await post('{bad');
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.errors[0].message, /not valid JSON/);
  const huge = await post({ query: `{ health { status } } # ${'x'.repeat(20_000)}` });
  assert.equal(huge.status, 413);
  const res = await fetch(api.url + '/elsewhere');
  assert.equal(res.status, 404);
});

test('an unexpected failure becomes a fixed INTERNAL_SERVER_ERROR, is logged, and the server keeps answering', async () => {
  await db.dataSource.query('ALTER TABLE dictionaries RENAME TO dictionaries_moved');
  try {
    const { json } = await post({ query: '{ dictionaries { id } }' });
    assert.equal(json.errors[0].extensions.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(json.errors[0].message, /dictionaries/); // no SQL detail leaks to clients
    assert.ok(logged.some((l) => l.includes('relation') && l.includes('dictionaries')));
  } finally {
    await db.dataSource.query('ALTER TABLE dictionaries_moved RENAME TO dictionaries');
  }
  const health = await post({ query: '{ health { status } }' });
  assert.equal(health.json.data.health.status, 'ok');
});

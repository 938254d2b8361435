import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { loadApiConfig } from './config.js';
import { createFormatError } from './errors.js';
import { startApiServer, type ApiServer } from './server.js';
import { applyStatementTimeout } from './statementTimeout.js';

let db: TestDatabase;
let api: ApiServer;
const logged: string[] = [];

before(async () => {
  db = await openTestDatabase();
  api = await startApiServer({
    dataSource: db.dataSource,
    log: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }),
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 10_000,
    requestTimeoutMs: 400,
  });
});

after(async () => {
  await api.stop();
  await db.close();
});

async function post(query: string): Promise<{ status: number; json: any }> {
  // any: response shapes vary per test
  const res = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, json: await res.json() };
}

test('a request stuck on the database is cut off with REQUEST_TIMEOUT, and the server keeps answering', async () => {
  // Another session holds the table (on the embedded database an open transaction holds the whole backend).
  const blocker = await db.pool(1).connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE dictionaries IN ACCESS EXCLUSIVE MODE');
  let cut: { status: number; json: any };
  try {
    cut = await post('{ dictionaries { id } }');
  } finally {
    await blocker.query('COMMIT');
    blocker.release();
  }
  assert.equal(cut.status, 503);
  assert.equal(cut.json.errors[0].extensions.code, 'REQUEST_TIMEOUT');
  assert.match(cut.json.errors[0].message, /400 ms limit \(ATLAS_API_REQUEST_TIMEOUT_MS\)/);
  const after = await post('{ dictionaries { id } }');
  assert.equal(after.status, 200);
  assert.deepEqual(after.json.data.dictionaries, []);
  assert.deepEqual(logged, [], 'the abandoned request finished without an error');
});

test('the statement timeout defaults to the request timeout; 0 turns either off', () => {
  const base = { ATLAS_DATA_DIR: '/tmp/x' };
  assert.deepEqual([loadApiConfig(base).requestTimeoutMs, loadApiConfig(base).statementTimeoutMs], [15_000, 15_000]);
  const c = loadApiConfig({ ...base, ATLAS_API_REQUEST_TIMEOUT_MS: '2000', ATLAS_API_STATEMENT_TIMEOUT_MS: '0' });
  assert.deepEqual([c.requestTimeoutMs, c.statementTimeoutMs], [2000, 0]);
});

test('statement_timeout: set on PostgreSQL (a long statement is cancelled), left alone on the embedded database', async () => {
  const outcome = await applyStatementTimeout(db.dataSource, db.engine, 200);
  if (db.engine === 'pglite') {
    assert.equal(outcome, 'unsupported on the embedded database');
    // Not SET: the embedded backend's one session is shared with every other client of the database.
    const [{ statement_timeout }] = await db.dataSource.query('SHOW statement_timeout');
    assert.equal(statement_timeout, '0');
  } else {
    assert.equal(outcome, 'set');
    await assert.rejects(db.dataSource.query('SELECT pg_sleep(2)'), (err: { code?: string }) => err.code === '57014');
    await db.dataSource.query('SET statement_timeout = 0');
  }
});

test('a cancelled statement (SQLSTATE 57014) reaches the client as REQUEST_TIMEOUT, not as an internal error', () => {
  const format = createFormatError(pino({ level: 'silent' }));
  const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
  const wrapped = new GraphQLError('x', { originalError: cancelled, path: ['dictionaries'] });
  const out = format({ message: 'x', path: ['dictionaries'] }, wrapped);
  assert.equal(out.extensions?.code, 'REQUEST_TIMEOUT');
  assert.match(out.message, /statement timeout \(ATLAS_API_STATEMENT_TIMEOUT_MS\)/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { applyStatementTimeout } from '../statementTimeout.js';
import { preparedName, preparedQuery } from './preparedQuery.js';

const SERIES = `SELECT g AS n, g * $2::int AS m FROM generate_series(1, $1::int) g ORDER BY g`;
const series = (count: number, times: number) =>
  Array.from({ length: count }, (_, i) => ({ n: i + 1, m: (i + 1) * times }));

test('prepared statements answer as plain ones on every connection, prepared once in the embedded session, and survive another process and DEALLOCATE ALL', async (t) => {
  const db = await openTestDatabase({ poolSize: 4 });
  try {
    await t.test('on every pooled connection', async () => {
      // 16 at once over 4 connections: each connection runs the statement, most of them after another prepared it.
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) => preparedQuery(db.dataSource, 'test_series', SERIES, [i % 5, i])),
      );
      answers.forEach((rows, i) => assert.deepEqual(rows, series(i % 5, i)));
      if (db.engine === 'pglite') {
        const held = (await db.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1`,
          [preparedName('test_series', SERIES)],
        )) as { n: number }[];
        assert.equal(held[0].n, 1, 'the shared session holds the statement once');
      }
    });
    await t.test("prepared by another process's connection", async () => {
      // Another process joining the same database: a data source of its own, the same server.
      const other = await openDatabase(loadDbConfig({ DATABASE_URL: db.url, ATLAS_DB_POOL_SIZE: '2' }), {
        migrate: false,
      });
      try {
        const otherSeries = `${SERIES} LIMIT 100`; // new to both: the other process prepares it first
        assert.deepEqual(await preparedQuery(other.dataSource, 'test_other', otherSeries, [3, 7]), series(3, 7));
        assert.deepEqual(await preparedQuery(db.dataSource, 'test_other', otherSeries, [2, 5]), series(2, 5));
      } finally {
        await other.close();
      }
    });
    await t.test('after DEALLOCATE ALL on the shared session', async (t) => {
      if (db.engine !== 'pglite') return t.skip('native sessions are per connection');
      await db.dataSource.query('DEALLOCATE ALL');
      for (let i = 0; i < 6; i++)
        assert.deepEqual(await preparedQuery(db.dataSource, 'test_series', SERIES, [4, i]), series(4, i));
    });
  } finally {
    await db.close();
  }
});

test('one name never stands for two texts', () => {
  const a = preparedName('same_label', 'SELECT 1');
  assert.notEqual(a, preparedName('same_label', 'SELECT 2'));
  assert.equal(a, preparedName('same_label', 'SELECT 1'));
  assert.match(a, /^atlas_same_label_[0-9a-f]{12}$/);
});

test('statement_timeout still cancels a prepared statement on PostgreSQL', async (t) => {
  // The embedded engine never fires statement_timeout (statementTimeout.ts): PostgreSQL only.
  if (!process.env.TEST_DATABASE_URL) return t.skip('needs TEST_DATABASE_URL (a native PostgreSQL)');
  const db = await openTestDatabase({ poolSize: 2 });
  try {
    assert.equal(await applyStatementTimeout(db.dataSource, db.engine, 100), 'set');
    await assert.rejects(preparedQuery(db.dataSource, 'test_sleep', `SELECT pg_sleep($1::float8)`, [2]), {
      code: '57014',
    });
  } finally {
    await db.close();
  }
});

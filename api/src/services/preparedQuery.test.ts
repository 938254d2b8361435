import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { applyStatementTimeout } from '../statementTimeout.js';
import { preparedName, preparedQuery, withoutPlanSetting } from './preparedQuery.js';

const SERIES = `SELECT g AS n, g * $2::int AS m FROM generate_series(1, $1::int) g ORDER BY g`;
const series = (count: number, times: number) =>
  Array.from({ length: count }, (_, i) => ({ n: i + 1, m: (i + 1) * times }));

test('prepared statements answer as plain ones on every connection, prepared once in the embedded session, and survive another process and DEALLOCATE ALL', async (t) => {
  const db = await openTestDatabase({ poolSize: 4 });
  try {
    await t.test('16 at once, and 12 at once over every pooled connection', async () => {
      // 16 at once: PostgreSQL runs them over the 4 connections; the embedded engine as one message (below).
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) => preparedQuery(db.dataSource, 'test_series', SERIES, [i % 5, i])),
      );
      answers.forEach((rows, i) => assert.deepEqual(rows, series(i % 5, i)));
      // A value EXECUTE's literals do not take (a boolean) runs each statement on its own over the 4 connections
      // on either engine: after the first, each connection learns the session holds it.
      const filtered = `${SERIES.replace(' ORDER BY', ' WHERE $3::boolean ORDER BY')}`;
      const each = await Promise.all(
        Array.from({ length: 12 }, (_, i) => preparedQuery(db.dataSource, 'test_filtered', filtered, [3, i, true])),
      );
      each.forEach((rows, i) => assert.deepEqual(rows, series(3, i)));
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
    await t.test('one message a turn on the shared session; a failing statement fails only its caller', async (t) => {
      if (db.engine !== 'pglite') return t.skip('native sessions run each statement on its own connection');
      const messages: string[] = [];
      const original = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
        if (typeof a[0] === 'string') messages.push(withoutPlanSetting(a[0]));
        return (original as (...x: unknown[]) => unknown).apply(this, a);
      } as typeof original;
      const divide = `SELECT 12 / $1::int AS q`;
      let outcomes: PromiseSettledResult<unknown[]>[];
      try {
        await preparedQuery(db.dataSource, 'test_divide', divide, [4]); // prepared alone first
        messages.length = 0;
        outcomes = await Promise.allSettled([
          preparedQuery(db.dataSource, 'test_series', SERIES, [2, 3]),
          preparedQuery(db.dataSource, 'test_divide', divide, [0]),
          preparedQuery(db.dataSource, 'test_divide', divide, [3]),
        ]);
      } finally {
        pg.Client.prototype.query = original;
      }
      assert.equal(messages.filter((m) => m.startsWith('EXECUTE')).length, 1, messages.join('\n'));
      assert.match(
        messages.find((m) => m.startsWith('EXECUTE'))!,
        /^EXECUTE atlas_read_test_series_\w+\('2', '3'\);\n/,
      );
      assert.deepEqual(outcomes[0], { status: 'fulfilled', value: series(2, 3) });
      assert.equal(outcomes[1].status, 'rejected');
      assert.equal((outcomes[1] as PromiseRejectedResult).reason.code, '22012'); // division_by_zero
      assert.deepEqual(outcomes[2], { status: 'fulfilled', value: [{ q: 4 }] });
    });
    await t.test('the embedded engine runs them on generic plans, and the session keeps its own setting', async (t) => {
      if (db.engine !== 'pglite') return t.skip('one message of EXECUTEs is the embedded engine’s');
      const keyed = `SELECT g AS n FROM generate_series(1, 100) g WHERE g IN (SELECT * FROM unnest($1::int[]))`;
      for (let i = 0; i < 8; i++)
        assert.deepEqual(await preparedQuery(db.dataSource, 'test_keyed', keyed, [[i + 1, i + 50]]), [
          { n: i + 1 },
          { n: i + 50 },
        ]);
      const [plans] = (await db.dataSource.query(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1`,
        [preparedName('test_keyed', keyed)],
      )) as { generic: number; custom: number }[];
      assert.deepEqual(plans, { generic: 8, custom: 0 });
      const [{ plan_cache_mode }] = (await db.dataSource.query('SHOW plan_cache_mode')) as {
        plan_cache_mode: string;
      }[];
      assert.equal(plan_cache_mode, 'auto');
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
  assert.match(a, /^atlas_read_same_label_[0-9a-f]{12}$/);
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

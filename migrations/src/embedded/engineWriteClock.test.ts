import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '../testing/testDatabase.js';
import { isReadOnlyUnit, onlyReadExecutes } from './readOnlyUnit.js';

const native = { skip: process.env.TEST_DATABASE_URL ? 'the clock belongs to the embedded engine' : false };

test('the write clock moves after a write from any connection, and not after reads', native, async () => {
  const db = await openTestDatabase();
  const pool = db.pool(2);
  const clock = db.embedded!.writes;
  try {
    await pool.query('CREATE TABLE clock_probe (x int)');
    const start = clock.settledWrites;
    assert.notEqual(start, undefined);
    // Plain reads, a named read statement and a batch of EXECUTEs of it: no change.
    await pool.query('SELECT count(*) FROM clock_probe');
    await pool.query({ name: 'atlas_read_probe_1', text: 'SELECT count(*)::int AS n FROM clock_probe', values: [] });
    await pool.query({ name: 'atlas_read_probe_1', text: 'SELECT count(*)::int AS n FROM clock_probe', values: [] });
    const c = await pool.connect();
    try {
      await c.query('PREPARE atlas_read_probe_2 AS SELECT $1::int + 1 AS y');
      await c.query("EXECUTE atlas_read_probe_2('1');\nEXECUTE atlas_read_probe_2('2')");
    } finally {
      c.release();
    }
    assert.equal(clock.settledWrites, start, 'reads moved the clock');

    await pool.query('INSERT INTO clock_probe VALUES (1)');
    const afterInsert = clock.settledWrites!;
    assert.ok(afterInsert > start!, 'an autocommitted insert did not move the clock');

    // A transaction: the clock moves by its commit at the latest, and a read after it does not move it again.
    const t = await pool.connect();
    try {
      await t.query('BEGIN');
      await t.query('INSERT INTO clock_probe VALUES (2)');
      await t.query('COMMIT');
    } finally {
      t.release();
    }
    const afterCommit = clock.settledWrites!;
    assert.ok(afterCommit > afterInsert);
    await pool.query('SELECT * FROM clock_probe');
    assert.equal(clock.settledWrites, afterCommit);

    // A named "read" statement that writes through a CTE is refused as read-only at Parse (it must be a SELECT).
    await pool.query({
      name: 'atlas_read_probe_3',
      text: 'WITH gone AS (DELETE FROM clock_probe RETURNING x) SELECT count(*) FROM gone',
      values: [],
    });
    assert.ok(clock.settledWrites! > afterCommit, 'a writing statement under a read name was taken for a read');
  } finally {
    await db.close();
  }
});

test('read-only units: EXECUTEs of read statements only, with any literal', () => {
  assert.ok(onlyReadExecutes(`EXECUTE atlas_read_a_1('1', '{1,2}', NULL)`));
  assert.ok(onlyReadExecutes(`EXECUTE atlas_read_a_1('it''s; EXECUTE x');\nEXECUTE atlas_read_b_2( E'a\\'b' )`));
  assert.ok(onlyReadExecutes(`EXECUTE atlas_read_a_1('1');`));
  assert.ok(onlyReadExecutes(`SET LOCAL plan_cache_mode = force_generic_plan;\nEXECUTE atlas_read_a_1('1')`));
  assert.equal(onlyReadExecutes(`SET LOCAL plan_cache_mode = force_generic_plan;`), false);
  assert.equal(onlyReadExecutes(`SET plan_cache_mode = force_generic_plan;\nEXECUTE atlas_read_a_1('1')`), false);
  for (const hostile of [
    `EXECUTE atlas_read_a_1('1'); DELETE FROM features`,
    `EXECUTE atlas_read_a_1('1'); EXECUTE atlas_write('2')`,
    `EXECUTE atlas_read_a_1('1') ; SELECT pg_sleep(1)`,
    `EXECUTE atlas_read_a_1((SELECT 1))`,
    `EXECUTE atlas_read_a_1('unterminated)`,
    `EXECUTE atlas_other('1')`,
    `SELECT 1`,
    ``,
  ])
    assert.equal(onlyReadExecutes(hostile), false, hostile);
});

/** A frontend message: type, int32 length, body. */
function message(type: string, ...fields: (string | Uint8Array)[]): Uint8Array {
  const parts = fields.map((f) => (typeof f === 'string' ? new TextEncoder().encode(`${f}\0`) : f));
  const length = 4 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(1 + length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, length);
  let at = 5;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const unit = (...messages: Uint8Array[]) => {
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
};
const tail = new Uint8Array(6); // Bind's format and parameter counts, all zero

test('read-only units: Parse/Bind of read statements; anything else may write', () => {
  const bindRead = message('B', '', 'atlas_read_x_1', tail);
  const parseRead = message('P', 'atlas_read_x_1', 'SELECT 1', new Uint8Array(2));
  assert.ok(isReadOnlyUnit(unit(bindRead, message('E', '', new Uint8Array(4)), message('S'))));
  assert.ok(
    isReadOnlyUnit(unit(parseRead, bindRead, message('D', 'P'), message('E', '', new Uint8Array(4)), message('S'))),
  );
  assert.ok(isReadOnlyUnit(message('Q', `EXECUTE atlas_read_x_1('3')`)));
  assert.equal(isReadOnlyUnit(unit(message('B', '', '', tail), message('S'))), false, 'unnamed statement');
  assert.equal(isReadOnlyUnit(message('S')), false, 'a Sync alone may commit an earlier exchange');
  assert.equal(
    isReadOnlyUnit(unit(message('P', 'atlas_read_y_1', 'DELETE FROM t', new Uint8Array(2)), bindRead, message('S'))),
    false,
  );
  assert.equal(isReadOnlyUnit(message('Q', 'COMMIT')), false);
  assert.equal(isReadOnlyUnit(unit(bindRead, message('C', 'S', 'x'), message('S'))), false, 'Close is not a read');
  assert.equal(isReadOnlyUnit(bindRead.subarray(0, 7)), false, 'truncated');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '../testing/testDatabase.js';

test("parameterised queries from 8 pooled connections never see each other's results", async () => {
  const db = await openTestDatabase();
  const pool = db.pool(8);
  try {
    let wrong = 0;
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; i < 150; i++) {
          try {
            const r = await pool.query('SELECT $1::int + $2::int AS s, $3::text AS x', [c, i * 1000, `c${c}q${i}`]);
            if (r.rows[0].s !== c + i * 1000 || r.rows[0].x !== `c${c}q${i}`) wrong++;
          } catch (err) {
            errors.push((err as Error).message);
          }
        }
      }),
    );
    assert.deepEqual(errors, []);
    assert.equal(wrong, 0);
  } finally {
    await db.close();
  }
});

// A property of the embedded engine's serial queue; a native server runs transactions concurrently, as it should.
const native = {
  skip: process.env.TEST_DATABASE_URL ? 'native PostgreSQL (TEST_DATABASE_URL) interleaves by design' : false,
};

test(
  'two transactions on two connections run one after the other, neither interleaving nor deadlocking',
  native,
  async () => {
    const db = await openTestDatabase();
    const pool = db.pool(4);
    try {
      await pool.query('CREATE TABLE tx_log (seq serial PRIMARY KEY, tx text, step int)');
      const run = async (name: string) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let step = 0; step < 20; step++) {
            await client.query('INSERT INTO tx_log (tx, step) VALUES ($1, $2)', [name, step]);
            await new Promise((r) => setImmediate(r)); // give the other connection every chance to cut in
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      };
      await Promise.race([
        Promise.all([run('a'), run('b')]),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('deadlock: transactions did not finish in 30 s')), 30_000),
        ),
      ]);
      const { rows } = await pool.query<{ tx: string }>('SELECT tx FROM tx_log ORDER BY seq');
      const order = rows.map((r) => r.tx).join('');
      assert.equal(rows.length, 40);
      assert.ok(
        order === 'a'.repeat(20) + 'b'.repeat(20) || order === 'b'.repeat(20) + 'a'.repeat(20),
        `interleaved: ${order}`,
      );
    } finally {
      await db.close();
    }
  },
);

test('reads keep answering while another connection runs a long batched write', async () => {
  const db = await openTestDatabase();
  const pool = db.pool(4);
  try {
    await pool.query('CREATE TABLE big (id int PRIMARY KEY, v text)');
    const writer = await pool.connect();
    let writing = true;
    let readsDuringWrite = 0;
    const write = (async () => {
      // The recommended shape: many short statements (no transaction held across them).
      for (let batch = 0; batch < 40; batch++) {
        const ids = Array.from({ length: 5000 }, (_, i) => batch * 5000 + i);
        await writer.query('INSERT INTO big SELECT id, md5(id::text) FROM unnest($1::int[]) AS id', [ids]);
      }
      writing = false;
    })();
    const read = (async () => {
      while (writing) {
        const r = await pool.query('SELECT count(*)::int AS n FROM big');
        if (writing) readsDuringWrite++;
        assert.ok(r.rows[0].n >= 0);
      }
    })();
    await Promise.all([write, read]);
    writer.release();
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM big');
    assert.equal(rows[0].n, 200_000);
    assert.ok(readsDuringWrite >= 10, `only ${readsDuringWrite} reads answered during the write`);
  } finally {
    await db.close();
  }
});

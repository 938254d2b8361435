// A second process that writes to the test database while an api serves it: reads one JSON command per line on
// stdin, answers `ok` (or `error: ...`) per line. `sql` runs a statement; `reanalyze` re-stages a dictionary's
// rows with every label suffixed and swaps them in, the way a re-analysis replaces a dictionary's rows.
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createStaging, PARTITIONED_TABLES, stagingName, swapIn } from '@atlas/migrations';

type Command = { sql: string; params?: unknown[] } | { reanalyze: number; dIn: number; suffix: string };

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });

async function run(command: Command): Promise<void> {
  if ('sql' in command) {
    await pool.query(command.sql, command.params);
    return;
  }
  const id = command.reanalyze;
  const client = await pool.connect();
  try {
    await createStaging(client, id);
    for (const table of PARTITIONED_TABLES) {
      const { rows } = await client.query<{ columns: string }>(
        `SELECT string_agg(quote_ident(column_name), ', ') AS columns FROM information_schema.columns
          WHERE table_name = $1 AND is_generated = 'NEVER'`,
        [table],
      );
      const columns = rows[0].columns; // generated columns (the search vector) are computed again
      await client.query(
        `INSERT INTO ${stagingName(table, id)} (${columns}) SELECT ${columns} FROM ${table} WHERE dictionary_id = $1`,
        [id],
      );
    }
    await client.query(`UPDATE ${stagingName('features', id)} SET label = coalesce(label, '') || $1`, [command.suffix]);
    await swapIn(client, id, command.dIn);
  } finally {
    client.release();
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  try {
    await run(JSON.parse(line) as Command);
    process.stdout.write('ok\n');
  } catch (err) {
    process.stdout.write(`error: ${(err as Error).message.replace(/\n/g, ' ')}\n`);
  }
}
await pool.end();

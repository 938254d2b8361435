// A second process that writes to the test database while an api serves it: reads one JSON command per line on
// stdin, answers `ok` (or `error: ...`) per line. `sql` runs a statement; `reanalyze` re-stages a dictionary's
// rows with every label suffixed and swaps them in, the way a re-analysis replaces a dictionary's rows.
import { createInterface } from 'node:readline';
import pg from 'pg';
import { restageDictionary } from './restageDictionary.js';

type Command = { sql: string; params?: unknown[] } | { reanalyze: number; dIn: number; suffix: string };

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });

async function run(command: Command): Promise<void> {
  if ('sql' in command) {
    await pool.query(command.sql, command.params);
    return;
  }
  const client = await pool.connect();
  try {
    await restageDictionary(client, command.reanalyze, command.dIn, command.suffix);
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

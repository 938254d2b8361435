// A re-analysis as the database sees it, for tests: a dictionary's rows staged again (every label suffixed) and
// swapped in by the same partition swap the analysis pipeline ends with.
import type { PoolClient } from 'pg';
import { createStaging, PARTITIONED_TABLES, stagingName, swapIn } from '@atlas/migrations';

export async function restageDictionary(
  client: PoolClient,
  id: number,
  dIn: number,
  labelSuffix: string,
): Promise<void> {
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
  await client.query(`UPDATE ${stagingName('features', id)} SET label = coalesce(label, '') || $1`, [labelSuffix]);
  await swapIn(client, id, dIn);
}

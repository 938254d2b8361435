// A dictionary's features and examples live in partitions of their own. They are written into staging tables
// (no transaction held while loading, so other connections keep working) and swapped in by one short
// transaction: detach and drop the old partitions, rename the staged tables, attach them. Readers see the old
// rows or the new ones, never a mix, and a re-run replaces instead of duplicating.
import type { PoolClient } from 'pg';
import { assertSqlInteger, createDecoderIndexSql } from './decoderIndex.js';

export const PARTITIONED_TABLES = ['features', 'feature_examples', 'feature_tokens'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export function partitionName(table: PartitionedTable, dictionaryId: number): string {
  assertSqlInteger('dictionary id', dictionaryId, 0);
  return `${table}_d${dictionaryId}`;
}

export function stagingName(table: PartitionedTable, dictionaryId: number): string {
  return `${partitionName(table, dictionaryId)}_next`;
}

/**
 * (Re)create empty staging tables shaped like the parents, with their indexes (so ATTACH adopts them instead of
 * building them inside the swap) and a CHECK that lets ATTACH skip its validation scan. Drops a staging table
 * left by an interrupted load.
 */
export async function createStaging(client: PoolClient, dictionaryId: number): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    const staging = stagingName(table, dictionaryId);
    await client.query(`DROP TABLE IF EXISTS ${staging}`);
    await client.query(`CREATE TABLE ${staging} (LIKE ${table} INCLUDING ALL)`);
    await client.query(
      `ALTER TABLE ${staging} ADD CONSTRAINT ${staging}_dictionary CHECK (dictionary_id = ${dictionaryId})`,
    );
  }
}

async function exists(client: PoolClient, name: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
  return rows[0].present as boolean;
}

/** Build the HNSW index on the staged features (in bulk, before anyone sees them), then swap the staged tables in. */
export async function swapIn(client: PoolClient, dictionaryId: number, dIn: number): Promise<void> {
  const live = (t: PartitionedTable) => partitionName(t, dictionaryId);
  const hnsw = createDecoderIndexSql(stagingName('features', dictionaryId), `${live('features')}_hnsw_next`, dIn);
  if (hnsw) await client.query(hnsw);
  // Fresh statistics, or the planner guesses a handful of rows and skips the HNSW index.
  for (const table of PARTITIONED_TABLES) await client.query(`ANALYZE ${stagingName(table, dictionaryId)}`);
  const present: boolean[] = [];
  for (const t of PARTITIONED_TABLES) present.push(await exists(client, live(t))); // one client: one query at a time
  await client.query('BEGIN');
  try {
    for (const [i, table] of PARTITIONED_TABLES.entries()) {
      if (present[i]) {
        await client.query(`ALTER TABLE ${table} DETACH PARTITION ${live(table)}`);
        await client.query(`DROP TABLE ${live(table)}`);
      }
      await client.query(`ALTER TABLE ${stagingName(table, dictionaryId)} RENAME TO ${live(table)}`);
      await client.query(`ALTER TABLE ${table} ATTACH PARTITION ${live(table)} FOR VALUES IN (${dictionaryId})`);
    }
    if (hnsw) await client.query(`ALTER INDEX ${live('features')}_hnsw_next RENAME TO ${live('features')}_hnsw`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/** Remove a dictionary's rows (its partitions and any staging left behind). */
export async function dropPartitions(client: PoolClient, dictionaryId: number): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    await client.query(`DROP TABLE IF EXISTS ${stagingName(table, dictionaryId)}`);
    await client.query(`DROP TABLE IF EXISTS ${partitionName(table, dictionaryId)}`);
  }
}

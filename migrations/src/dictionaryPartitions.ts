// A dictionary's features and examples live in partitions of their own. They are written into staging tables
// (no transaction held while loading, so other connections keep working) and swapped in by one short
// transaction: detach and drop the old partitions, rename the staged tables, attach them. Readers see the old
// rows or the new ones, never a mix, and a re-run replaces instead of duplicating.
import type { PoolClient } from 'pg';
import { AnalysisClaimLost, lockAnalysisClaim, type AnalysisClaim } from './analysisClaims.js';
import { assertSqlInteger, createDecoderIndexSql } from './decoderIndex.js';
import { bumpDictionaryVersion } from './readVersions.js';

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
 * When a staging table gets its indexes. `at-swap` (PostgreSQL): built in bulk after the load (see indexStaging: a
 * sort-built btree or GIN costs a fraction of row-by-row maintenance), which readers never wait for there.
 * `before-load` (the embedded engine, which runs one statement at a time): built on the empty tables, so the load
 * maintains them in its own short statements instead of one long CREATE INDEX (HNSW: ~11 s for 8,192 decoders of
 * 512 dimensions) during which every reader waits.
 */
export type StagingIndexes = 'at-swap' | 'before-load';

/**
 * (Re)create empty staging tables shaped like the parents, with a CHECK that lets ATTACH skip its validation scan;
 * with `before-load`, also their indexes (the HNSW one needs `dIn`). Drops a staging table left by an interrupted
 * load.
 */
export async function createStaging(
  client: PoolClient,
  dictionaryId: number,
  indexes: { when: StagingIndexes; dIn?: number } = { when: 'at-swap' },
): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    const staging = stagingName(table, dictionaryId);
    await client.query(`DROP TABLE IF EXISTS ${staging}`);
    await client.query(`CREATE TABLE ${staging} (LIKE ${table} INCLUDING ALL EXCLUDING INDEXES)`);
    await client.query(
      `ALTER TABLE ${staging} ADD CONSTRAINT ${staging}_dictionary CHECK (dictionary_id = ${dictionaryId})`,
    );
    if (indexes.when === 'before-load') await indexStaging(client, table, dictionaryId);
  }
  if (indexes.when === 'before-load' && indexes.dIn !== undefined) {
    const hnsw = createDecoderIndexSql(
      stagingName('features', dictionaryId),
      hnswStagingName(dictionaryId),
      indexes.dIn,
    );
    if (hnsw) await client.query(hnsw);
  }
}

function hnswStagingName(dictionaryId: number): string {
  return `${partitionName('features', dictionaryId)}_hnsw_next`;
}

/** `CREATE [UNIQUE] INDEX name ON [ONLY] table USING ...` as pg_get_indexdef writes it. */
const INDEX_DEF = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$/;

/**
 * Give a loaded staging table every index of its parent, so ATTACH adopts them instead of building them inside
 * the swap: primary keys and unique constraints as constraints (ATTACH matches those only to constraint
 * indexes), the rest as plain indexes. Names are left to Postgres so they never collide with the live partition's.
 */
export async function indexStaging(client: PoolClient, table: PartitionedTable, dictionaryId: number): Promise<void> {
  const staging = stagingName(table, dictionaryId);
  // A swap interrupted after some builds left them behind: start from none, so a resumed swap cannot collide.
  const { rows: built } = await client.query<{ name: string; constraint: string | null }>(
    `SELECT i.relname AS name, c.conname AS constraint
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
      WHERE x.indrelid = $1::regclass`,
    [staging],
  );
  for (const { name, constraint } of built)
    await client.query(constraint ? `ALTER TABLE ${staging} DROP CONSTRAINT "${constraint}"` : `DROP INDEX "${name}"`);
  const { rows } = await client.query<{ def: string; constraint: string | null }>(
    `SELECT pg_get_indexdef(x.indexrelid) AS def, pg_get_constraintdef(c.oid) AS constraint
       FROM pg_index x LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
      WHERE x.indrelid = $1::regclass ORDER BY x.indexrelid`,
    [table],
  );
  for (const { def, constraint } of rows) {
    if (constraint) {
      await client.query(`ALTER TABLE ${staging} ADD ${constraint}`);
      continue;
    }
    const parts = INDEX_DEF.exec(def);
    if (!parts) throw new Error(`cannot rebuild index of ${table} on ${staging}: unexpected definition ${def}`);
    await client.query(`CREATE ${parts[1] ?? ''}INDEX ON ${staging} ${parts[2]}`);
  }
}

async function exists(client: PoolClient, name: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
  return rows[0].present as boolean;
}

/**
 * Build the staged tables' indexes (in bulk, before anyone sees them; not with `before-load`, where the load kept
 * them), then swap the staged tables in. With `fence`, the swap happens only while that analysis claim is still held
 * (checked and locked inside the swap's transaction).
 */
export async function swapIn(
  client: PoolClient,
  dictionaryId: number,
  dIn: number,
  indexes: StagingIndexes = 'at-swap',
  fence?: AnalysisClaim,
): Promise<void> {
  const live = (t: PartitionedTable) => partitionName(t, dictionaryId);
  if (indexes === 'at-swap') for (const table of PARTITIONED_TABLES) await indexStaging(client, table, dictionaryId);
  // IF NOT EXISTS: with `before-load` it exists unless the load was interrupted before it was built.
  const hnsw = createDecoderIndexSql(stagingName('features', dictionaryId), hnswStagingName(dictionaryId), dIn);
  if (hnsw) await client.query(hnsw);
  // Fresh statistics, or the planner guesses a handful of rows and skips the HNSW index. Array columns are left
  // out: no query filters on them, and their element statistics cost as much as loading the token windows.
  for (const table of PARTITIONED_TABLES) {
    const { rows } = await client.query<{ columns: string }>(
      `SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND t.typcategory <> 'A'`,
      [table],
    );
    await client.query(`ANALYZE ${stagingName(table, dictionaryId)} (${rows[0].columns})`);
  }
  const present: boolean[] = [];
  for (const t of PARTITIONED_TABLES) present.push(await exists(client, live(t))); // one client: one query at a time
  await client.query('BEGIN');
  try {
    if (fence && !(await lockAnalysisClaim(client, fence))) throw new AnalysisClaimLost(fence);
    for (const [i, table] of PARTITIONED_TABLES.entries()) {
      if (present[i]) {
        await client.query(`ALTER TABLE ${table} DETACH PARTITION ${live(table)}`);
        await client.query(`DROP TABLE ${live(table)}`);
      }
      await client.query(`ALTER TABLE ${stagingName(table, dictionaryId)} RENAME TO ${live(table)}`);
      await client.query(`ALTER TABLE ${table} ATTACH PARTITION ${live(table)} FOR VALUES IN (${dictionaryId})`);
    }
    if (hnsw) await client.query(`ALTER INDEX ${live('features')}_hnsw_next RENAME TO ${live('features')}_hnsw`);
    await bumpDictionaryVersion(client, dictionaryId);
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
  // After the drops: an answer read between a drop and the bump is cached under the old version, which this ends.
  await bumpDictionaryVersion(client, dictionaryId);
}

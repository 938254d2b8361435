// The read versions the caches are keyed by (migration ReadVersions): triggers bump them on every write; the
// partition swap, which is DDL, bumps its dictionary here. A reader reads the generation, which any bump raises,
// with only the scopes bumped since its last read.
import type { PoolClient } from 'pg';

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const GENERATION_SCOPE = 'generation';
export const ATLAS_SCOPE = 'atlas';
export const dictionaryScope = (id: number) => `dictionary:${id}`;
export const explanationsScope = (id: number) => `explanations:${id}`;
export const featureExplanationsScope = (id: number, index: number) => `explanations:${id}:${index}`;
/** The index of feature lists, and one list with its items (migration FeatureLists). */
export const LISTS_SCOPE = 'lists';
export const listScope = (id: number) => `list:${id}`;

/** Raise a dictionary's data version (and the generation), in the caller's transaction when it has one. */
export async function bumpDictionaryVersion(client: PoolClient, dictionaryId: number): Promise<void> {
  await client.query(`SELECT atlas_bump_read_versions(ARRAY[$1::text])`, [dictionaryScope(dictionaryId)]);
}

/** pg (and TypeORM's query) answer rows differently: an array, or a result with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/**
 * Every scope's version, the generation among them; with `since`, only the generation and the scopes bumped after
 * that generation (one statement: a reader that finds the generation unchanged gets one row).
 */
export async function readAllVersions(q: Queryable, since?: string): Promise<Map<string, string>> {
  const rows = rowsOf<{ scope: string; version: string }>(
    since === undefined
      ? await q.query(`SELECT scope, version::text AS version FROM read_versions`)
      : await q.query(
          `SELECT scope, version::text AS version FROM read_versions WHERE scope = '${GENERATION_SCOPE}' OR generation > $1::bigint`,
          [since],
        ),
  );
  return new Map(rows.map((r) => [r.scope, r.version]));
}

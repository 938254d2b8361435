// The database as liveness checks see it: reachable at all, and which engine and pgvector it runs.
import type { DataSource } from 'typeorm';

/** The server's version() text and the installed pgvector version. */
export async function databaseVersions(ds: DataSource): Promise<{ version: string; vector: string }> {
  const [row] = (await ds.query(
    `SELECT version() AS version, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
  )) as { version: string; vector: string }[];
  return row;
}

/** True when the database answers a trivial statement: what /healthz reports to orchestrators. */
export async function databaseReachable(ds: DataSource): Promise<boolean> {
  try {
    await ds.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

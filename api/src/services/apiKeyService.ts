// API keys as stored: only their SHA-256 and a short prefix to name them by (auth/apiKeys.ts makes and checks keys).
import { ApiKey } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

/** Store a new key's hash and prefix; its id. */
export async function insertApiKey(ds: DataSource, name: string, keyHash: string, prefix: string): Promise<number> {
  const [row] = (await ds.query(`INSERT INTO api_keys (name, key_hash, prefix) VALUES ($1, $2, $3) RETURNING id`, [
    name,
    keyHash,
    prefix,
  ])) as { id: number }[];
  return row.id;
}

/** The key stored with this hash, revoked or not. */
export async function apiKeyByHash(
  ds: DataSource,
  keyHash: string,
): Promise<{ id: number; name: string; revoked_at: Date | null } | undefined> {
  const rows = (await ds.query(`SELECT id, name, revoked_at FROM api_keys WHERE key_hash = $1`, [keyHash])) as {
    id: number;
    name: string;
    revoked_at: Date | null;
  }[];
  return rows[0];
}

export async function listApiKeys(ds: DataSource): Promise<ApiKey[]> {
  return ds.getRepository(ApiKey).find({ order: { id: 'ASC' } });
}

/** Revoke the unrevoked keys with this prefix; how many there were. */
export async function revokeApiKey(ds: DataSource, prefix: string): Promise<number> {
  const rows = (await ds.query(
    `WITH r AS (UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING id) SELECT count(*)::int AS n FROM r`,
    [prefix],
  )) as { n: number }[];
  return rows[0].n;
}

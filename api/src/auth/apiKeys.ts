// API keys: shown once at creation, stored only as SHA-256, sent as `Authorization: Bearer <key>`.
import { createHash, randomBytes } from 'node:crypto';
import { ApiKey } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Create a key; the returned plaintext is never stored. */
export async function createApiKey(ds: DataSource, name: string): Promise<{ key: string; prefix: string; id: number }> {
  const key = `atlas_${randomBytes(24).toString('base64url')}`;
  const prefix = key.slice(0, 12);
  const [row] = (await ds.query(`INSERT INTO api_keys (name, key_hash, prefix) VALUES ($1, $2, $3) RETURNING id`, [
    name,
    hashKey(key),
    prefix,
  ])) as { id: number }[];
  return { key, prefix, id: row.id };
}

export type KeyCheck =
  { status: 'none' } | { status: 'invalid' } | { status: 'revoked' } | { status: 'ok'; id: number; name: string };

/** Check an Authorization header. */
export async function checkApiKey(ds: DataSource, authorization: string | undefined): Promise<KeyCheck> {
  if (!authorization) return { status: 'none' };
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!m) return { status: 'invalid' };
  const rows = (await ds.query(`SELECT id, name, revoked_at FROM api_keys WHERE key_hash = $1`, [hashKey(m[1])])) as {
    id: number;
    name: string;
    revoked_at: Date | null;
  }[];
  const row = rows[0];
  if (!row) return { status: 'invalid' };
  if (row.revoked_at) return { status: 'revoked' };
  return { status: 'ok', id: row.id, name: row.name };
}

export async function listApiKeys(ds: DataSource): Promise<ApiKey[]> {
  return ds.getRepository(ApiKey).find({ order: { id: 'ASC' } });
}

export async function revokeApiKey(ds: DataSource, prefix: string): Promise<number> {
  const rows = (await ds.query(
    `WITH r AS (UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING id) SELECT count(*)::int AS n FROM r`,
    [prefix],
  )) as { n: number }[];
  return rows[0].n;
}

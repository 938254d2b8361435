// API keys: shown once at creation, stored only as SHA-256 (services/apiKeyService.ts), sent as
// `Authorization: Bearer <key>`.
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { apiKeyByHash, insertApiKey } from '../services/apiKeyService.js';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Create a key; the returned plaintext is never stored. */
export async function createApiKey(ds: DataSource, name: string): Promise<{ key: string; prefix: string; id: number }> {
  const key = `atlas_${randomBytes(24).toString('base64url')}`;
  const prefix = key.slice(0, 12);
  const id = await insertApiKey(ds, name, hashKey(key), prefix);
  return { key, prefix, id };
}

export type KeyCheck =
  { status: 'none' } | { status: 'invalid' } | { status: 'revoked' } | { status: 'ok'; id: number; name: string };

/** Check an Authorization header. */
export async function checkApiKey(ds: DataSource, authorization: string | undefined): Promise<KeyCheck> {
  if (!authorization) return { status: 'none' };
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!m) return { status: 'invalid' };
  const row = await apiKeyByHash(ds, hashKey(m[1]));
  if (!row) return { status: 'invalid' };
  if (row.revoked_at) return { status: 'revoked' };
  return { status: 'ok', id: row.id, name: row.name };
}

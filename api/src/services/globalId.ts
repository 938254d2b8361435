// Relay global ids: base64url of `Type:key`, opaque to clients.
import { PublicError } from '../errors.js';

export function featureId(dictionaryId: number, index: number): string {
  return Buffer.from(`Feature:${dictionaryId}:${index}`).toString('base64url');
}

export function dictionaryGlobalId(id: number): string {
  return Buffer.from(`Dictionary:${id}`).toString('base64url');
}

export type ParsedId = { type: 'Feature'; dictionaryId: number; index: number } | { type: 'Dictionary'; id: number };

/** Ids are Postgres `int`: larger numbers are not ids of anything. */
export const MAX_ID = 2 ** 31 - 1;

const small = (digits: string) => Number(digits) <= MAX_ID;

export function parseGlobalId(id: string): ParsedId {
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const f = /^Feature:(\d{1,10}):(\d{1,10})$/.exec(text);
  if (f && small(f[1]) && small(f[2])) return { type: 'Feature', dictionaryId: Number(f[1]), index: Number(f[2]) };
  const d = /^Dictionary:(\d{1,10})$/.exec(text);
  if (d && small(d[1])) return { type: 'Dictionary', id: Number(d[1]) };
  throw new PublicError('BAD_USER_INPUT', `"${id}" is not an atlas id; use the id field of a Feature or Dictionary.`);
}

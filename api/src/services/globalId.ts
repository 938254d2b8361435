// Global ids of features: base64url of `Feature:dictionary:index`, opaque to clients. Dictionaries, jobs and
// explanations are addressed by their numeric ids.
import { PublicError } from '../errors.js';

export function featureId(dictionaryId: number, index: number): string {
  return Buffer.from(`Feature:${dictionaryId}:${index}`).toString('base64url');
}

/** Ids are Postgres `int`: larger numbers are not ids of anything. */
export const MAX_ID = 2 ** 31 - 1;

const small = (digits: string) => Number(digits) <= MAX_ID;

/** The dictionary and index of a Feature's global id; BAD_USER_INPUT naming `argument` for anything else. */
export function parseFeatureId(argument: string, id: string): { dictionaryId: number; index: number } {
  const f = /^Feature:(\d{1,10}):(\d{1,10})$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (f && small(f[1]) && small(f[2])) return { dictionaryId: Number(f[1]), index: Number(f[2]) };
  throw new PublicError(
    'BAD_USER_INPUT',
    `${argument} "${id}" is not a feature id; pass the id field of a Feature (a dictionary is fetched by its own id with dictionary(id:)).`,
  );
}

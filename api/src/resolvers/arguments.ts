// Argument checks shared by resolvers: one place, messages that give the bound or the fix.
import type { Dictionary } from '@atlas/migrations';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { MAX_ID } from '../services/globalId.js';

export function requireRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new PublicError('BAD_USER_INPUT', `${name} must be an integer from ${min} to ${max} (got ${value}).`);
}

/** A fraction argument (an F1, a share) in [0, 1], or BAD_USER_INPUT naming it. */
export function requireFraction(name: string, value: number | null | undefined): void {
  if (value != null && !(value >= 0 && value <= 1))
    throw new PublicError('BAD_USER_INPUT', `${name} must be a number from 0 to 1 (got ${value}).`);
}

/** A dictionary id's number; BAD_USER_INPUT naming `argument` (e.g. `dictionaryIds[1]`) when it is not one. */
export function parseDictionaryId(id: string, argument = 'dictionaryId'): number {
  const n = Number(id);
  if (!/^\d{1,10}$/.test(id) || n > MAX_ID)
    throw new PublicError(
      'BAD_USER_INPUT',
      `${argument} "${id}" is not a dictionary id; list them with { dictionaries { id } }.`,
    );
  return n;
}

export async function requireDictionary(ctx: Context, id: string, argument?: string): Promise<Dictionary> {
  const dictionary = await ctx.loaders.dictionary.load(parseDictionaryId(id, argument));
  if (!dictionary)
    throw new PublicError('NOT_FOUND', `no dictionary ${id}; list them with { dictionaries { id name } }.`);
  return dictionary;
}

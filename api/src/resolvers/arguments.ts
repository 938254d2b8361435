// Argument checks shared by resolvers: one place, messages that give the bound or the fix.
import type { Dictionary } from '@atlas/migrations';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { MAX_ID } from '../services/globalId.js';

export function requireRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new PublicError('BAD_USER_INPUT', `${name} must be an integer from ${min} to ${max} (got ${value}).`);
}

export function parseDictionaryId(id: string): number {
  const n = Number(id);
  if (!/^\d{1,10}$/.test(id) || n > MAX_ID)
    throw new PublicError(
      'BAD_USER_INPUT',
      `dictionaryId "${id}" is not a dictionary id; list them with { dictionaries { id } }.`,
    );
  return n;
}

export async function requireDictionary(ctx: Context, id: string): Promise<Dictionary> {
  const dictionary = await ctx.loaders.dictionary.load(parseDictionaryId(id));
  if (!dictionary)
    throw new PublicError('NOT_FOUND', `no dictionary ${id}; list them with { dictionaries { id name } }.`);
  return dictionary;
}

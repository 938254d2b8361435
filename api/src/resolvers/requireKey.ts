// The one gate of mutations (and of reads on a closed atlas): a valid, unrevoked API key, or an error that says
// how to get one.
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';

const HOW =
  'send `Authorization: Bearer <key>`; an operator creates one with `npm run api:key -- create --name <you>`.';

/** Mutations (and reads, when reads are closed) need a valid, unrevoked key. */
export async function requireKey(ctx: Context): Promise<{ id: number; name: string }> {
  const check = await ctx.apiKey();
  if (check.status === 'ok') return { id: check.id, name: check.name };
  if (check.status === 'revoked')
    throw new PublicError('FORBIDDEN', `this API key has been revoked; ask for a new one.`);
  if (check.status === 'invalid') throw new PublicError('UNAUTHENTICATED', `the API key is not valid; ${HOW}`);
  throw new PublicError('UNAUTHENTICATED', `this needs an API key; ${HOW}`);
}

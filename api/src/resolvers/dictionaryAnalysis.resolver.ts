// A dictionary's analysis: how many features never or rarely fired on the analysed tokens (batched per request).
import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { DictionaryAnalysis } from '../schema/dictionary.type.js';
import { RARE_FIRINGS } from '../services/dictionaryService.js';

@Resolver(() => DictionaryAnalysis)
export class DictionaryAnalysisResolver {
  @FieldResolver(() => Int, { description: 'Features that never fired on the analysed tokens.' })
  async neverFired(@Root() a: DictionaryAnalysis, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.firingCounts.load({ dictionaryId: a.dictionaryId, tokens: a.tokens })).neverFired;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: `Features that fired on 1 to ${RARE_FIRINGS} of the analysed tokens; null when tokens is unknown.`,
  })
  async rarelyFired(@Root() a: DictionaryAnalysis, @Ctx() ctx: Context): Promise<number | null> {
    return (await ctx.loaders.firingCounts.load({ dictionaryId: a.dictionaryId, tokens: a.tokens })).rarelyFired;
  }
}

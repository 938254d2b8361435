// Explanations of features: read (batched per request) and added by people with an API key.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { requireKey } from './requireKey.js';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Feature } from '../schema/feature.type.js';
import { Explanation } from '../schema/job.type.js';
import { addHumanExplanation } from '../services/explanationService.js';
import type { ExplanationRow } from '../services/features/featureBatches.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { requireDictionary, requireRange } from './arguments.js';

@Resolver(() => Feature)
export class ExplanationResolver {
  @FieldResolver(() => [Explanation], { description: 'Explanations of this feature, newest first.' })
  explanations(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<ExplanationRow[]> {
    return ctx.loaders.explanations.load(f);
  }

  @Mutation(() => Explanation, { description: "Add a person's explanation of a feature. Needs an API key." })
  async setExplanation(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('index', () => Int) index: number,
    @Arg('text', () => String) text: string,
    @Ctx() ctx: Context,
  ): Promise<ExplanationRow> {
    const key = await requireKey(ctx);
    const d = await requireDictionary(ctx, dictionaryId);
    requireRange('index', index, 0, d.nLatents - 1);
    const clean = text.trim();
    if (clean.length < 1 || clean.length > 2000)
      throw new PublicError('BAD_USER_INPUT', `text must be 1 to 2,000 characters (got ${clean.length}).`);
    return addHumanExplanation(ctx.dataSource, { dictionaryId: d.id, index }, clean, key.name);
  }
}

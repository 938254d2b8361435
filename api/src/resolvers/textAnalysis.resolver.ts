// analyzeText in GraphQL: argument checks, then the api's TextAnalyzer (the worker's inference core underneath);
// refusals from either side become BAD_USER_INPUT, and each activation resolves to its stored feature, if any.
import { InferenceRefused } from '@atlas/worker/inference/errors';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Feature } from '../schema/feature.type.js';
import { TextAnalysis, TokenFeatureActivation } from '../schema/textAnalysis.type.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { AnalysisRefused, MAX_ANALYSIS_DICTIONARIES, MAX_TOP_K } from '../services/textAnalysisService.js';
import { requireDictionary, requireRange } from './arguments.js';

@Resolver(() => TokenFeatureActivation)
export class TextAnalysisResolver {
  @Query(() => TextAnalysis, {
    description:
      'Run the model and the dictionaries on a text now; per token, the strongest features (all dictionaries must share one model).',
  })
  async analyzeText(
    @Arg('text', () => String) text: string,
    @Arg('dictionaryIds', () => [ID]) dictionaryIds: string[],
    @Arg('topK', () => Int, { defaultValue: 5 }) topK: number,
    @Ctx() ctx: Context,
  ): Promise<TextAnalysis> {
    requireRange('topK', topK, 1, MAX_TOP_K);
    const ids = [...new Set(dictionaryIds)];
    if (ids.length === 0 || ids.length > MAX_ANALYSIS_DICTIONARIES)
      throw new PublicError(
        'BAD_USER_INPUT',
        `dictionaryIds must name 1 to ${MAX_ANALYSIS_DICTIONARIES} dictionaries (got ${ids.length}).`,
      );
    const dictionaries = await Promise.all(ids.map((id) => requireDictionary(ctx, id, 'dictionaryIds')));
    try {
      const result = await ctx.textAnalyzer.analyze(ctx.dataSource, dictionaries, text, topK, ctx.signal);
      return {
        ...result,
        tokens: result.tokens.map((t) => ({
          ...t,
          features: t.features.map((f) => ({ ...f, dictionaryId: String(f.dictionaryId) })),
        })),
      };
    } catch (err) {
      // Both carry messages written for the client: the api's request checks, the inference core's fit checks.
      if (err instanceof AnalysisRefused || err instanceof InferenceRefused)
        throw new PublicError('BAD_USER_INPUT', err.message);
      throw err;
    }
  }

  @FieldResolver(() => Feature, { nullable: true })
  async feature(@Root() activation: TokenFeatureActivation, @Ctx() ctx: Context): Promise<Feature | null> {
    const row: FeatureRow | undefined = await ctx.loaders.feature.load({
      dictionaryId: Number(activation.dictionaryId),
      index: activation.index,
    });
    return (row as Feature | undefined) ?? null;
  }
}

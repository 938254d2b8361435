// searchByText in GraphQL (Neuronpedia's search-all): argument checks, the text run through the dictionaries, and
// the features ranked by their largest activation on it, filtered by their stored density.
import { InferenceRefused } from '@atlas/worker/inference/errors';
import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Feature } from '../schema/feature.type.js';
import { TextSearch, TextSearchFeature } from '../schema/searchByText.type.js';
import { searchByText } from '../services/activationSearch.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { AnalysisRefused, MAX_TEXT_TOKENS } from '../services/textAnalysisService.js';
import { requireDictionary, requireRange } from './arguments.js';
import { MAX_PAGE } from './feature.resolver.js';

/** Dictionaries one search may run (each is an encoder pass; the analyzer keeps 8 loaded). */
export const MAX_SEARCH_DICTIONARIES = 16;

const bad = (message: string) => new PublicError('BAD_USER_INPUT', message);

@Resolver(() => TextSearchFeature)
export class SearchByTextResolver {
  @Query(() => TextSearch, {
    description:
      'Run the dictionaries (of one model, at any hooks) on a text now and rank their features by their largest ' +
      'activation over it (or at `positions`).',
  })
  async searchByText(
    @Arg('text', () => String) text: string,
    @Arg('dictionaryIds', () => [ID]) dictionaryIds: string[],
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('ignoreBos', () => Boolean, {
      defaultValue: true,
      description:
        'Leave the BOS position out of the ranking. Only true is offered: activations are read at text tokens only.',
    })
    ignoreBos: boolean,
    @Arg('maxDensity', () => Float, {
      nullable: true,
      description: 'Leave out features firing on more than this fraction of tokens (and those with no stored density).',
    })
    maxDensity: number | null,
    @Arg('positions', () => [Int], { nullable: true, description: 'Token positions to rank by; null: all.' })
    positions: number[] | null,
    @Ctx() ctx: Context,
  ): Promise<TextSearch> {
    requireRange('first', first, 1, MAX_PAGE);
    if (!ignoreBos)
      throw bad('ignoreBos: false is not offered; the atlas reads activations at the text tokens only, never at BOS.');
    if (maxDensity != null && !(maxDensity >= 0 && maxDensity <= 1))
      throw bad(`maxDensity must be a fraction from 0 to 1 (got ${maxDensity}).`);
    if (positions) {
      if (positions.length === 0) throw bad('positions is empty; omit it to rank over every token.');
      const p = positions.find((x) => !Number.isInteger(x) || x < 0 || x >= MAX_TEXT_TOKENS);
      if (p !== undefined) throw bad(`positions: ${p} is not a token position (0 to ${MAX_TEXT_TOKENS - 1}).`);
    }
    const ids = [...new Set(dictionaryIds)];
    if (ids.length === 0 || ids.length > MAX_SEARCH_DICTIONARIES)
      throw bad(`dictionaryIds must name 1 to ${MAX_SEARCH_DICTIONARIES} dictionaries (got ${ids.length}).`);
    const dictionaries = await Promise.all(ids.map((id) => requireDictionary(ctx, id, 'dictionaryIds')));
    let result;
    try {
      result = await searchByText(ctx.textAnalyzer, ctx.dataSource, dictionaries, text, positions, ctx.signal);
    } catch (err) {
      if (err instanceof AnalysisRefused || err instanceof InferenceRefused) throw bad(err.message);
      throw err;
    }
    let features = result.features;
    if (maxDensity != null) {
      const rows = await Promise.all(
        features.map((f) => ctx.loaders.feature.load({ dictionaryId: f.dictionaryId, index: f.index })),
      );
      features = features.filter((_, i) => rows[i]?.density != null && rows[i]!.density! <= maxDensity);
    }
    return {
      ...result,
      features: features.slice(0, first).map((f) => ({ ...f, dictionaryId: String(f.dictionaryId) })),
    };
  }

  @FieldResolver(() => Feature, { nullable: true })
  async feature(@Root() hit: TextSearchFeature, @Ctx() ctx: Context): Promise<Feature | null> {
    const row: FeatureRow | undefined = await ctx.loaders.feature.load({
      dictionaryId: Number(hit.dictionaryId),
      index: hit.index,
    });
    return (row as Feature | undefined) ?? null;
  }
}

// Finding features: nearest to a vector or a feature's decoder, by peak token, and by label or explanation text.
import { Arg, Ctx, Float, ID, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Feature, FeatureNeighbor } from '../schema/feature.type.js';
import { SearchHit, TokenMatch } from '../schema/search.type.js';
import { searchFeatures } from '../services/features/textSearch.js';
import { featuresByToken } from '../services/features/tokenSearch.js';
import { decoderOf, nearestInDictionary } from '../services/features/vectorSearch.js';
import { parseFeatureId } from '../services/globalId.js';
import { requireDictionary, requireRange } from './arguments.js';
import { MAX_PAGE } from './feature.resolver.js';

@Resolver()
export class SearchResolver {
  @Query(() => [FeatureNeighbor], {
    description:
      "Nearest features to a vector (or to a feature's decoder) by cosine, across dictionaries of that width. HNSW by default; exact: true scans.",
  })
  async similarFeatures(
    @Arg('vector', () => [Float], { nullable: true }) vector: number[] | null | undefined,
    @Arg('featureId', () => ID, { nullable: true }) featureId: string | null | undefined,
    @Arg('dictionaryIds', () => [ID]) dictionaryIds: string[],
    @Arg('k', () => Int, { defaultValue: 10 }) k: number,
    @Arg('minCosine', () => Float, { nullable: true }) minCosine: number | null | undefined,
    @Arg('exact', () => Boolean, { defaultValue: false }) exact: boolean,
    @Ctx() ctx: Context,
  ): Promise<FeatureNeighbor[]> {
    requireRange('k', k, 1, MAX_PAGE);
    if ((vector == null) === (featureId == null))
      throw new PublicError('BAD_USER_INPUT', 'give exactly one of vector or featureId.');
    if (dictionaryIds.length === 0 || dictionaryIds.length > 20)
      throw new PublicError(
        'BAD_USER_INPUT',
        `dictionaryIds must name 1 to 20 dictionaries (got ${dictionaryIds.length}).`,
      );
    let query = vector ?? undefined;
    if (featureId != null) {
      const parsed = parseFeatureId('featureId', featureId);
      const d = await requireDictionary(ctx, String(parsed.dictionaryId));
      query = await decoderOf(ctx.dataSource, parsed, d.dIn);
      if (!query)
        throw new PublicError('NOT_FOUND', `no feature ${parsed.index} in dictionary ${parsed.dictionaryId}.`);
    }
    const q = query!;
    if (!q.every(Number.isFinite)) throw new PublicError('BAD_USER_INPUT', 'vector has a NaN or infinite value.');
    if (!q.some((x) => x !== 0)) throw new PublicError('BAD_USER_INPUT', 'vector is all zeros; cosine is undefined.');
    const found: { dictionaryId: number; index: number; cosine: number }[] = [];
    for (const [i, id] of dictionaryIds.entries()) {
      const d = await requireDictionary(ctx, id, `dictionaryIds[${i}]`);
      if (d.dIn !== q.length)
        throw new PublicError(
          'BAD_USER_INPUT',
          `vector has ${q.length} values but dictionary ${d.id} has d_in ${d.dIn}.`,
        );
      for (const n of await nearestInDictionary(ctx.dataSource, d, q, k, exact))
        found.push({ dictionaryId: d.id, index: n.index, cosine: n.cosine });
    }
    const top = found
      .filter((n) => minCosine == null || n.cosine >= minCosine)
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, k);
    const features = await ctx.loaders.feature.loadMany(
      top.map((n) => ({ dictionaryId: n.dictionaryId, index: n.index })),
    );
    return top.flatMap((n, i) => {
      const f = features[i];
      return f && !(f instanceof Error) ? [{ feature: f as Feature, cosine: n.cosine }] : [];
    });
  }

  @Query(() => [TokenMatch], {
    description:
      'Features whose top activations peak on this token, strongest first, across any number of dictionaries. The token matches exactly (" the", "the" and "The" are different tokens) unless fold is true.',
  })
  async featuresByToken(
    @Arg('token', () => String) token: string,
    @Arg('dictionaryIds', () => [ID], { nullable: true }) dictionaryIds: string[] | null | undefined,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('fold', () => Boolean, {
      defaultValue: false,
      description: 'Ignore case and surrounding whitespace: " The", "the" and "THE " then match the same features.',
    })
    fold: boolean,
    @Ctx() ctx: Context,
  ): Promise<TokenMatch[]> {
    requireRange('first', first, 1, MAX_PAGE);
    // A token may be whitespace (" ", "\n"), so only an empty one is refused, or a blank one when folding.
    if ((fold ? !token.trim() : !token) || token.length > 200)
      throw new PublicError(
        'BAD_USER_INPUT',
        `token must be 1 to 200 characters${fold ? ', not blank when fold is true' : ''} (got ${token.length} characters).`,
      );
    const ids = dictionaryIds
      ? await Promise.all(
          dictionaryIds.map(async (d, i) => (await requireDictionary(ctx, d, `dictionaryIds[${i}]`)).id),
        )
      : undefined;
    const matches = await featuresByToken(ctx.dataSource, token, ids, first, fold);
    const features = await ctx.loaders.feature.loadMany(matches.map((m) => m.key));
    return matches.flatMap((m, i) => {
      const f = features[i];
      return f && !(f instanceof Error)
        ? [{ feature: f as Feature, token: m.token, maxActivation: m.maxActivation, examples: m.examples }]
        : [];
    });
  }

  @Query(() => [SearchHit], { description: 'Full-text and fuzzy search over labels and explanations, ranked.' })
  async searchFeatures(
    @Arg('query', () => String) query: string,
    @Arg('dictionaryIds', () => [ID], { nullable: true }) dictionaryIds: string[] | null | undefined,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<SearchHit[]> {
    requireRange('first', first, 1, MAX_PAGE);
    if (!query.trim() || query.length > 500)
      throw new PublicError('BAD_USER_INPUT', 'query must be 1 to 500 characters, not blank.');
    const ids = dictionaryIds
      ? await Promise.all(
          dictionaryIds.map(async (d, i) => (await requireDictionary(ctx, d, `dictionaryIds[${i}]`)).id),
        )
      : undefined;
    const hits = await searchFeatures(ctx.dataSource, query, ids, first);
    const features = await ctx.loaders.feature.loadMany(hits.map((h) => h.key));
    return hits.flatMap((h, i) => {
      const f = features[i];
      return f && !(f instanceof Error) ? [{ feature: f as Feature, score: h.score }] : [];
    });
  }
}

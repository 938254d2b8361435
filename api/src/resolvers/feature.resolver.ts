// Features in the graph: one by key or global id, filtered pages, the map, and each feature's examples, neighbours,
// family and decoder.
import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { MAX_EXAMPLES } from '../loaders/index.js';
import { Feature, ActivationExample, FeatureNeighbor, QuantileBin } from '../schema/feature.type.js';
import { FeatureConnection, FeatureFilter, FeatureMap, FeatureOrder } from '../schema/featureConnection.type.js';
import { featureMap as loadFeatureMap } from '../services/features/featureMap.js';
import { decodeCursor, listFeatures } from '../services/features/featureListing.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { decoderOf, nearestInDictionary } from '../services/features/vectorSearch.js';
import { parseFeatureId } from '../services/globalId.js';
import { parseDictionaryId, requireDictionary, requireFraction, requireRange } from './arguments.js';

/** Largest page any list returns. */
export const MAX_PAGE = 100;

@Resolver(() => Feature)
export class FeatureResolver {
  @Query(() => Feature, {
    nullable: true,
    description:
      'One feature of a dictionary, or null if the dictionary has no feature at that index; NOT_FOUND if there is no such dictionary.',
  })
  async feature(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('index', () => Int) index: number,
    @Ctx() ctx: Context,
  ): Promise<FeatureRow | undefined> {
    // The feature row first: on the hot path (a feature page) the dictionary row is not needed, and on the
    // embedded database every statement saved is a turn of the one shared backend saved.
    const id = parseDictionaryId(dictionaryId);
    if (index >= 0) {
      const feature = await ctx.loaders.feature.load({ dictionaryId: id, index });
      if (feature) return feature;
    }
    // No such feature: null, unless the dictionary itself is missing (a null would read as "no such index").
    await requireDictionary(ctx, dictionaryId);
    return undefined;
  }

  @Query(() => Feature, {
    nullable: true,
    description:
      'A feature by its global id (its id field), or null if there is no such feature. Dictionaries are fetched by their own id with dictionary(id).',
  })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<FeatureRow | undefined> {
    return ctx.loaders.feature.load(parseFeatureId('id', id));
  }

  @Query(() => FeatureConnection, { description: "A dictionary's features, filtered, sorted and paginated." })
  async features(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('filter', () => FeatureFilter, { nullable: true }) filter: FeatureFilter | null | undefined,
    @Arg('orderBy', () => FeatureOrder, { defaultValue: FeatureOrder.INDEX }) orderBy: FeatureOrder,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<FeatureConnection> {
    const dictionary = await requireDictionary(ctx, dictionaryId);
    requireRange('first', first, 1, MAX_PAGE);
    requireFraction('filter.bestHeldOutF1Min', filter?.bestHeldOutF1Min);
    const cursor = after == null ? undefined : decodeCursor(after, orderBy);
    if (after != null && !cursor)
      throw new PublicError(
        'BAD_USER_INPUT',
        `after: "${after}" is not a cursor from this list; pass pageInfo.endCursor.`,
      );
    ctx.reads.explanations(dictionary.id); // a filter may match explanation text
    const page = await listFeatures(ctx.dataSource, dictionary.id, filter ?? {}, orderBy, first, cursor);
    for (const { feature } of page.rows) ctx.loaders.feature.prime(feature, feature);
    return {
      edges: page.rows.map(({ feature, cursor: c }) => ({ cursor: c, node: feature as Feature })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  @Query(() => FeatureMap, { description: "The 2-D map of a dictionary's decoder directions." })
  async featureMap(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('filter', () => FeatureFilter, {
      nullable: true,
      description: "The feature list's filter: matches then says which points pass it.",
    })
    filter: FeatureFilter | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<FeatureMap> {
    const dictionary = await requireDictionary(ctx, dictionaryId);
    requireFraction('filter.bestHeldOutF1Min', filter?.bestHeldOutF1Min);
    ctx.reads.explanations(dictionary.id); // a filter may match explanation text
    return loadFeatureMap(ctx.dataSource, dictionary.id, filter ?? {});
  }

  @FieldResolver(() => [ActivationExample], { description: 'Strongest activating contexts, strongest first.' })
  async topActivations(
    @Root() f: FeatureRow,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<ActivationExample[]> {
    requireRange('first', first, 0, MAX_EXAMPLES);
    return (await ctx.loaders.topExamples.load(f)).slice(0, first);
  }

  @FieldResolver(() => [QuantileBin], { description: 'Examples from activation-quantile bins, weakest bin first.' })
  async quantileExamples(
    @Root() f: FeatureRow,
    @Arg('perBin', () => Int, { defaultValue: 3 }) perBin: number,
    @Ctx() ctx: Context,
  ): Promise<QuantileBin[]> {
    requireRange('perBin', perBin, 0, MAX_EXAMPLES);
    const bins = new Map<number, ActivationExample[]>();
    for (const e of await ctx.loaders.quantileExamples.load(f)) {
      const list = bins.get(e.bin) ?? [];
      if (list.length < perBin) list.push(e);
      bins.set(e.bin, list);
    }
    return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([bin, examples]) => ({ bin, examples }));
  }

  @FieldResolver(() => [FeatureNeighbor], {
    description:
      'Nearest features by decoder cosine: exact neighbours stored at ingest for its own dictionary; HNSW search in the other dictionaries named.',
  })
  async neighbors(
    @Root() f: FeatureRow,
    @Arg('k', () => Int, { defaultValue: 10 }) k: number,
    @Arg('dictionaryIds', () => [ID], { nullable: true }) dictionaryIds: string[] | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<FeatureNeighbor[]> {
    requireRange('k', k, 1, MAX_PAGE);
    const own = String(f.dictionaryId);
    const wanted = dictionaryIds ?? [own];
    const found: { dictionaryId: number; index: number; cosine: number }[] = [];
    if (wanted.includes(own))
      for (const n of (f.neighbors ?? []).slice(0, k))
        found.push({ dictionaryId: f.dictionaryId, index: n.index, cosine: n.cosine });
    const others = wanted.filter((d) => d !== own);
    if (others.length) {
      const self = await ctx.loaders.dictionary.load(f.dictionaryId);
      const vector = self && (await decoderOf(ctx.dataSource, f, self.dIn));
      if (vector)
        for (const id of others) {
          const other = await requireDictionary(ctx, id, 'dictionaryIds');
          if (other.dIn !== vector.length) continue; // different hook width: not comparable
          for (const n of await nearestInDictionary(ctx.dataSource, other, vector, k, false))
            found.push({ dictionaryId: other.id, index: n.index, cosine: n.cosine });
        }
    }
    found.sort((a, b) => b.cosine - a.cosine);
    const top = found.slice(0, k);
    const features = await ctx.loaders.feature.loadMany(
      top.map((n) => ({ dictionaryId: n.dictionaryId, index: n.index })),
    );
    return top.flatMap((n, i) => {
      const feature = features[i];
      return feature && !(feature instanceof Error) ? [{ feature: feature as Feature, cosine: n.cosine }] : [];
    });
  }

  @FieldResolver(() => [FeatureNeighbor], {
    description: 'The same direction in other widths of this hook point (feature splitting), best first.',
  })
  async family(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<FeatureNeighbor[]> {
    const links = await ctx.loaders.links.load(f);
    const features = await ctx.loaders.feature.loadMany(
      links.map((l) => ({ dictionaryId: l.dictionaryId, index: l.index })),
    );
    return links.flatMap((l, i) => {
      const feature = features[i];
      return feature && !(feature instanceof Error) ? [{ feature: feature as Feature, cosine: l.cosine }] : [];
    });
  }

  @FieldResolver(() => [Float], {
    nullable: true,
    description: 'The decoder direction (d_in floats). Ask only when needed.',
  })
  async decoder(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<number[] | undefined> {
    const d = await ctx.loaders.dictionary.load(f.dictionaryId);
    return d ? decoderOf(ctx.dataSource, f, d.dIn) : undefined;
  }
}

// POST /api/explanation/search (sources of a model), /search-model (a whole model) and /search-all (the atlas):
// text search over features' explanations and labels, as Neuronpedia's explanation search answers, 20 results a page.
// The ranking is GraphQL's `search` (services/features/textSearch.ts: full text and trigrams; Neuronpedia ranks by
// embedding similarity instead).
import type { Context } from '../context.js';
import { MAX_PAGE } from '../resolvers/feature.resolver.js';
import { searchFeatures } from '../services/features/textSearch.js';
import { neuronOf } from './neuronpediaFeature.js';
import { listSources, requireSource, sourcesOfModel, type NeuronpediaSource } from './neuronpediaSource.js';
import { numberField, requireString, stringList, type Fields } from './requestFields.js';
import { badField } from './restError.js';
import type { RestRoute } from './restRoute.js';

/** Results per page: Neuronpedia's MAX_EXPLANATION_SEARCH_RESULTS. */
export const EXPLANATION_PAGE = 20;
/** The search reads offset + a page (+1, to know if there is more) rows at most: GraphQL's page bound. */
export const MAX_EXPLANATION_OFFSET = MAX_PAGE - EXPLANATION_PAGE;

/** The request's query and offset, checked as Neuronpedia checks them (a query of at least 3 characters). */
function queryOf(body: Fields): { query: string; offset: number } {
  const query = requireString(body, 'query');
  if (query.trim().length < 3) throw badField('query', `must be at least 3 characters (got ${query.trim().length})`);
  const offset = numberField(body, 'offset', { min: 0, max: MAX_EXPLANATION_OFFSET, integer: true }, 0);
  return { query, offset };
}

async function search(ctx: Context, body: Fields, sources: NeuronpediaSource[], all: boolean) {
  const { query, offset } = queryOf(body);
  const byId = new Map(sources.map((s) => [s.dictionary.id, s]));
  const hits = await searchFeatures(
    ctx.dataSource,
    query,
    all ? undefined : [...byId.keys()],
    offset + EXPLANATION_PAGE + 1,
  );
  const page = hits.slice(offset, offset + EXPLANATION_PAGE);
  const rows = await Promise.all(page.map((h) => ctx.loaders.feature.load(h.key)));
  // A hit without a stored row (an explanation of a feature not analysed) or of a dictionary made since the sources
  // were read is left out rather than answered half.
  const found = page.flatMap((hit, i) => {
    const source = byId.get(hit.key.dictionaryId);
    const row = rows[i];
    return source && row ? [{ hit, source, row }] : [];
  });
  const results = await Promise.all(
    found.map(async ({ hit, source, row }) => {
      const neuron = await neuronOf(ctx, source, row, false);
      const best = neuron.explanations[0];
      // A hit matched a label or an explanation, so the feature has one of them (explanations list both).
      return {
        ...(best ?? { modelId: source.modelId, layer: source.layer, index: String(row.index), description: '' }),
        atlasScore: hit.score,
        neuron,
      };
    }),
  );
  const hasMore = hits.length > offset + EXPLANATION_PAGE;
  return {
    request: body,
    results,
    resultsCount: results.length,
    hasMore,
    nextOffset: hasMore ? offset + results.length : undefined,
  };
}

export const explanationSearchRoute: RestRoute = {
  method: 'POST',
  path: '/api/explanation/search',
  pattern: /^\/api\/explanation\/search\/?$/,
  async handle({ ctx, body }) {
    const modelId = requireString(body, 'modelId');
    const layers = stringList(body, 'layers', 64);
    if (layers.length === 0)
      throw badField(
        'layers',
        'is required: the sources (dictionary names) to search; /api/explanation/search-model searches all of a model',
      );
    const sources = await listSources(ctx);
    const chosen = layers.map((l, i) =>
      requireSource(sources, modelId, l, { modelId: 'modelId', layer: `layers[${i}]` }),
    );
    return search(ctx, body, chosen, false);
  },
};

export const explanationSearchModelRoute: RestRoute = {
  method: 'POST',
  path: '/api/explanation/search-model',
  pattern: /^\/api\/explanation\/search-model\/?$/,
  async handle({ ctx, body }) {
    const modelId = requireString(body, 'modelId');
    return search(ctx, body, sourcesOfModel(await listSources(ctx), modelId, 'modelId'), false);
  },
};

export const explanationSearchAllRoute: RestRoute = {
  method: 'POST',
  path: '/api/explanation/search-all',
  pattern: /^\/api\/explanation\/search-all\/?$/,
  async handle({ ctx, body }) {
    return search(ctx, body, await listSources(ctx), true);
  },
};

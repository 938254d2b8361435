// POST /api/search-all: run a text through a model's sources (dictionaries) and list the features most active on it,
// as Neuronpedia's search-all answers; the ranking is GraphQL's searchByText (services/activationSearch.ts).
import { searchByText } from '../services/activationSearch.js';
import { MAX_TEXT_TOKENS } from '../services/textAnalysisService.js';
import { MAX_SEARCH_DICTIONARIES } from '../resolvers/searchByText.resolver.js';
import { asRestError } from './inferenceRefusal.js';
import { neuronOf } from './neuronpediaFeature.js';
import { listSources, requireSource, sourcesOfModel } from './neuronpediaSource.js';
import {
  describe,
  numberField,
  optionalBoolean,
  optionalString,
  requireString,
  stringList,
  type Fields,
} from './requestFields.js';
import { badField } from './restError.js';
import type { RestRoute } from './restRoute.js';

/** Neuronpedia's default and largest numResults. */
export const DEFAULT_RESULTS = 50;
export const MAX_RESULTS = 100;

function sortIndexesOf(body: Fields): number[] {
  const value = body.sortIndexes;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw badField('sortIndexes', `must be an array of token positions (got ${describe(value)})`);
  value.forEach((p, i) => {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= MAX_TEXT_TOKENS)
      throw badField(
        `sortIndexes[${i}]`,
        `must be a token position from 0 to ${MAX_TEXT_TOKENS - 1} (got ${describe(p)})`,
      );
  });
  return value as number[];
}

export const searchAllRoute: RestRoute = {
  method: 'POST',
  path: '/api/search-all',
  pattern: /^\/api\/search-all\/?$/,
  async handle({ ctx, body }) {
    const modelId = requireString(body, 'modelId');
    optionalString(body, 'sourceSet'); // accepted for compatibility: the atlas has no source sets
    if (Array.isArray(body.text))
      throw badField(
        'text',
        'is an array; the atlas searches one text per request: send a string, and one request per text',
      );
    const text = requireString(body, 'text');
    const layers = stringList(body, 'selectedLayers', MAX_SEARCH_DICTIONARIES);
    const sortIndexes = sortIndexesOf(body);
    optionalBoolean(body, 'ignoreBos', true); // either way: the atlas reads text tokens only, never a BOS
    const numResults = numberField(body, 'numResults', { min: 1, max: MAX_RESULTS, integer: true }, DEFAULT_RESULTS);
    const densityThreshold = numberField(body, 'densityThreshold', { min: -1, max: 1 }, -1);
    if (densityThreshold !== -1 && !(densityThreshold > 0 && densityThreshold < 1))
      throw badField('densityThreshold', `must be -1 (no threshold) or between 0 and 1 (got ${densityThreshold})`);

    const sources = await listSources(ctx);
    const chosen = layers.length
      ? layers.map((l, i) => requireSource(sources, modelId, l, { modelId: 'modelId', layer: `selectedLayers[${i}]` }))
      : sourcesOfModel(sources, modelId, 'modelId').filter((s) => s.dictionary.weightsPath);
    if (chosen.length === 0)
      throw badField(
        'selectedLayers',
        `model "${modelId}" has no source with weights on this server, so no text can be run through it`,
      );
    if (chosen.length > MAX_SEARCH_DICTIONARIES)
      throw badField(
        'selectedLayers',
        `model "${modelId}" has ${chosen.length} sources with weights; name at most ${MAX_SEARCH_DICTIONARIES} of them`,
      );
    const byId = new Map(chosen.map((s) => [s.dictionary.id, s]));
    let found;
    try {
      found = await searchByText(
        ctx.textAnalyzer,
        ctx.dataSource,
        [...byId.values()].map((s) => s.dictionary),
        text,
        sortIndexes.length ? sortIndexes : null,
        ctx.signal,
      );
    } catch (err) {
      throw asRestError(err, [[/^positions:/, 'sortIndexes:']]);
    }
    // One batch for every row (the loader's one statement), then the density filter and the page, as GraphQL does.
    const rows = await Promise.all(
      found.features.map((f) => ctx.loaders.feature.load({ dictionaryId: f.dictionaryId, index: f.index })),
    );
    const kept = found.features
      .map((f, i) => ({ f, row: rows[i] }))
      .filter(({ row }) => densityThreshold === -1 || (row?.density != null && row.density <= densityThreshold))
      .slice(0, numResults);
    const result = await Promise.all(
      kept.map(async ({ f, row }) => {
        const source = byId.get(f.dictionaryId)!;
        return {
          modelId: source.modelId,
          layer: source.layer,
          index: String(f.index),
          values: f.activations,
          maxValue: f.maxActivation,
          maxValueIndex: f.position,
          neuron: row ? await neuronOf(ctx, source, row, false) : null,
        };
      }),
    );
    return { tokens: found.tokens, result, sortIndexes };
  },
};

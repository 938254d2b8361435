// POST /api/search-topk-by-token: a text through one source, and at each token the source's strongest features, as
// Neuronpedia's route of that path answers (one text). The activations are GraphQL's analyzeText's
// (services/textAnalysisService.ts).
import type { FeatureKey } from '../services/features/featureRow.js';
import { asRestError } from './inferenceRefusal.js';
import { neuronOf, type NeuronpediaNeuron } from './neuronpediaFeature.js';
import { listSources, requireSource } from './neuronpediaSource.js';
import { numberField, optionalBoolean, requireString } from './requestFields.js';
import { badField } from './restError.js';
import type { RestRoute } from './restRoute.js';

/** Neuronpedia's default and largest numResults (features per token), and its default density threshold. */
export const DEFAULT_TOPK = 10;
export const MAX_TOPK = 20;
export const DEFAULT_TOPK_DENSITY = 0.01;

export const searchTopkByTokenRoute: RestRoute = {
  method: 'POST',
  path: '/api/search-topk-by-token',
  pattern: /^\/api\/search-topk-by-token\/?$/,
  async handle({ ctx, body }) {
    const modelId = requireString(body, 'modelId');
    const layer = requireString(body, 'source');
    if (Array.isArray(body.text))
      throw badField(
        'text',
        'is an array; the atlas reads one text per request: send a string, and one request per text',
      );
    const text = requireString(body, 'text');
    const numResults = numberField(body, 'numResults', { min: 1, max: MAX_TOPK, integer: true }, DEFAULT_TOPK);
    optionalBoolean(body, 'ignoreBos', true); // either way: the atlas reads text tokens only, never a BOS
    const densityThreshold = numberField(body, 'densityThreshold', { min: -1, max: 1 }, DEFAULT_TOPK_DENSITY);
    if (densityThreshold !== -1 && !(densityThreshold > 0 && densityThreshold < 1))
      throw badField('densityThreshold', `must be -1 (no threshold) or between 0 and 1 (got ${densityThreshold})`);
    const source = requireSource(await listSources(ctx), modelId, layer, { modelId: 'modelId', layer: 'source' });
    let analysis;
    try {
      analysis = await ctx.textAnalyzer.analyze(ctx.dataSource, [source.dictionary], text, numResults, ctx.signal);
    } catch (err) {
      throw asRestError(err);
    }
    const keys = new Map<number, FeatureKey>();
    for (const t of analysis.tokens)
      for (const f of t.features) keys.set(f.index, { dictionaryId: source.dictionary.id, index: f.index });
    const neurons = new Map<number, NeuronpediaNeuron>();
    await Promise.all(
      [...keys.values()].map(async (key) => {
        const row = await ctx.loaders.feature.load(key);
        if (row) neurons.set(key.index, await neuronOf(ctx, source, row, false));
      }),
    );
    return {
      source: source.layer,
      results: analysis.tokens.map((t) => ({
        position: t.position,
        token: t.text,
        isSpecial: false,
        topFeatures: t.features
          .filter((f) => {
            const density = neurons.get(f.index)?.frac_nonzero;
            return densityThreshold === -1 || (density != null && density <= densityThreshold);
          })
          .map((f) => ({
            activationValue: f.activation,
            featureIndex: f.index,
            feature: neurons.get(f.index) ?? null,
          })),
      })),
    };
  },
};

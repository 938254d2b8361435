// POST /api/steer: a prompt continued with and without features added to the model, as Neuronpedia's steer (its
// SIMPLE_ADDITIVE method) answers. Each feature adds strength × strength_multiplier (raw activation units) of its
// decoder direction at its dictionary's hook, at every position: the api's steer service with `add` interventions
// in RAW units, the same pool, limits and BUSY as GraphQL's `steer`.
import type { Dictionary } from '@atlas/migrations';
import { MAX_STEER_DICTIONARIES } from '../services/steering/steeringService.js';
import { asRestError } from './inferenceRefusal.js';
import { listSources, requireIndexIn, requireSource } from './neuronpediaSource.js';
import {
  describe,
  featureIndexField,
  numberField,
  optionalBoolean,
  optionalString,
  requireObject,
  requireString,
} from './requestFields.js';
import { badField } from './restError.js';
import type { RestRoute } from './restRoute.js';

/** The one steering method the atlas offers (Neuronpedia's default). */
export const STEER_METHOD = 'SIMPLE_ADDITIVE';

/** The worker's request fields in a refusal, as this request's fields. */
const FIELD_NAMES = [
  [/^interventions\[(\d+)\]\.feature/, 'features[$1].index'],
  [/^interventions\[(\d+)\]\.strength/, 'features[$1].strength'],
  [/^interventions\[(\d+)\]/, 'features[$1]'],
  [/^interventions/, 'features'],
  [/^maxNewTokens/, 'n_tokens'],
  [/^frequencyPenalty/, 'freq_penalty'],
  [/^dictionaries\[\d+\]/, 'features'],
] as const;

export const steerRoute: RestRoute = {
  method: 'POST',
  path: '/api/steer',
  pattern: /^\/api\/steer\/?$/,
  async handle({ ctx, body }) {
    const prompt = requireString(body, 'prompt');
    const modelId = requireString(body, 'modelId');
    const limits = ctx.steerer.limits;
    const temperature = numberField(body, 'temperature', { min: 0, max: 100 });
    const nTokens = numberField(body, 'n_tokens', { min: 1, max: limits.maxNewTokens, integer: true });
    const seed = numberField(body, 'seed', { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
    const multiplier = numberField(body, 'strength_multiplier', { min: 0, max: limits.strength });
    const freqPenalty = numberField(body, 'freq_penalty', { min: 0, max: 100 }, 0);
    if (optionalBoolean(body, 'stream', false))
      throw badField(
        'stream',
        "true is not offered over REST; send false, or stream with GraphQL's steerStream subscription",
      );
    const method = optionalString(body, 'steer_method') ?? STEER_METHOD;
    if (method !== STEER_METHOD)
      throw badField('steer_method', `"${method}" is not offered; the atlas steers by ${STEER_METHOD} only`);
    const list = body.features;
    if (!Array.isArray(list) || list.length === 0 || list.length > limits.interventions)
      throw badField('features', `must list 1 to ${limits.interventions} features to steer (got ${describe(list)})`);
    const sources = await listSources(ctx);
    const dictionaries = new Map<number, Dictionary>();
    const interventions = list.map((item, k) => {
      const f = requireObject(item, `features[${k}]`);
      const featureModel = requireString(f, 'modelId', `features[${k}].modelId`);
      if (featureModel !== modelId)
        throw badField(
          `features[${k}].modelId`,
          `is "${featureModel}" but modelId is "${modelId}"; steer one model at a time`,
        );
      const source = requireSource(sources, modelId, requireString(f, 'layer', `features[${k}].layer`), {
        modelId: `features[${k}].modelId`,
        layer: `features[${k}].layer`,
      });
      const index = featureIndexField(f.index, `features[${k}].index`);
      requireIndexIn(source, index, `features[${k}].index`);
      const strength = numberField(
        f,
        'strength',
        { min: -limits.strength, max: limits.strength },
        undefined,
        `features[${k}].strength`,
      );
      dictionaries.set(source.dictionary.id, source.dictionary);
      return {
        dictionaryId: source.dictionary.id,
        feature: index,
        kind: 'add' as const,
        strength: strength * multiplier,
        unit: 'raw' as const,
      };
    });
    if (dictionaries.size > MAX_STEER_DICTIONARIES)
      throw badField('features', `name ${dictionaries.size} sources; steer takes at most ${MAX_STEER_DICTIONARIES}`);
    let result;
    try {
      result = await ctx.steerer.steer(
        ctx.dataSource,
        {
          prompt,
          dictionaries: [...dictionaries.values()],
          interventions,
          sampling: { maxNewTokens: nTokens, temperature, topP: 1, frequencyPenalty: freqPenalty, seed },
        },
        ctx.signal,
      );
    } catch (err) {
      throw asRestError(err, FIELD_NAMES);
    }
    // Neuronpedia's outputs are the prompt and its continuation.
    return {
      STEERED: prompt + result.steered.text,
      DEFAULT: prompt + result.default.text,
      steeredLogProbs: null,
      defaultLogProbs: null,
      id: null,
      shareUrl: null,
      limit: null,
      atlas: { elapsedMs: result.elapsedMs, promptTokens: result.promptTokens },
    };
  },
};

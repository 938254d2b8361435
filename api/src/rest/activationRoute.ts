// POST /api/activation/new: one feature's activation at every token of a custom text, as Neuronpedia's route of that
// path answers (a string gives one result, an array of strings one per text). The activations are GraphQL's
// searchByText's (services/activationSearch.ts) for the feature's dictionary.
import type { Context } from '../context.js';
import { searchByText } from '../services/activationSearch.js';
import { asRestError } from './inferenceRefusal.js';
import { listSources, requireIndexIn, requireSource, type NeuronpediaSource } from './neuronpediaSource.js';
import { describe, featureIndexField, optionalBoolean, requireObject, requireString } from './requestFields.js';
import { badField } from './restError.js';
import type { RestRoute } from './restRoute.js';

/** Texts one request may send as an array (each is a forward pass). */
export const MAX_CUSTOM_TEXTS = 8;

async function activationOn(ctx: Context, source: NeuronpediaSource, index: number, text: string, field: string) {
  let found;
  try {
    found = await searchByText(ctx.textAnalyzer, ctx.dataSource, [source.dictionary], text, null, ctx.signal);
  } catch (err) {
    throw asRestError(err, [[/^text /, `${field} `]]);
  }
  const hit = found.features.find((f) => f.index === index);
  // A feature that fired nowhere on the text is not among the search's features: zero at every token.
  const values = hit ? hit.activations : new Array<number>(found.tokens.length).fill(0);
  const maxValue = values.length ? Math.max(...values) : 0;
  return {
    tokens: found.tokens,
    values,
    maxValue,
    minValue: values.length ? Math.min(...values) : 0,
    maxValueTokenIndex: hit ? hit.position : 0,
    modelId: source.modelId,
    layer: source.layer,
    index: String(index),
    creatorId: null,
    dataIndex: null,
    dataSource: null,
    createdAt: new Date().toISOString(),
  };
}

export const activationRoute: RestRoute = {
  method: 'POST',
  path: '/api/activation/new',
  pattern: /^\/api\/activation\/new\/?$/,
  async handle({ ctx, body }) {
    const name = body.feature !== undefined ? 'feature' : body.neuron !== undefined ? 'neuron' : 'feature';
    const feature = requireObject(body[name], name);
    const modelId = requireString(feature, 'modelId', `${name}.modelId`);
    const layerField = typeof feature.layer === 'string' ? 'layer' : 'source';
    const layer = requireString(feature, layerField, `${name}.${layerField}`);
    const index = featureIndexField(feature.index, `${name}.index`);
    // Accepted either way: the atlas's tokens are the text's own, with no BOS to leave out.
    optionalBoolean(body, 'ignoreBos', false);
    const source = requireSource(await listSources(ctx), modelId, layer, {
      modelId: `${name}.modelId`,
      layer: `${name}.${layerField}`,
    });
    requireIndexIn(source, index, `${name}.index`);
    const texts = body.customText;
    if (Array.isArray(texts)) {
      if (texts.length === 0 || texts.length > MAX_CUSTOM_TEXTS)
        throw badField('customText', `lists ${texts.length} texts; send 1 to ${MAX_CUSTOM_TEXTS}`);
      const out = [];
      for (const [i, t] of texts.entries()) {
        if (typeof t !== 'string') throw badField(`customText[${i}]`, `must be a string (got ${describe(t)})`);
        out.push(await activationOn(ctx, source, index, t, `customText[${i}]`));
      }
      return out;
    }
    return activationOn(ctx, source, index, requireString(body, 'customText'), 'customText');
  },
};

// The REST facade's OpenAPI 3.1 document, written by hand and served at GET /api/openapi.json. Its examples are the
// test atlases' (model "atlas": the fixture atlas's sources "narrow-8" and "wide-16", the steering atlas's
// "tiny-load"); rest/restFacade.test.ts and restInference.test.ts send them and check the answers' values and the
// schemas' required fields.
import { MAX_SEARCH_DICTIONARIES } from '../resolvers/searchByText.resolver.js';
import { API_STEER_LIMITS } from '../services/steering/steeringService.js';
import { MAX_CUSTOM_TEXTS } from './activationRoute.js';
import { EXPLANATION_PAGE, MAX_EXPLANATION_OFFSET } from './explanationSearchRoutes.js';
import { MAX_FEATURES_TO_ADD } from './listRoutes.js';
import { UNLINKED_MODEL_ID } from './neuronpediaSource.js';
import { DEFAULT_RESULTS, MAX_RESULTS } from './searchAllRoute.js';
import { DEFAULT_TOPK, DEFAULT_TOPK_DENSITY, MAX_TOPK } from './searchTopkByTokenRoute.js';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const strs = { type: 'array', items: str } as const;
const nums = { type: 'array', items: num } as const;
const ints = { type: 'array', items: int } as const;
const nullable = (type: string) => ({ type: [type, 'null'] });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const json = (schema: object, example?: unknown) => ({
  content: { 'application/json': { schema, ...(example !== undefined && { example }) } },
});

/** The error answers every endpoint may give, besides its own 200. */
const errors = {
  '400': { description: 'A field is missing or wrong; the message names it and what to send.', ...json(ref('Error')) },
  '401': {
    description: 'This atlas needs an API key (ATLAS_API_PUBLIC_READS=false) and none valid was sent.',
    ...json(ref('Error')),
  },
  '403': { description: 'The API key has been revoked.', ...json(ref('Error')) },
  '404': {
    description: 'The model, source or feature does not exist; the message lists what does.',
    ...json(ref('Error')),
  },
  '413': { description: "The body is over the api's limit.", ...json(ref('Error')) },
  '503': {
    description: 'The request ran past the time limit, or the steering pool is full (retry later).',
    ...json(ref('Error')),
  },
};

const post = (summary: string, description: string, request: string, response: string, example: unknown) => ({
  post: {
    summary,
    description,
    security: [{ apiKey: [] }, { bearer: [] }, {}],
    requestBody: { required: true, ...json(ref(request), example) },
    responses: { '200': { description: 'The answer.', ...json(ref(response)) }, ...errors },
  },
});

const explanation = {
  type: 'object',
  required: ['modelId', 'layer', 'index', 'description', 'authorId', 'typeName', 'explanationModelName'],
  properties: {
    id: str,
    modelId: str,
    layer: str,
    index: str,
    description: str,
    authorId: {
      ...str,
      description: "The author's name (`feature-atlas` when none was recorded; `atlas-label` for the feature's label).",
    },
    typeName: {
      ...nullable('string'),
      description:
        'How it was made when the atlas made it (`human`, `auto`, `atlas-label`); null when a model wrote it.',
    },
    explanationModelName: { ...nullable('string'), description: 'The model that wrote it, when one did.' },
    scoreV1: num,
    scoreV2: nullable('number'),
    scores: { type: 'array', maxItems: 0 },
    createdAt: nullable('string'),
  },
};

const neuronProperties = {
  modelId: str,
  layer: { ...str, description: "The source id: the dictionary's name." },
  index: str,
  hookName: str,
  maxActApprox: nullable('number'),
  frac_nonzero: { ...nullable('number'), description: 'Density: the fraction of tokens the feature fires on.' },
  pos_str: strs,
  pos_values: nums,
  neg_str: strs,
  neg_values: nums,
  topkCosSimIndices: ints,
  topkCosSimValues: nums,
  freq_hist_data_bar_heights: nums,
  freq_hist_data_bar_values: { ...nums, description: "Each activation-histogram bin's middle." },
  logits_hist_data_bar_heights: {
    ...nums,
    description: 'Empty unless the source was imported from a Neuronpedia export that had one.',
  },
  logits_hist_data_bar_values: nums,
  umap_x: nullable('number'),
  umap_y: nullable('number'),
  umap_log_feature_sparsity: nullable('number'),
  explanations: { type: 'array', items: ref('Explanation') },
  activations: { type: 'array', items: ref('Activation') },
  atlas: {
    type: 'object',
    description: 'Fields of the atlas that Neuronpedia lacks.',
    properties: { featureId: str, dictionaryId: str, label: nullable('string'), meanActivation: nullable('number') },
  },
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Feature atlas: Neuronpedia-compatible REST facade',
    version: '1.0.0',
    description:
      `The endpoints scripts use most, with Neuronpedia's request and answer shapes. modelId is the name of a dictionary's ` +
      `model (for a source imported from a Neuronpedia export, its modelId there; \`${UNLINKED_MODEL_ID}\` for another dictionary with no model row); layer (the source id) is the dictionary's name, ` +
      `or its numeric id. Keys: \`X-Api-Key: <key>\` or \`Authorization: Bearer <key>\`, needed only when the atlas ` +
      `closes reads (ATLAS_API_PUBLIC_READS=false). Errors are \`{"message": "..."}\`. The examples are the test atlases' (api/src/testing: fixture atlas sources narrow-8 and wide-16, steering atlas source tiny-load).`,
  },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      bearer: { type: 'http', scheme: 'bearer' },
    },
    schemas: {
      Error: { type: 'object', required: ['message'], properties: { message: str } },
      Explanation: explanation,
      Activation: {
        type: 'object',
        required: ['tokens', 'values', 'maxValue', 'maxValueTokenIndex'],
        properties: {
          id: str,
          modelId: str,
          layer: str,
          index: str,
          tokens: strs,
          values: nums,
          maxValue: num,
          maxValueTokenIndex: int,
          minValue: num,
          dataIndex: { ...nullable('string'), description: "The window's document in the analysed corpus." },
          binMin: { ...num, description: "A quantile sample: its bin's weakest peak; a top activation: -1." },
          binMax: { ...num, description: "A quantile sample: its bin's strongest peak; a top activation: -1." },
          exampleKind: { enum: ['top', 'quantile'] },
          exampleBin: int,
        },
      },
      Feature: {
        type: 'object',
        required: ['modelId', 'layer', 'index', 'explanations', 'activations', 'frac_nonzero', 'pos_str', 'neg_str'],
        properties: neuronProperties,
      },
      SearchAllRequest: {
        type: 'object',
        required: ['modelId', 'text'],
        properties: {
          modelId: str,
          sourceSet: { ...str, description: 'Accepted and not used: the atlas has no source sets.' },
          text: { ...str, description: 'One text (an array is refused: send one request per text).' },
          selectedLayers: {
            ...strs,
            maxItems: MAX_SEARCH_DICTIONARIES,
            description: '[]: every source of the model with weights.',
          },
          sortIndexes: {
            ...ints,
            description: 'Token positions to rank by, counted from the first text token (no BOS position).',
          },
          ignoreBos: { type: 'boolean', description: 'Accepted either way: no BOS is ever in the results.' },
          densityThreshold: { ...num, default: -1 },
          numResults: { ...int, minimum: 1, maximum: MAX_RESULTS, default: DEFAULT_RESULTS },
        },
      },
      SearchAllResponse: {
        type: 'object',
        required: ['tokens', 'result', 'sortIndexes'],
        properties: {
          tokens: strs,
          sortIndexes: ints,
          result: {
            type: 'array',
            items: {
              type: 'object',
              required: ['modelId', 'layer', 'index', 'values', 'maxValue', 'maxValueIndex'],
              properties: {
                modelId: str,
                layer: str,
                index: str,
                values: nums,
                maxValue: num,
                maxValueIndex: int,
                neuron: { oneOf: [ref('Feature'), { type: 'null' }] },
              },
            },
          },
        },
      },
      TopkByTokenRequest: {
        type: 'object',
        required: ['modelId', 'source', 'text'],
        properties: {
          modelId: str,
          source: { ...str, description: "The source id: the dictionary's name." },
          text: { ...str, description: 'One text (an array is refused: send one request per text).' },
          numResults: {
            ...int,
            minimum: 1,
            maximum: MAX_TOPK,
            default: DEFAULT_TOPK,
            description: 'Features per token.',
          },
          ignoreBos: { type: 'boolean', description: 'Accepted either way: no BOS is ever in the results.' },
          densityThreshold: {
            ...num,
            default: DEFAULT_TOPK_DENSITY,
            description: 'Leave out features denser than this (and those with no measured density); -1: none.',
          },
        },
      },
      TopkByTokenResponse: {
        type: 'object',
        required: ['source', 'results'],
        properties: {
          source: str,
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['position', 'token', 'topFeatures'],
              properties: {
                position: int,
                token: str,
                isSpecial: { type: 'boolean' },
                topFeatures: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['activationValue', 'featureIndex'],
                    properties: {
                      activationValue: num,
                      featureIndex: int,
                      feature: { oneOf: [ref('Feature'), { type: 'null' }] },
                    },
                  },
                },
              },
            },
          },
        },
      },
      ExplanationSearchRequest: {
        type: 'object',
        required: ['query'],
        properties: {
          modelId: { ...str, description: 'Required by /search and /search-model.' },
          layers: { ...strs, description: 'Required by /search: the sources to search.' },
          query: { ...str, minLength: 3 },
          offset: { ...int, minimum: 0, maximum: MAX_EXPLANATION_OFFSET, default: 0 },
        },
      },
      ExplanationSearchResponse: {
        type: 'object',
        required: ['request', 'results', 'resultsCount', 'hasMore'],
        properties: {
          request: { type: 'object' },
          results: {
            type: 'array',
            maxItems: EXPLANATION_PAGE,
            items: {
              allOf: [ref('Explanation')],
              properties: { atlasScore: num, neuron: ref('Feature') },
            },
          },
          resultsCount: int,
          hasMore: { type: 'boolean' },
          nextOffset: int,
        },
      },
      ActivationRequest: {
        type: 'object',
        required: ['feature', 'customText'],
        properties: {
          feature: {
            type: 'object',
            required: ['modelId', 'index'],
            properties: {
              modelId: str,
              layer: str,
              source: { ...str, description: 'Same as layer.' },
              index: { type: ['string', 'integer'] },
            },
          },
          customText: { oneOf: [str, { ...strs, minItems: 1, maxItems: MAX_CUSTOM_TEXTS }] },
          ignoreBos: { type: 'boolean' },
        },
      },
      ActivationResult: {
        type: 'object',
        required: ['tokens', 'values', 'maxValue', 'maxValueTokenIndex', 'modelId', 'layer', 'index'],
        properties: {
          tokens: strs,
          values: nums,
          maxValue: num,
          minValue: num,
          maxValueTokenIndex: int,
          modelId: str,
          layer: str,
          index: str,
        },
      },
      ActivationResponse: { oneOf: [ref('ActivationResult'), { type: 'array', items: ref('ActivationResult') }] },
      ListRequestEmpty: { type: 'object', description: 'Nothing: the key names the caller.' },
      ListRequest: {
        type: 'object',
        required: ['listId'],
        properties: { listId: { type: ['string', 'integer'] } },
      },
      ListNewRequest: {
        type: 'object',
        required: ['name'],
        properties: { name: str, description: str, testText: { ...str, description: 'Accepted and not used.' } },
      },
      ListAddFeaturesRequest: {
        type: 'object',
        required: ['listId', 'featuresToAdd'],
        properties: {
          listId: { type: ['string', 'integer'] },
          featuresToAdd: {
            type: 'array',
            minItems: 1,
            maxItems: MAX_FEATURES_TO_ADD,
            items: {
              type: 'object',
              required: ['modelId', 'layer', 'index'],
              properties: {
                modelId: str,
                layer: str,
                index: { type: ['string', 'integer'] },
                description: { ...str, description: "The item's note." },
              },
            },
          },
        },
      },
      ListRemoveRequest: {
        type: 'object',
        required: ['listId', 'modelId', 'layer', 'index'],
        properties: {
          listId: { type: ['string', 'integer'] },
          modelId: str,
          layer: str,
          index: { type: ['string', 'integer'] },
        },
      },
      List: {
        type: 'object',
        required: ['id', 'name', 'description'],
        properties: {
          id: str,
          name: str,
          description: str,
          visibility: { enum: ['public', 'key'] },
          createdAt: str,
          updatedAt: str,
        },
      },
      Lists: { type: 'array', items: ref('List') },
      ListAdded: {
        type: 'array',
        items: {
          type: 'object',
          required: ['modelId', 'layer', 'index'],
          properties: { listId: str, modelId: str, layer: str, index: str, description: str },
        },
      },
      ListWithNeurons: {
        allOf: [
          ref('List'),
          {
            type: 'object',
            required: ['neurons'],
            properties: {
              neurons: {
                type: 'array',
                description:
                  'Each feature (without its activation examples) with its list item: id, note (description), time added.',
                items: { type: 'object', required: ['modelId', 'layer', 'index'] },
              },
            },
          },
        ],
      },
      Done: { type: 'boolean' },
      SteerRequest: {
        type: 'object',
        required: ['prompt', 'modelId', 'features', 'temperature', 'n_tokens', 'seed', 'strength_multiplier'],
        properties: {
          prompt: str,
          modelId: str,
          features: {
            type: 'array',
            minItems: 1,
            maxItems: API_STEER_LIMITS.interventions,
            items: {
              type: 'object',
              required: ['modelId', 'layer', 'index', 'strength'],
              properties: { modelId: str, layer: str, index: { type: ['string', 'integer'] }, strength: num },
            },
          },
          temperature: { ...num, minimum: 0, maximum: 100 },
          n_tokens: { ...int, minimum: 1, maximum: API_STEER_LIMITS.maxNewTokens },
          seed: { ...int, minimum: 0 },
          strength_multiplier: {
            ...num,
            minimum: 0,
            description: 'Each feature adds strength × this of its decoder direction (raw units).',
          },
          freq_penalty: { ...num, minimum: 0, maximum: 100, default: 0 },
          steer_method: { enum: ['SIMPLE_ADDITIVE'] },
          stream: { type: 'boolean', enum: [false], description: "Streaming is GraphQL's steerStream." },
        },
      },
      SteerResponse: {
        type: 'object',
        required: ['STEERED', 'DEFAULT'],
        properties: {
          STEERED: { ...str, description: 'The prompt and its steered continuation.' },
          DEFAULT: { ...str, description: 'The prompt and its continuation without steering, from the same seed.' },
          steeredLogProbs: { type: 'null' },
          defaultLogProbs: { type: 'null' },
          id: { type: 'null' },
          shareUrl: { type: 'null' },
          limit: { type: 'null' },
          atlas: { type: 'object', properties: { elapsedMs: num, promptTokens: int } },
        },
      },
    },
  },
  paths: {
    '/api/feature/{modelId}/{layer}/{index}': {
      get: {
        summary: 'Get a feature',
        description:
          'A feature with its explanations (stored ones newest first, then its label) and activation examples (top, then quantile samples).',
        security: [{ apiKey: [] }, { bearer: [] }, {}],
        parameters: [
          { name: 'modelId', in: 'path', required: true, schema: str, example: UNLINKED_MODEL_ID },
          { name: 'layer', in: 'path', required: true, schema: str, example: 'narrow-8' },
          { name: 'index', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, example: '3' },
        ],
        responses: { '200': { description: 'The feature.', ...json(ref('Feature')) }, ...errors },
      },
    },
    '/api/search-all': post(
      'Top features for a text',
      "Runs the text through the model's sources now and ranks their features by their largest activation on it.",
      'SearchAllRequest',
      'SearchAllResponse',
      {
        modelId: UNLINKED_MODEL_ID,
        sourceSet: '',
        text: 'The jury walked under the bridge',
        selectedLayers: [],
        numResults: 5,
      },
    ),
    '/api/search-topk-by-token': post(
      'Top features at each token',
      "Runs the text through one source now: at each token its strongest features, with each feature's explanations.",
      'TopkByTokenRequest',
      'TopkByTokenResponse',
      { modelId: UNLINKED_MODEL_ID, source: 'tiny-load', text: 'The jury walked', numResults: 5, densityThreshold: -1 },
    ),
    '/api/explanation/search': post(
      'Search explanations in sources',
      'Full-text and fuzzy search over explanations and labels of the named sources, 20 a page.',
      'ExplanationSearchRequest',
      'ExplanationSearchResponse',
      { modelId: UNLINKED_MODEL_ID, layers: ['narrow-8'], query: 'spatial prepositions' },
    ),
    '/api/explanation/search-model': post(
      'Search explanations in a model',
      'As /api/explanation/search, over every source of the model.',
      'ExplanationSearchRequest',
      'ExplanationSearchResponse',
      { modelId: UNLINKED_MODEL_ID, query: 'plural noun' },
    ),
    '/api/explanation/search-all': post(
      'Search explanations in the atlas',
      'As /api/explanation/search, over every source of every model.',
      'ExplanationSearchRequest',
      'ExplanationSearchResponse',
      { query: 'quotation mark' },
    ),
    '/api/list/list': post(
      'Lists',
      'The feature lists this caller may read (public ones; key-only ones with a key), newest first.',
      'ListRequestEmpty',
      'Lists',
      {},
    ),
    '/api/list/new': post(
      'Make a list',
      'A new public list. Needs an API key (as every write).',
      'ListNewRequest',
      'List',
      { name: 'spatial', description: 'prepositions of place' },
    ),
    '/api/list/add-features': post(
      'Add features to a list',
      "Adds each feature at the end with its description as the item's note (a feature already there keeps its place and takes the new note); all are checked before any is added.",
      'ListAddFeaturesRequest',
      'ListAdded',
      {
        listId: '1',
        featuresToAdd: [{ modelId: UNLINKED_MODEL_ID, layer: 'narrow-8', index: '3', description: 'under' }],
      },
    ),
    '/api/list/get': post(
      'Get a list',
      'The list with its features in order (`neurons`).',
      'ListRequest',
      'ListWithNeurons',
      { listId: '1' },
    ),
    '/api/list/remove': post(
      'Remove a feature from a list',
      'Takes the feature out of the list. Needs an API key.',
      'ListRemoveRequest',
      'Done',
      { listId: '1', modelId: UNLINKED_MODEL_ID, layer: 'narrow-8', index: '3' },
    ),
    '/api/list/delete': post(
      'Delete a list',
      'Deletes the list and its items. Needs an API key.',
      'ListRequest',
      'Done',
      {
        listId: '1',
      },
    ),
    '/api/activation/new': post(
      "A feature's activation on a text",
      "Runs the text through the feature's model and dictionary now: its activation at every token.",
      'ActivationRequest',
      'ActivationResponse',
      {
        feature: { modelId: UNLINKED_MODEL_ID, layer: 'tiny-load', index: '1' },
        customText: 'The jury walked under the bridge',
      },
    ),
    '/api/steer': post(
      'Steer a completion',
      "Continues the prompt with and without the features added, from the same seed. One generation runs at a time; more wait, and past the pool's slots answer 503.",
      'SteerRequest',
      'SteerResponse',
      {
        prompt: 'The jury walked under the bridge and',
        modelId: UNLINKED_MODEL_ID,
        features: [{ modelId: UNLINKED_MODEL_ID, layer: 'tiny-load', index: 1, strength: 4 }],
        temperature: 0,
        n_tokens: 8,
        seed: 1,
        strength_multiplier: 1,
      },
    ),
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        description: 'Served without a key: it holds nothing of the atlas.',
        responses: { '200': { description: 'The OpenAPI 3.1 document.', ...json({ type: 'object' }) } },
      },
    },
  },
};

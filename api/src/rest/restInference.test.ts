// The REST facade's endpoints that run the model (activation/new, search-all, steer) on the built-in tiny LM and a
// dictionary trained on it (source "tiny-load" of model "atlas"): the documented examples answer with the documented
// shapes and the same numbers and texts as GraphQL's searchByText and steer, and the time limit answers 503; with
// NEURONPEDIA_PYTHON_DIR set (a checkout or bare clone of Neuronpedia's Python client), the client itself reads them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { createApiKey } from '../auth/apiKeys.js';
import { seedSteeringAtlas, type SteeringAtlas } from '../testing/steeringAtlas.js';
import { startTestApi, type TestApi } from '../testing/testApi.js';
import { OPENAPI_DOCUMENT } from './openApiDocument.js';

let db: TestDatabase;
let atlas: SteeringAtlas;
let t: TestApi;

before(async () => {
  db = await openTestDatabase();
  atlas = await seedSteeringAtlas(db);
  t = await startTestApi(db);
});
after(async () => {
  await t?.stop();
  atlas?.dispose();
  await db.close();
});

type Json = any; // answers are checked field by field

async function post(path: string, body: unknown, base = t.api.url) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const exampleOf = (path: string): Json =>
  (OPENAPI_DOCUMENT.paths as Json)[path].post.requestBody.content['application/json'].example;
const schemas = OPENAPI_DOCUMENT.components.schemas as Record<string, { required?: string[] }>;
function assertShape(answer: Json, schema: string) {
  for (const field of schemas[schema].required ?? [])
    assert.ok(field in answer, `${schema}.${field} is missing from ${JSON.stringify(answer).slice(0, 200)}`);
}

/** GraphQL's searchByText over the tiny dictionary: what the REST answers are checked against. */
async function graphqlSearch(text: string): Promise<Json> {
  const answer = await t.post(
    `query($t: String!, $d: [ID!]!) { searchByText(text: $t, dictionaryIds: $d, first: 100) {
       tokens features { index maxActivation position activations } } }`,
    { t: text, d: [String(atlas.dictionaryId)] },
  );
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data.searchByText;
}

test('POST /api/activation/new (the documented example): the feature at every token, as searchByText reads it', async () => {
  const example = exampleOf('/api/activation/new');
  const { status, body } = await post('/api/activation/new', example);
  assert.equal(status, 200, JSON.stringify(body));
  assertShape(body, 'ActivationResult');
  const expected = await graphqlSearch(example.customText);
  const feature = expected.features.find((f: Json) => f.index === 1);
  assert.deepEqual(body.tokens, expected.tokens);
  assert.deepEqual(body.values, feature ? feature.activations : expected.tokens.map(() => 0));
  assert.equal(body.maxValue, Math.max(...body.values));
  assert.equal(body.values[body.maxValueTokenIndex], body.maxValue);
  assert.deepEqual([body.modelId, body.layer, body.index], ['atlas', 'tiny-load', '1']);
  // An array of texts answers one result per text, in order.
  const batch = await post('/api/activation/new', { ...example, customText: [example.customText, 'The dogs'] });
  assert.equal(batch.body.length, 2);
  assert.deepEqual(batch.body[0].values, body.values);
  assert.deepEqual(batch.body[1].tokens, (await graphqlSearch('The dogs')).tokens);
});

test('POST /api/search-all (the documented example): the features searchByText ranks, in order, with their rows', async () => {
  const example = exampleOf('/api/search-all');
  const { status, body } = await post('/api/search-all', example);
  assert.equal(status, 200, JSON.stringify(body));
  assertShape(body, 'SearchAllResponse');
  const expected = await graphqlSearch(example.text);
  assert.deepEqual(body.tokens, expected.tokens);
  assert.ok(body.result.length > 0);
  assert.deepEqual(
    body.result.map((r: Json) => [r.layer, Number(r.index), r.maxValue, r.maxValueIndex, r.values]),
    expected.features.slice(0, 5).map((f: Json) => ['tiny-load', f.index, f.maxActivation, f.position, f.activations]),
  );
  assert.equal(body.result[0].neuron.atlas.label, `tiny feature ${body.result[0].index}`);
  // The seeded densities are 0.01 × (index + 1): a threshold of 0.05 keeps indices 0 to 4 only.
  const dense = await post('/api/search-all', { ...example, densityThreshold: 0.05, numResults: 100 });
  assert.ok(dense.body.result.every((r: Json) => Number(r.index) <= 4 && r.neuron.frac_nonzero <= 0.05));
  assert.deepEqual(
    dense.body.result.map((r: Json) => Number(r.index)),
    expected.features.filter((f: Json) => f.index <= 4).map((f: Json) => f.index),
  );
});

test("POST /api/steer (the documented example): GraphQL steer's texts with add × strength_multiplier in raw units", async () => {
  const example = exampleOf('/api/steer');
  const { status, body } = await post('/api/steer', example);
  assert.equal(status, 200, JSON.stringify(body));
  assertShape(body, 'SteerResponse');
  const answer = await t.post(
    `query($p: String!, $iv: [SteerInterventionInput!]!, $s: SamplingInput) {
       steer(prompt: $p, interventions: $iv, sampling: $s) { default { text } steered { text } } }`,
    {
      p: example.prompt,
      iv: [{ dictionaryId: String(atlas.dictionaryId), index: 1, mode: 'ADD', unit: 'RAW', strength: 4 }],
      s: { maxNewTokens: 8, temperature: 0, topP: 1, frequencyPenalty: 0, seed: 1 },
    },
  );
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  assert.equal(body.DEFAULT, example.prompt + answer.data.steer.default.text);
  assert.equal(body.STEERED, example.prompt + answer.data.steer.steered.text);
  // strength 2 × multiplier 2 is the same push as 4 × 1.
  const doubled = await post('/api/steer', {
    ...example,
    strength_multiplier: 2,
    features: [{ ...example.features[0], strength: 2 }],
  });
  assert.equal(doubled.body.STEERED, body.STEERED);
  const missing = await post('/api/steer', { ...example, features: [{ ...example.features[0], index: 99 }] });
  assert.equal(missing.status, 404);
  assert.match(
    missing.body.message,
    /^features\[0\]\.index: no feature 99 in source "tiny-load" of model "atlas"; it has 32 features \(0 to 31\)\.$/,
  );
});

test('a request past the time limit answers 503 naming ATLAS_API_REQUEST_TIMEOUT_MS', async () => {
  const slow = await startTestApi(db, { requestTimeoutMs: 1 });
  try {
    const { status, body } = await post(
      '/api/search-all',
      { ...exampleOf('/api/search-all'), text: 'a '.repeat(500) },
      slow.api.url,
    );
    assert.equal(status, 503);
    assert.match(body.message, /ran past the api's 1 ms limit \(ATLAS_API_REQUEST_TIMEOUT_MS\)/);
  } finally {
    await slow.stop();
  }
});

const CLIENT_DIR = process.env.NEURONPEDIA_PYTHON_DIR;
const CHECK_SCRIPT = fileURLToPath(new URL('../../../scripts/neuronpedia-client-check.py', import.meta.url));

test(
  "Neuronpedia's Python client fetches a feature, its activations, a steer and a list (scripts/neuronpedia-client-check.py)",
  { skip: CLIENT_DIR ? false : "set NEURONPEDIA_PYTHON_DIR to a checkout of Neuronpedia's Python client to run it" },
  async () => {
    const { key } = await createApiKey(db.dataSource, 'np-python-client'); // lists are written with a key
    const { stdout } = await promisify(execFile)(
      'python3',
      [
        CHECK_SCRIPT,
        '--api',
        t.api.url,
        '--client',
        CLIENT_DIR!,
        '--source',
        'tiny-load',
        '--index',
        '1',
        '--steer',
        '--lists',
      ],
      { env: { ...process.env, NEURONPEDIA_API_KEY: key } },
    );
    assert.match(stdout, /^feature atlas\/tiny-load\/1$/m);
    assert.match(stdout, /explanation \(atlas-label\): tiny feature 1$/m);
    assert.match(stdout, /top activation 2\.000 at 1: 'The jury walked'/);
    assert.match(stdout, /^steer: DEFAULT 'The jury walked under the bridge/m);
    assert.match(stdout, /^list \d+ 'client check': \[\('atlas', 'tiny-load', '1'\)\]$/m);
    assert.match(stdout, /the Neuronpedia client read every answer/);
  },
);

test("POST /api/search-topk-by-token (the documented example): analyzeText's top features per token; the density filter", async () => {
  const example = exampleOf('/api/search-topk-by-token');
  const { status, body } = await post('/api/search-topk-by-token', example);
  assert.equal(status, 200, JSON.stringify(body));
  assertShape(body, 'TopkByTokenResponse');
  const answer = await t.post(
    `query($t: String!, $d: [ID!]!) { analyzeText(text: $t, dictionaryIds: $d, topK: 5) {
       tokens { position text features { index activation } } } }`,
    { t: example.text, d: [String(atlas.dictionaryId)] },
  );
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  const expected = answer.data.analyzeText.tokens;
  assert.equal(body.source, 'tiny-load');
  assert.deepEqual(
    body.results.map((r: Json) => [
      r.position,
      r.token,
      r.topFeatures.map((f: Json) => [f.featureIndex, f.activationValue]),
    ]),
    expected.map((t: Json) => [t.position, t.text, t.features.map((f: Json) => [f.index, f.activation])]),
  );
  const first = body.results.flatMap((r: Json) => r.topFeatures)[0];
  assert.equal(first.feature.explanations[0].description, `tiny feature ${first.featureIndex}`);
  // Neuronpedia's default threshold, 0.01, keeps only feature 0 (seeded density 0.01 × (index + 1)).
  const dense = await post('/api/search-topk-by-token', { ...example, densityThreshold: undefined });
  const kept = dense.body.results.flatMap((r: Json) => r.topFeatures.map((f: Json) => f.featureIndex));
  assert.deepEqual(
    kept,
    expected.flatMap((t: Json) => t.features.filter((f: Json) => f.index === 0).map(() => 0)),
  );
});

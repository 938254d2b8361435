// The REST facade on the fixture atlas (two dictionaries of no model row: modelId "atlas"): the OpenAPI document
// validates, its examples answer with its shapes and the fixture's values, errors name the field or what was not
// found, and keys work as for GraphQL (X-Api-Key or Bearer; a closed atlas refuses requests without a valid one).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApiKey } from '../auth/apiKeys.js';
import { revokeApiKey } from '../services/apiKeyService.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';
import { startAtlasTestApi, startTestApi, type AtlasTestApi, type TestApi } from '../testing/testApi.js';
import { OPENAPI_DOCUMENT } from './openApiDocument.js';
import { REST_ROUTES } from './restRouter.js';

let t: AtlasTestApi<FixtureAtlas>;
let closed: TestApi;

before(async () => {
  t = await startAtlasTestApi(loadFixtureAtlas);
  closed = await startTestApi(t.db, { publicReads: false });
});
after(async () => {
  await closed.stop();
  await t.close();
});

type Json = any; // answers are checked field by field

async function call(path: string, body?: unknown, headers: Record<string, string> = {}, base = t.api.url) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const schemas = OPENAPI_DOCUMENT.components.schemas as Record<string, { required?: string[] }>;
/** Every field the document's schema requires is in the answer. */
function assertShape(answer: Json, schema: string) {
  for (const field of schemas[schema].required ?? [])
    assert.ok(field in answer, `${schema}.${field} is missing from ${JSON.stringify(answer).slice(0, 200)}`);
}
/** The documented example body of a POST path. */
const exampleOf = (path: string): Json =>
  (OPENAPI_DOCUMENT.paths as Json)[path].post.requestBody.content['application/json'].example;

test('GET /api/openapi.json serves an OpenAPI 3.1 document that validates and lists every route', async () => {
  const served = await call('/api/openapi.json');
  assert.equal(served.status, 200);
  const result = await new Validator().validate(served.body);
  assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors));
  assert.equal(result.valid, true);
  assert.equal(served.body.openapi, '3.1.0');
  for (const r of REST_ROUTES) assert.ok(served.body.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`);
  // Served without a key even on a closed atlas: it holds nothing of the atlas.
  assert.equal((await call('/api/openapi.json', undefined, {}, closed.api.url)).status, 200);
});

test('GET /api/feature/atlas/narrow-8/3 (the documented example) answers the fixture feature in Neuronpedia shape', async () => {
  const { status, body } = await call('/api/feature/atlas/narrow-8/3');
  assert.equal(status, 200);
  assertShape(body, 'Feature');
  assert.deepEqual([body.modelId, body.layer, body.index], ['atlas', 'narrow-8', '3']);
  assert.deepEqual(
    body.explanations.map((e: Json) => [e.description, e.typeName, e.explanationModelName]),
    [
      ['fires on spatial prepositions like under and beneath', 'human', null],
      ['preposition of place', 'atlas-label', null],
    ],
  );
  // 6 top windows, best first, then the 3 quantile samples.
  assert.equal(body.activations.length, 9);
  const top = body.activations[0];
  assertShape(top, 'Activation');
  assert.deepEqual(top.tokens, [' He', ' then', ' under', ' away', '.']);
  assert.deepEqual(top.values, [0, 0.5, 10, 0.25, 0]);
  assert.deepEqual([top.maxValue, top.maxValueTokenIndex, top.exampleKind, top.binMin], [10, 2, 'top', -1]);
  assert.deepEqual(body.activations[1].values[2], 9);
  assert.deepEqual(
    body.activations.slice(6).map((a: Json) => [a.exampleKind, a.exampleBin, a.maxValue, a.binMin, a.binMax]),
    [
      ['quantile', 0, 1, 1, 1],
      ['quantile', 1, 2, 2, 2],
      ['quantile', 2, 3, 3, 3],
    ],
  );
  assert.equal(body.frac_nonzero, 0.04);
  assert.equal(body.maxActApprox, 13);
  assert.deepEqual(
    [body.pos_str, body.pos_values, body.neg_str, body.neg_values],
    [[' under'], [2.5], [' zzz'], [-1.5]],
  );
  assert.deepEqual(body.freq_hist_data_bar_heights, [3, 6]);
  assert.deepEqual(body.freq_hist_data_bar_values, [0.55, 5.5]);
  assert.equal(body.hookName, 'blocks.0.mlp.hook_post');
  assert.equal(body.atlas.dictionaryId, String(t.atlas.narrow));
});

test('a source is found by its numeric dictionary id too, answered under its name', async () => {
  const { status, body } = await call(`/api/feature/atlas/${t.atlas.wide}/10`);
  assert.equal(status, 200);
  assert.deepEqual([body.layer, body.index, body.explanations[0].description], ['wide-16', '10', 'plural noun']);
});

test('404s name what was not found and list what there is; unknown paths list the endpoints; 405 names the method', async () => {
  const model = await call('/api/feature/gpt2-small/narrow-8/3');
  assert.equal(model.status, 404);
  assert.match(model.body.message, /no model "gpt2-small" in this atlas; its models are "atlas"/);
  const layer = await call('/api/feature/atlas/6-res-jb/3');
  assert.equal(layer.status, 404);
  assert.match(
    layer.body.message,
    /no source "6-res-jb" in model "atlas"; its sources \(dictionary names\) are "narrow-8", "wide-16"/,
  );
  const index = await call('/api/feature/atlas/narrow-8/8');
  assert.equal(index.status, 404);
  assert.match(index.body.message, /no feature 8 in source "narrow-8" of model "atlas"; it has 8 features \(0 to 7\)/);
  const path = await call('/api/nothing-here');
  assert.equal(path.status, 404);
  assert.match(
    path.body.message,
    /no REST endpoint \/api\/nothing-here; the endpoints are GET \/api\/feature\/\{modelId\}\/\{layer\}\/\{index\}, POST \/api\/search-all/,
  );
  const method = await call('/api/feature/atlas/narrow-8/3', {});
  assert.equal(method.status, 405);
  assert.equal(method.body.message, '/api/feature/atlas/narrow-8/3 answers GET, not POST.');
});

test('400s name the field and what to send', async () => {
  const cases: [string, unknown, RegExp][] = [
    [
      '/api/explanation/search-model',
      { modelId: 'atlas', query: 'ab' },
      /^query: must be at least 3 characters \(got 2\)$/,
    ],
    ['/api/explanation/search', { modelId: 'atlas', query: 'noun' }, /^layers: is required: the sources/],
    [
      '/api/explanation/search-all',
      { query: 'noun', offset: 500 },
      /^offset: must be an integer from 0 to 80 \(got 500\)$/,
    ],
    ['/api/search-all', { text: 'hi' }, /^modelId: is required: a non-empty string \(got nothing\)$/],
    [
      '/api/search-all',
      { modelId: 'atlas', text: ['a', 'b'] },
      /^text: is an array; the atlas searches one text per request/,
    ],
    [
      '/api/search-all',
      { modelId: 'atlas', text: 'hi', numResults: 101 },
      /^numResults: must be an integer from 1 to 100 \(got 101\)$/,
    ],
    [
      '/api/search-all',
      { modelId: 'atlas', text: 'hi', sortIndexes: [1, -2] },
      /^sortIndexes\[1\]: must be a token position from 0 to 2047 \(got -2\)$/,
    ],
    [
      '/api/search-all',
      { modelId: 'atlas', text: 'hi' },
      /^selectedLayers: model "atlas" has no source with weights on this server/,
    ],
    [
      '/api/activation/new',
      { feature: { modelId: 'atlas', layer: 'narrow-8', index: 'x1' }, customText: 'hi' },
      /^feature\.index: must be a feature index/,
    ],
    [
      '/api/activation/new',
      { feature: { modelId: 'atlas', layer: 'narrow-8', index: 1 }, customText: 'hi' },
      /dictionary \d+ has no weights on this server/,
    ],
    ['/api/steer', { ...exampleOf('/api/steer'), stream: true }, /^stream: true is not offered over REST/],
    [
      '/api/steer',
      { ...exampleOf('/api/steer'), n_tokens: 1000 },
      /^n_tokens: must be an integer from 1 to 64 \(got 1000\)$/,
    ],
    [
      '/api/steer',
      { ...exampleOf('/api/steer'), features: [] },
      /^features: must list 1 to 8 features to steer \(got an array of 0\)$/,
    ],
    [
      '/api/steer',
      { ...exampleOf('/api/steer'), modelId: 'other' },
      /^features\[0\]\.modelId: is "atlas" but modelId is "other"/,
    ],
    ['/api/steer', '{"prompt": ', /^the request body is not valid JSON/],
    [
      '/api/explanation/search-all',
      { query: 'nul\u0000here' },
      /^query contains the control character U\+0000 at character 4; remove it/,
    ],
    [
      '/api/steer',
      { ...exampleOf('/api/steer'), features: [{ ...exampleOf('/api/steer').features[0], strength: 1e-300 }] },
      /^features\[0\]\.strength is 1e-300, outside the float32 range/,
    ],
    ['/api/steer', '[1, 2]', /^the request body: must be a JSON object \(got an array of 2\)$/],
  ];
  for (const [path, body, message] of cases) {
    const answer = await call(path, body);
    assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
    assert.match(answer.body.message, message);
  }
  const index = await call('/api/feature/atlas/narrow-8/three');
  assert.equal(index.status, 400);
  assert.match(index.body.message, /^index \(the path's last part\): must be a feature index/);
  const surrogate = await call('/api/feature/atlas/%ED%A0%80/3');
  assert.equal(surrogate.status, 400, JSON.stringify(surrogate.body));
  assert.match(surrogate.body.message, /is not valid percent-encoding/);
  const nul = await call('/api/feature/atlas/a%00b/3');
  assert.equal(nul.status, 400);
  assert.match(nul.body.message, /^path part 2 \(\{layer\}\) contains the control character U\+0000 at character 2/);
});

test('POST /api/explanation/search (the documented example) finds the fixture explanation, with its feature', async () => {
  const { status, body } = await call('/api/explanation/search', exampleOf('/api/explanation/search'));
  assert.equal(status, 200);
  assertShape(body, 'ExplanationSearchResponse');
  assert.deepEqual(body.request, exampleOf('/api/explanation/search'));
  const first = body.results[0];
  assertShape(first, 'Explanation');
  assert.deepEqual(
    [first.modelId, first.layer, first.index, first.description],
    ['atlas', 'narrow-8', '3', 'fires on spatial prepositions like under and beneath'],
  );
  assert.equal(first.neuron.index, '3');
  assert.deepEqual(first.neuron.activations, []);
  assert.equal(body.hasMore, false);
});

test('search-model and search-all cover every source; offset pages', async () => {
  const model = await call('/api/explanation/search-model', exampleOf('/api/explanation/search-model'));
  assert.equal(model.status, 200);
  const exact = model.body.results.filter((r: Json) => r.description === 'plural noun');
  // "plural noun" labels feature 2 of the narrow dictionary and 2 and 10 of the wide one (LABELS[i % 8]); fuzzy
  // matches ("proper noun") rank after them.
  assert.deepEqual(exact.map((r: Json) => `${r.layer}/${r.index}`).sort(), ['narrow-8/2', 'wide-16/10', 'wide-16/2']);
  assert.deepEqual(model.body.results.slice(0, 3), exact);
  const next = await call('/api/explanation/search-model', {
    ...exampleOf('/api/explanation/search-model'),
    offset: 1,
  });
  assert.equal(next.body.resultsCount, model.body.resultsCount - 1);
  assert.deepEqual(next.body.results[0].index, model.body.results[1].index);
  const all = await call('/api/explanation/search-all', exampleOf('/api/explanation/search-all'));
  assert.equal(all.status, 200);
  const quotes = all.body.results.filter((r: Json) => r.description === 'quotation mark');
  assert.deepEqual(quotes.map((r: Json) => `${r.layer}/${r.index}`).sort(), ['narrow-8/5', 'wide-16/13', 'wide-16/5']);
});

test('keys: X-Api-Key or Bearer as for GraphQL; a closed atlas refuses none, invalid (401) and revoked (403)', async () => {
  const path = '/api/feature/atlas/narrow-8/3';
  const none = await call(path, undefined, {}, closed.api.url);
  assert.equal(none.status, 401);
  assert.match(
    none.body.message,
    /requires an API key for every request; send `X-Api-Key: <key>` or `Authorization: Bearer <key>`/,
  );
  const bad = await call(path, undefined, { 'x-api-key': 'atlas_nope' }, closed.api.url);
  assert.deepEqual([bad.status, bad.body.message.startsWith('the API key is not valid')], [401, true]);
  const { key, prefix } = await createApiKey(t.db.dataSource, 'np-client');
  assert.equal((await call(path, undefined, { 'x-api-key': key }, closed.api.url)).body.index, '3');
  assert.equal((await call(path, undefined, { authorization: `Bearer ${key}` }, closed.api.url)).status, 200);
  await revokeApiKey(t.db.dataSource, prefix);
  const revoked = await call(path, undefined, { 'x-api-key': key }, closed.api.url);
  assert.deepEqual([revoked.status, revoked.body.message], [403, 'this API key has been revoked; ask for a new one.']);
  // An open atlas ignores keys on reads, as GraphQL does (Neuronpedia's client always sends one).
  assert.equal((await call(path, undefined, { 'x-api-key': 'anything' })).status, 200);
});

test("a body over the api's limit answers 413 naming the limit", async () => {
  const big = await call('/api/explanation/search-all', { query: 'x'.repeat(200_000) });
  assert.equal(big.status, 413);
  assert.equal(big.body.message, 'request body over 100000 bytes; send smaller requests.');
});

test("modelId is the model row's name; a source name is looked up within its model", async () => {
  const [{ id: modelRow }] = await t.db.dataSource.query(
    `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size) VALUES ('tiny-gpt', 'gpt2', 4, 1, 10) RETURNING id`,
  );
  const [{ id }] = await t.db.dataSource.query(
    `INSERT INTO dictionaries (name, model_id, hook_point, architecture, d_in, n_latents, k, status)
     VALUES ('narrow-8', $1, 'blocks.0.mlp.hook_post', 'topk', 4, 8, 2, 'ready') RETURNING id`,
    [modelRow],
  );
  // The same name under another model is another dictionary: this one is not analysed, so its features have no row.
  const fresh = await call('/api/feature/tiny-gpt/narrow-8/0');
  assert.equal(fresh.status, 404);
  assert.match(fresh.body.message, /^feature 0 of source "narrow-8" \(model "tiny-gpt"\) has no stored analysis/);
  assert.equal((await call('/api/feature/atlas/narrow-8/3')).body.atlas.dictionaryId, String(t.atlas.narrow));
  const models = await call('/api/feature/gpt2-small/narrow-8/3');
  assert.match(models.body.message, /its models are "atlas", "tiny-gpt"\.$/);
  await t.db.dataSource.query(`DELETE FROM dictionaries WHERE id = $1`, [id]);
});

test('hostile values in every field of every documented example answer 200 or 4xx with a message, never 500', async () => {
  const hostile: unknown[] = [
    null,
    [],
    {},
    -1,
    1.5,
    1e308,
    -0,
    true,
    '',
    'x'.repeat(40_000),
    'a\u0000b',
    '\ud800',
    'NaN',
  ];
  const posts = REST_ROUTES.filter((r) => r.method === 'POST').map((r) => r.path);
  let sent = 0;
  for (const path of posts) {
    const example = exampleOf(path);
    const variants: unknown[] = [];
    for (const key of Object.keys(example)) for (const v of hostile) variants.push({ ...example, [key]: v });
    // One level down too: features[0].* of steer, feature.* of activation/new.
    for (const [key, inner] of Object.entries(example)) {
      const nested = Array.isArray(inner) ? inner[0] : inner;
      if (typeof nested !== 'object' || nested === null) continue;
      for (const field of Object.keys(nested))
        for (const v of hostile) {
          const changed = { ...nested, [field]: v };
          variants.push({ ...example, [key]: Array.isArray(inner) ? [changed] : changed });
        }
    }
    for (const body of variants) {
      const answer = await call(path, body);
      sent++;
      assert.ok(
        answer.status === 200 || (answer.status >= 400 && answer.status < 500 && answer.body.message?.length > 0),
        `${path} ${JSON.stringify(body).slice(0, 200)} answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
      );
    }
  }
  for (const part of ['%00', '-1', '1e3', '99999999999', '%F0%9F%98%80', '..', 'a%2Fb'])
    for (const path of [
      `/api/feature/${part}/narrow-8/3`,
      `/api/feature/atlas/${part}/3`,
      `/api/feature/atlas/narrow-8/${part}`,
    ]) {
      const answer = await call(path);
      sent++;
      assert.ok(answer.status === 400 || answer.status === 404, `${path} answered ${answer.status}`);
    }
  assert.ok(sent > 300, `sent ${sent}`);
});

test('lists as Neuronpedia names them: new, add-features, get, list, remove, delete; writes need a key', async () => {
  const { key } = await createApiKey(t.db.dataSource, 'np-lists');
  const auth = { 'x-api-key': key };
  const refused = await call('/api/list/new', { name: 'spatial' });
  assert.equal(refused.status, 401, JSON.stringify(refused.body));

  const made = await call('/api/list/new', { name: 'spatial', description: 'prepositions' }, auth);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assertShape(made.body, 'List');
  const listId = made.body.id;
  assert.deepEqual([made.body.name, made.body.description], ['spatial', 'prepositions']);

  const features = [
    { modelId: 'atlas', layer: 'narrow-8', index: '3', description: 'under, beneath' },
    { modelId: 'atlas', layer: 'wide-16', index: 10, description: 'same direction, wider' },
  ];
  const added = await call('/api/list/add-features', { listId, featuresToAdd: features }, auth);
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(
    added.body.map((a: Json) => [a.layer, a.index, a.description]),
    [
      ['narrow-8', '3', 'under, beneath'],
      ['wide-16', '10', 'same direction, wider'],
    ],
  );
  // A bad feature anywhere in the request adds none of them.
  const bad = await call(
    '/api/list/add-features',
    { listId, featuresToAdd: [features[0], { modelId: 'atlas', layer: 'narrow-8', index: '99' }] },
    auth,
  );
  assert.equal(bad.status, 404);
  assert.match(bad.body.message, /^featuresToAdd\[1\]\.index: no feature 99 in source "narrow-8"/);

  const got = await call('/api/list/get', { listId });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assertShape(got.body, 'List');
  assert.deepEqual(
    got.body.neurons.map((n: Json) => [n.modelId, n.layer, n.index, n.listItem.description]),
    [
      ['atlas', 'narrow-8', '3', 'under, beneath'],
      ['atlas', 'wide-16', '10', 'same direction, wider'],
    ],
  );
  assert.equal(got.body.neurons[0].explanations[0].description, 'fires on spatial prepositions like under and beneath');
  // The list as GraphQL sees it: the same items, notes and order.
  const gql = await fetch(t.api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ list(id: "${listId}") { items { featureIndex note } } }` }),
  });
  assert.deepEqual(((await gql.json()) as Json).data.list.items, [
    { featureIndex: 3, note: 'under, beneath' },
    { featureIndex: 10, note: 'same direction, wider' },
  ]);

  // Neuronpedia's client posts no body to /api/list/list; it answers the lists this key made, and only those.
  const { key: otherKey } = await createApiKey(t.db.dataSource, 'np-lists-other');
  await call('/api/list/new', { name: 'not mine' }, { 'x-api-key': otherKey });
  const all = await fetch(`${t.api.url}/api/list/list`, { method: 'POST', headers: auth });
  assert.equal(all.status, 200);
  assert.deepEqual(
    ((await all.json()) as Json[]).map((l) => [l.id, l.name]),
    [[listId, 'spatial']],
  );
  const theirs = await call(
    '/api/list/add-features',
    { listId, featuresToAdd: [features[0]] },
    { 'x-api-key': otherKey },
  );
  assert.equal(theirs.status, 403);
  assert.match(theirs.body.message, /belongs to another API key/);

  const removed = await call('/api/list/remove', { listId, modelId: 'atlas', layer: 'narrow-8', index: '3' }, auth);
  assert.deepEqual([removed.status, removed.body], [200, true]);
  const again = await call('/api/list/remove', { listId, modelId: 'atlas', layer: 'narrow-8', index: '3' }, auth);
  assert.equal(again.status, 404);
  assert.deepEqual(
    (await call('/api/list/get', { listId })).body.neurons.map((n: Json) => n.index),
    ['10'],
  );
  assert.deepEqual((await call('/api/list/delete', { listId }, auth)).body, true);
  const gone = await call('/api/list/get', { listId });
  assert.equal(gone.status, 404);
  assert.match(gone.body.message, /^listId: no list \d+ this caller may read/);
});

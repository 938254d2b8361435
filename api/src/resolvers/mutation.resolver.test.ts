import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { recordStatements } from '../testing/sqlStatements.js';
import { createApiKey } from '../auth/apiKeys.js';
import { revokeApiKey } from '../services/apiKeyService.js';
import type { ApiServer } from '../server.js';
import { startTestApi, type TestApi } from '../testing/testApi.js';
import { loadFixtureAtlas, type FixtureAtlas } from '../testing/fixtureAtlas.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;
let atlas: FixtureAtlas;
let key: string;

before(async () => {
  db = await openTestDatabase();
  atlas = await loadFixtureAtlas(db);
  key = (await createApiKey(db.dataSource, 'tester')).key;
  testApi = await startTestApi(db);
  api = testApi.api;
});

after(async () => {
  await api.stop();
  await db.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}, auth?: string): Promise<any> {
  // any: shapes vary
  return testApi.post(query, variables, auth);
}

const SET = `mutation($d: ID!, $t: String!) { setExplanation(dictionaryId: $d, index: 2, text: $t) { text source author } }`;

test('mutations are refused without a key, with a bad key, and with a revoked key; accepted with a good one', async () => {
  const d = String(atlas.narrow);
  const none = await gql(SET, { d, t: 'plural nouns' });
  assert.equal(none.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.match(none.errors[0].message, /this needs an API key; send `Authorization: Bearer <key>`/);
  const bad = await gql(SET, { d, t: 'x' }, 'Bearer atlas_wrong');
  assert.equal(bad.errors[0].extensions.code, 'UNAUTHENTICATED');
  const ok = await gql(SET, { d, t: '  plural nouns  ' }, `Bearer ${key}`);
  assert.deepEqual(ok.data.setExplanation, { text: 'plural nouns', source: 'human', author: 'tester' });
  const read = await gql(`query($d: ID!) { feature(dictionaryId: $d, index: 2) { explanations { text author } } }`, {
    d,
  });
  assert.deepEqual(read.data.feature.explanations, [{ text: 'plural nouns', author: 'tester' }]);
  const other = await createApiKey(db.dataSource, 'leaver');
  await revokeApiKey(db.dataSource, other.prefix);
  const revoked = await gql(SET, { d, t: 'x' }, `Bearer ${other.key}`);
  assert.equal(revoked.errors[0].extensions.code, 'FORBIDDEN');
  const stored = await db.dataSource.query(`SELECT key_hash FROM api_keys`);
  assert.ok(stored.every((r: { key_hash: string }) => /^[0-9a-f]{64}$/.test(r.key_hash) && r.key_hash !== key));
});

test('jobs: enqueue with payload validation, read progress, cancel once', async () => {
  const auth = `Bearer ${key}`;
  const bad = await gql(
    `mutation { trainDictionary(input: { name: "x", acts: "/data/acts", arch: "sparse", latents: 0 }) { id } }`,
    {},
    auth,
  );
  assert.equal(bad.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(bad.errors[0].message, /arch: .*"topk"/);
  assert.match(bad.errors[0].message, /latents: .*>=1/);
  const queued = await gql(
    `mutation { trainDictionary(input: { name: "x", acts: "/data/acts", arch: "topk", latents: 1024, k: 8 }) { id type state progress { fraction } payload } }`,
    {},
    auth,
  );
  const job = queued.data.trainDictionary;
  // Optional fields sent as explicit nulls (as form clients do) mean "not given".
  const nulls = await gql(
    `mutation { trainDictionary(input: { name: "y", acts: "/data/acts", arch: "relu", latents: 64, k: null, l1Coefficient: null, seed: null }) { payload } }`,
    {},
    auth,
  );
  assert.deepEqual(nulls.data?.trainDictionary.payload, { name: 'y', acts: '/data/acts', arch: 'relu', latents: 64 });
  assert.deepEqual([job.type, job.state, job.progress.fraction], ['train', 'queued', 0]);
  assert.deepEqual(job.payload, { name: 'x', acts: '/data/acts', arch: 'topk', latents: 1024, k: 8 });
  await db.dataSource.query(
    `UPDATE jobs SET state = 'running', progress = '{"fraction": 0.25, "rate": 15000, "unit": "tokens", "etaSeconds": 40}' WHERE id = $1`,
    [job.id],
  );
  const polled = await gql(`query($id: ID!) { job(id: $id) { state progress { fraction rate unit etaSeconds } } }`, {
    id: job.id,
  });
  assert.deepEqual(polled.data.job, {
    state: 'running',
    progress: { fraction: 0.25, rate: 15000, unit: 'tokens', etaSeconds: 40 },
  });
  const cancelled = await gql(`mutation($id: ID!) { cancelJob(id: $id) { state } }`, { id: job.id }, auth);
  assert.equal(cancelled.data.cancelJob.state, 'cancelled');
  const again = await db.dataSource.query(`UPDATE jobs SET state = 'succeeded' WHERE id = $1`, [job.id]);
  void again;
  const late = await gql(`mutation($id: ID!) { cancelJob(id: $id) { state } }`, { id: job.id }, auth);
  assert.match(late.errors[0].message, /has already succeeded/);
  const list = await gql(`{ jobs(state: "succeeded") { id } }`);
  assert.deepEqual(
    list.data.jobs.map((j: { id: string }) => j.id),
    [job.id],
  );
  const analyze = await gql(
    `mutation($d: ID!) { analyzeDictionary(dictionaryId: $d, maxTokens: 1000) { type dictionaryId payload } }`,
    { d: String(atlas.wide) },
    auth,
  );
  assert.deepEqual(analyze.data.analyzeDictionary, {
    type: 'analyze',
    dictionaryId: String(atlas.wide),
    payload: { dictionaryId: atlas.wide, maxTokens: 1000 },
  });
  const split = await gql(
    `mutation($d: ID!) { analyzeDictionary(dictionaryId: $d, split: 4) { payload } }`,
    { d: String(atlas.wide) },
    auth,
  );
  assert.deepEqual(split.data.analyzeDictionary.payload, { dictionaryId: atlas.wide, split: 4 });
  const tooMany = await gql(
    `mutation($d: ID!) { analyzeDictionary(dictionaryId: $d, split: 65) { payload } }`,
    { d: String(atlas.wide) },
    auth,
  );
  assert.match(tooMany.errors[0].message, /^split: /);
  const imp = await gql(
    `mutation { importSae(input: { path: "/saes/gpt2-l0", model: "builtin" }) { type payload } }`,
    {},
    auth,
  );
  assert.deepEqual(imp.data.importSae.payload, { kind: 'sae', path: '/saes/gpt2-l0', model: 'builtin' });
});

test('cancelling a split analysis (its split job or any part) cancels every live part and the merge, nothing else', async () => {
  const auth = `Bearer ${key}`;
  const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p) as Promise<{ id: number }[]>;
  const [{ id: split }] = await q(
    `INSERT INTO jobs (type, payload, state) VALUES ('analyze', '{"dictionaryId": 1, "split": 3}', 'succeeded') RETURNING id`,
  );
  const part = (index: number, state: string) =>
    q(`INSERT INTO jobs (type, payload, state) VALUES ('analyze', $1, $2) RETURNING id`, [
      JSON.stringify({ dictionaryId: 1, part: { parent: split, index, of: 3, start: 0, end: 1, file: '/p/x' } }),
      state,
    ]).then((r) => r[0].id);
  const done = await part(0, 'succeeded');
  const running = await part(1, 'running');
  const queued = await part(2, 'queued');
  const [{ id: other }] = await q(
    `INSERT INTO jobs (type, payload) VALUES ('analyze', '{"dictionaryId": 1}') RETURNING id`,
  );
  const states = async () =>
    (await q(`SELECT id, state FROM jobs WHERE id = ANY($1) ORDER BY id`, [[split, done, running, queued, other]])).map(
      (r) => (r as unknown as { state: string }).state,
    );
  // The split job has finished queuing its parts; cancelling it still stops the analysis.
  const r = await gql(`mutation($id: ID!) { cancelJob(id: $id) { id state } }`, { id: String(split) }, auth);
  assert.equal(r.errors, undefined);
  assert.deepEqual(await states(), ['succeeded', 'succeeded', 'cancelled', 'cancelled', 'queued']);
  // Through a part, the same: here the queued merge goes too.
  await q(`UPDATE jobs SET state = 'queued' WHERE id = $1`, [queued]);
  const [{ id: merge }] = await q(`INSERT INTO jobs (type, payload) VALUES ('analyze', $1) RETURNING id`, [
    JSON.stringify({ dictionaryId: 1, merge: { parent: split, files: ['/p/a', '/p/b'] } }),
  ]);
  const viaPart = await gql(`mutation($id: ID!) { cancelJob(id: $id) { state } }`, { id: String(queued) }, auth);
  assert.equal(viaPart.data.cancelJob.state, 'cancelled');
  const [mergeRow] = await q(`SELECT state FROM jobs WHERE id = $1`, [merge]);
  assert.equal((mergeRow as unknown as { state: string }).state, 'cancelled');
  assert.deepEqual((await states()).at(-1), 'queued', 'an unrelated job is untouched');
  // Nothing left to cancel: the usual refusal.
  const again = await gql(`mutation($id: ID!) { cancelJob(id: $id) { state } }`, { id: String(split) }, auth);
  assert.match(again.errors[0].message, /has already succeeded/);
});

test('Job.logs: the newest lines oldest first, per job, read for a whole list in one statement', async () => {
  const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
  const [{ id: a }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
  const [{ id: b }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
  const [{ id: quiet }] = await q(`INSERT INTO jobs (type, payload) VALUES ('export', '{}') RETURNING id`);
  for (let i = 1; i <= 60; i++)
    await q(`INSERT INTO job_logs (job_id, level, message) VALUES ($1, 'info', $2)`, [a, `a line ${i}`]);
  await q(`INSERT INTO job_logs (job_id, level, message) VALUES ($1, 'info', 'b started'), ($1, 'error', 'B: boom')`, [
    b,
  ]);
  const one = await gql(`query($id: ID!) { job(id: $id) { logs { at level message } } }`, { id: String(a) });
  const lines = one.data.job.logs;
  assert.equal(lines.length, 50); // the default
  assert.equal(lines[0].message, 'a line 11');
  assert.equal(lines[49].message, 'a line 60');
  assert.ok(!Number.isNaN(Date.parse(lines[0].at)));
  const few = await gql(`query($id: ID!) { job(id: $id) { logs(last: 2) { message } } }`, { id: String(a) });
  assert.deepEqual(few.data.job.logs, [{ message: 'a line 59' }, { message: 'a line 60' }]);
  const tooMany = await gql(`query($id: ID!) { job(id: $id) { logs(last: 0) { message } } }`, { id: String(a) });
  assert.equal(tooMany.errors[0].extensions.code, 'BAD_USER_INPUT');

  const original = db.dataSource.query.bind(db.dataSource);
  let logStatements = 0;
  db.dataSource.query = ((sql: string, params?: unknown[]) => {
    if (sql.includes('job_logs')) logStatements++;
    return original(sql, params);
  }) as typeof db.dataSource.query;
  try {
    const list = await gql(`{ jobs(first: 3) { id logs(last: 3) { level message } } }`);
    assert.deepEqual(list.data.jobs, [
      { id: String(quiet), logs: [] },
      {
        id: String(b),
        logs: [
          { level: 'info', message: 'b started' },
          { level: 'error', message: 'B: boom' },
        ],
      },
      { id: String(a), logs: ['a line 58', 'a line 59', 'a line 60'].map((message) => ({ level: 'info', message })) },
    ]);
    assert.equal(logStatements, 1);
  } finally {
    db.dataSource.query = original;
  }
});

test('deleteDictionary removes its features, examples, tokens and links', async () => {
  const auth = `Bearer ${key}`;
  const del = await gql(`mutation($d: ID!) { deleteDictionary(id: $d) }`, { d: String(atlas.wide) }, auth);
  assert.equal(del.data.deleteDictionary, true);
  for (const table of ['features', 'feature_examples', 'feature_tokens'])
    assert.equal(
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE dictionary_id = $1`, [atlas.wide]))[0]
        .n,
      0,
      table,
    );
  assert.equal((await db.dataSource.query(`SELECT count(*)::int AS n FROM feature_links`))[0].n, 0);
  const gone = await gql(`query($d: ID!) { features(dictionaryId: $d) { totalCount } }`, { d: String(atlas.wide) });
  assert.equal(gone.errors[0].extensions.code, 'NOT_FOUND');
  assert.equal((await gql(`{ dictionaries { id } }`)).data.dictionaries.length, 1);
});

test('with reads closed by config, queries need a key too', async () => {
  const closed = await startTestApi(db, { maxBodyBytes: 10_000, publicReads: false });
  try {
    const ask = (auth?: string) =>
      fetch(closed.api.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth && { authorization: auth }) },
        body: JSON.stringify({ query: '{ dictionaries { id } }' }),
      });
    const refused = await ask();
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as any).errors[0].extensions.code, 'UNAUTHENTICATED');
    const allowed = await ask(`Bearer ${key}`);
    assert.equal(allowed.status, 200);
  } finally {
    await closed.stop();
  }
});

test('extractActivations, importActivations and exportDictionary queue checked payloads; refused without a key', async () => {
  const auth = `Bearer ${key}`;
  const EXTRACT = `mutation($i: ExtractActivationsInput!) { extractActivations(input: $i) { type state payload } }`;
  const extractInput = { model: 'builtin', corpus: 'brown', hook: 'blocks.0.mlp.hook_post', out: '/data/acts' };
  assert.equal((await gql(EXTRACT, { i: extractInput })).errors[0].extensions.code, 'UNAUTHENTICATED');
  const extract = await gql(EXTRACT, { i: { ...extractInput, maxTokens: 5000 } }, auth);
  assert.deepEqual(extract.data.extractActivations, {
    type: 'extract',
    state: 'queued',
    payload: { ...extractInput, maxTokens: 5000 },
  });
  const badHook = await gql(EXTRACT, { i: { ...extractInput, hook: 'blocks.0.mlp.nope' } }, auth);
  assert.equal(badHook.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(badHook.errors[0].message, /hook/);

  const IMPORT = `mutation($i: ImportActivationsInput!) { importActivations(input: $i) { type payload } }`;
  const importInput = { acts: '/data/x.npy', tokens: '/data/tokens.npy', out: '/data/imported' };
  assert.equal((await gql(IMPORT, { i: importInput })).errors[0].extensions.code, 'UNAUTHENTICATED');
  const imported = await gql(IMPORT, { i: importInput }, auth);
  assert.deepEqual(imported.data.importActivations, {
    type: 'import',
    payload: { kind: 'activations', ...importInput },
  });
  const emptyPath = await gql(IMPORT, { i: { ...importInput, acts: '' } }, auth);
  assert.equal(emptyPath.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(emptyPath.errors[0].message, /acts/);

  const EXPORT = `mutation($i: ExportDictionaryInput!) { exportDictionary(input: $i) { type dictionaryId payload } }`;
  const exportInput = { dictionaryId: String(atlas.narrow), out: '/data/export-narrow' };
  assert.equal((await gql(EXPORT, { i: exportInput })).errors[0].extensions.code, 'UNAUTHENTICATED');
  const exported = await gql(EXPORT, { i: exportInput }, auth);
  assert.deepEqual(exported.data.exportDictionary, {
    type: 'export',
    dictionaryId: String(atlas.narrow),
    payload: { dictionaryId: atlas.narrow, out: '/data/export-narrow' },
  });
  const missing = await gql(EXPORT, { i: { ...exportInput, dictionaryId: '9999' } }, auth);
  assert.equal(missing.errors[0].extensions.code, 'NOT_FOUND');
});

test('evaluateDictionary queues an evaluate job with the kinds asked; unknown kinds and dictionaries are refused', async () => {
  const auth = `Bearer ${key}`;
  const EVALUATE = `mutation($d: ID!, $only: [EvaluationKind!]) { evaluateDictionary(dictionaryId: $d, only: $only) { type state dictionaryId payload } }`;
  const d = String(atlas.narrow);
  assert.equal((await gql(EVALUATE, { d })).errors[0].extensions.code, 'UNAUTHENTICATED');
  const all = await gql(EVALUATE, { d }, auth);
  assert.deepEqual(all.data.evaluateDictionary, {
    type: 'evaluate',
    state: 'queued',
    dictionaryId: d,
    payload: { dictionaryId: atlas.narrow },
  });
  const some = await gql(EVALUATE, { d, only: ['CORE', 'SPARSE_PROBING'] }, auth);
  assert.deepEqual(some.data.evaluateDictionary.payload, {
    dictionaryId: atlas.narrow,
    only: ['core', 'sparse_probing'],
  });
  const [{ stored }] = await db.dataSource.query(
    `SELECT count(*)::int AS stored FROM jobs WHERE type = 'evaluate' AND dictionary_id = $1`,
    [atlas.narrow],
  );
  assert.equal(stored, 2);
  const unknownKind = await gql(EVALUATE, { d, only: ['PROBING'] }, auth);
  assert.match(unknownKind.errors[0].message, /PROBING/);
  const missing = await gql(EVALUATE, { d: '9999' }, auth);
  assert.equal(missing.errors[0].extensions.code, 'NOT_FOUND');
});

test('dictionary(id) and featureMap(dictionaryId) answer from the stored rows; unknown ids say so', async () => {
  const d = String(atlas.narrow);
  const one = await gql(`query($d: ID!) { dictionary(id: $d) { id name nLatents dIn } }`, { d });
  assert.deepEqual(one.data.dictionary, { id: d, name: 'narrow-8', nLatents: 8, dIn: 4 });
  assert.equal((await gql(`{ dictionary(id: "9999") { id } }`)).data.dictionary, null);
  const map = await gql(`query($d: ID!) { featureMap(dictionaryId: $d) { indices x y density labels } }`, { d });
  const m = map.data.featureMap;
  assert.deepEqual(m.indices, [0, 1, 2, 3, 4, 5, 6, 7]);
  // The fixture stores map coordinates (i, -i) and density (i + 1) / 100 for feature i.
  assert.deepEqual(m.x, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    m.y,
    [-0, -1, -2, -3, -4, -5, -6, -7].map((v) => v || 0),
  );
  assert.ok(m.density.every((v: number, i: number) => Math.abs(v - (i + 1) / 100) < 1e-6));
  assert.equal(m.labels.length, 8);
  const unknown = await gql(`{ featureMap(dictionaryId: "9999") { indices } }`);
  assert.equal(unknown.errors[0].extensions.code, 'NOT_FOUND');
});

test('Dictionary.modelName and latestJob: the newest job per dictionary for a whole list in one statement', async () => {
  const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
  const [{ id: modelId }] = await q(
    `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size) VALUES ('tiny-test', 'gpt2', 4, 1, 10) RETURNING id`,
  );
  await q(`UPDATE dictionaries SET model_id = $1 WHERE id = $2`, [modelId, atlas.narrow]);
  // (the fixture's wide dictionary was deleted by an earlier test)
  const [{ id: other }] = await q(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, status) VALUES ('jobs-only', 'blocks.0.hook_resid_post', 'topk', 4, 8, 'ready') RETURNING id`,
  );
  await q(`INSERT INTO jobs (type, payload, dictionary_id, state) VALUES ('export', '{}', $1, 'succeeded')`, [other]);
  const [{ id: newest }] = await q(
    `INSERT INTO jobs (type, payload, dictionary_id, state) VALUES ('analyze', '{}', $1, 'running') RETURNING id`,
    [other],
  );
  await q(`DELETE FROM jobs WHERE dictionary_id = $1`, [atlas.narrow]);
  const {
    result: { data },
    statements,
  } = await recordStatements(() => gql(`{ dictionaries { id modelName latestJob { id type state } } }`));
  const byId = new Map(data.dictionaries.map((d: { id: string }) => [d.id, d]));
  assert.deepEqual(byId.get(String(atlas.narrow)), {
    id: String(atlas.narrow),
    modelName: 'tiny-test',
    latestJob: null,
  });
  assert.deepEqual(byId.get(String(other)), {
    id: String(other),
    modelName: null,
    latestJob: { id: String(newest), type: 'analyze', state: 'running' },
  });
  // dictionaries, models, jobs: one each, however many dictionaries.
  assert.equal(statements.length, 3, statements.join('\n'));
});

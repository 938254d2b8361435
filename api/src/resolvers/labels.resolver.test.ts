// Labels as people read them (issue 13, item 10) and exact token search (item 11), through the api on a real
// database. The fixture is stored the way analyses store labels (`vbd (F1 0.81)`), so it also shows that atlases
// analysed before these changes read right without re-analysis.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrations } from '@atlas/migrations';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import type { ApiServer } from '../server.js';
import { startTestApi, type TestApi } from '../testing/testApi.js';
import { loadLabelAtlas, type LabelAtlas } from '../testing/labelAtlas.js';

let db: TestDatabase;
let api: ApiServer;
let testApi: TestApi;
let atlas: LabelAtlas;

before(async () => {
  db = await openTestDatabase();
  atlas = await loadLabelAtlas(db);
  testApi = await startTestApi(db);
  api = testApi.api;
});

after(async () => {
  await api.stop();
  await db.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  // any: shapes vary per query
  const body = await testApi.post(query, variables);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const indexOf = (name: string) => atlas.features.findIndex((f) => f.name === name);

test('labels read as names with the Brown tag beside them, with their score; rare features say why they have none', async () => {
  const { features } = await gql(
    `query($d: ID!) { features(dictionaryId: $d, first: 100) { edges { node {
        index label labelScore unlabelledReason } } } }`,
    { d: String(atlas.dictionaryId) },
  );
  const byIndex = new Map(features.edges.map((e: any) => [e.node.index, e.node]));
  assert.deepEqual(byIndex.get(indexOf('article')), {
    index: indexOf('article'),
    label: 'article (at)',
    labelScore: 0.5,
    unlabelledReason: null,
  });
  assert.equal((byIndex.get(indexOf('past tense strong')) as any).label, 'verb, past tense (vbd)');
  assert.equal((byIndex.get(indexOf('was')) as any).label, "verb 'to be', past tense singular: was (bedz)");
  assert.equal((byIndex.get(indexOf('np best')) as any).label, 'proper noun (np)');
  assert.equal((byIndex.get(indexOf('np best')) as any).labelScore, 0.3349);
  assert.equal((byIndex.get(indexOf('news')) as any).label, 'news (genre)');
  assert.deepEqual(byIndex.get(indexOf('rare')), {
    index: indexOf('rare'),
    label: null,
    labelScore: null,
    unlabelledReason: 'too rare to label: 2 firings',
  });
  const past = await gql(
    `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { labelAssociations { name f1 support } } }`,
    { d: String(atlas.dictionaryId), i: indexOf('past tense strong') },
  );
  assert.deepEqual(past.feature.labelAssociations, [{ name: 'verb, past tense (vbd)', f1: 0.81, support: 90 }]);
  const news = await gql(
    `query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { labelAssociations { name } } }`,
    { d: String(atlas.dictionaryId), i: indexOf('news') },
  );
  assert.deepEqual(news.feature.labelAssociations, [{ name: 'news (genre)' }]);
  const map = await gql(`query($d: ID!) { featureMap(dictionaryId: $d) { labels } }`, {
    d: String(atlas.dictionaryId),
  });
  assert.equal(map.featureMap.labels[indexOf('article')], 'article (at)');
  assert.equal(map.featureMap.labels[indexOf('rare')], '');
});

async function search(query: string): Promise<{ name: string; score: number; label: string }[]> {
  const data = await gql(`query($q: String!) { searchFeatures(query: $q) { score feature { index label } } }`, {
    q: query,
  });
  return data.searchFeatures.map((h: any) => ({
    name: atlas.features[h.feature.index].name,
    score: h.score,
    label: h.feature.label,
  }));
}

test("search understands tag names and tags in any case, and ranks by the label's own score", async () => {
  // The search page's own examples.
  const pastTense = await search('past tense');
  assert.deepEqual(
    pastTense.map((h) => h.name),
    ['past tense strong', 'was', 'past tense weak'],
  );
  assert.deepEqual(
    pastTense.map((h) => h.score),
    [0.81, 0.6, 0.35],
  );
  const verbs = (await search('verb')).map((h) => h.name);
  assert.deepEqual(verbs, ['past tense strong', 'was', 'past tense weak']);
  assert.deepEqual(
    (await search('VBD')).map((h) => h.name),
    ['past tense strong', 'past tense weak'],
  );
  assert.deepEqual(
    (await search('Article')).map((h) => h.name),
    ['article'],
  );
  // Every "np (F1 0.33)" label used to score the same; their own F1 orders them now. The rare one is not a hit.
  const np = await search('np');
  assert.deepEqual(
    np.map((h) => h.name),
    ['np best', 'np middle', 'np worst'],
  );
  assert.ok(np[0].score > np[1].score && np[1].score > np[2].score, JSON.stringify(np));
  assert.deepEqual(
    (await search('proper NOUN')).map((h) => h.name),
    ['np best', 'np middle', 'np worst'],
  );
  // Genres and peak-token labels still match by their words; "F1" in the stored text is not a word of a label.
  assert.deepEqual(
    (await search('news')).map((h) => h.name),
    ['news'],
  );
  assert.deepEqual(
    (await search('the')).map((h) => h.name),
    ['tokens'],
  );
  assert.deepEqual(await search('F1'), []);
});

test('the feature filters understand names, tags and any case; rare labels match nothing', async () => {
  const list = async (filter: Record<string, unknown>) => {
    const data = await gql(
      `query($d: ID!, $f: FeatureFilter) { features(dictionaryId: $d, filter: $f, first: 100) { edges { node { index } } } }`,
      { d: String(atlas.dictionaryId), f: filter },
    );
    return data.features.edges.map((e: any) => atlas.features[e.node.index].name).sort();
  };
  assert.deepEqual(await list({ posTag: 'VBD' }), ['past tense strong', 'past tense weak']);
  assert.deepEqual(await list({ posTag: 'vbd' }), ['past tense strong', 'past tense weak']);
  assert.deepEqual(await list({ posTag: 'Past Tense' }), ['past tense strong', 'past tense weak', 'was']);
  assert.deepEqual(await list({ posTag: 'zz' }), []);
  assert.deepEqual(await list({ text: 'verb' }), ['past tense strong', 'past tense weak', 'was']);
  assert.deepEqual(await list({ text: 'NP' }), ['np best', 'np middle', 'np worst']);
  assert.deepEqual(await list({ text: 'genre' }), ['news']);
});

test('token search matches the exact token by default, folded on request', async () => {
  const byToken = async (token: string, fold?: boolean) => {
    const data = await gql(
      `query($t: String!, $fold: Boolean) { featuresByToken(token: $t, fold: $fold) { token examples feature { index } } }`,
      { t: token, ...(fold !== undefined && { fold }) },
    );
    return data.featuresByToken.map((h: any) => [atlas.features[h.feature.index].name, h.token, h.examples]);
  };
  assert.deepEqual(await byToken(' the'), [
    ['space the', ' the', 6],
    ['mixed', ' the', 3],
  ]);
  assert.deepEqual(await byToken('the'), [['mixed', 'the', 3]]);
  assert.deepEqual(await byToken('The'), [['capital', 'The', 6]]);
  assert.deepEqual(await byToken('THE'), []);
  // Folded, a feature's spellings count together under its strongest one.
  assert.deepEqual(await byToken('THE', true), [
    ['space the', ' the', 6],
    ['capital', 'The', 6],
    ['mixed', ' the', 6],
  ]);
  assert.deepEqual(await byToken(' the ', true), await byToken('THE', true));
  // A whitespace token is a token; blank is refused only when folding.
  assert.deepEqual(await byToken('\n'), [['newline', '\n', 6]]);
  const blank = await testApi.post(`{ featuresByToken(token: "  ", fold: true) { token } }`);
  assert.equal(blank.errors![0].extensions.code, 'BAD_USER_INPUT');
  assert.match(blank.errors![0].message, /^token must be 1 to 200 characters, not blank when fold is true/);
});

test('the migration to exact tokens rebuilds the index of an atlas that had only folded rows, from its examples', async () => {
  const migration = migrations.find((m) => m.name === 'ExactFeatureTokens1733500000000')!;
  const runner = db.dataSource.createQueryRunner();
  const rows = () =>
    db.dataSource.query(
      `SELECT token, token_key, feature_index, max_activation, examples FROM feature_tokens
       WHERE dictionary_id = $1 ORDER BY feature_index, token`,
      [atlas.dictionaryId],
    );
  const exact = await rows();
  try {
    await new migration().down(runner);
    // The old shape: one row per folded token, so "mixed" kept one of its two spellings.
    const folded = await rows();
    assert.equal(folded.filter((r: any) => r.feature_index === indexOf('mixed')).length, 1);
    await new migration().up(runner);
  } finally {
    await runner.release();
  }
  assert.deepEqual(await rows(), exact);
});

// 20 concurrent steer requests leave feature-page reads answering: on a real database and the built-in tiny LM, a
// burst of steers (some served, the rest BUSY) runs while the feature page's query is read in a loop, and every read
// answers with the data it gave before the burst, some of them while generations are still running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { FEATURE_PAGE_QUERY } from '../testing/featurePageQuery.js';
import { seedSteeringAtlas, STEER_PROMPT, STEER_QUERY, type SteeringAtlas } from '../testing/steeringAtlas.js';
import { startTestApi, type TestApi } from '../testing/testApi.js';

const SLOTS = 4;
const REQUESTS = 20;

let db: TestDatabase;
let atlas: SteeringAtlas;
let client: TestApi;

before(async () => {
  db = await openTestDatabase();
  atlas = await seedSteeringAtlas(db);
  client = await startTestApi(db, { steerSlots: SLOTS });
});

after(async () => {
  await client?.stop();
  await db?.close();
  atlas?.dispose();
});

test('20 concurrent steer requests leave feature-page reads answering', async (t) => {
  const page = (i: number) => client.post(FEATURE_PAGE_QUERY, { d: String(atlas.dictionaryId), i });
  const indexes = [0, 5, 17, atlas.nLatents - 1];
  const before = await Promise.all(indexes.map(page));
  for (const b of before) {
    assert.equal(b.errors, undefined, JSON.stringify(b.errors));
    assert.ok(b.data.feature.topActivations.length > 0);
  }

  let steering = true;
  const steerDone: number[] = [];
  const steers = Promise.all(
    Array.from({ length: REQUESTS }, async (_, n) => {
      const answer = await client.post(STEER_QUERY, {
        p: STEER_PROMPT,
        iv: [{ dictionaryId: String(atlas.dictionaryId), index: n % atlas.nLatents, mode: 'ADD', strength: 8 }],
        s: { maxNewTokens: 24 },
      });
      steerDone[n] = performance.now();
      return answer;
    }),
  ).finally(() => (steering = false));

  const readDone: number[] = [];
  let reads = 0;
  while (steering) {
    const k = reads++ % indexes.length;
    const answer = await page(indexes[k]);
    readDone.push(performance.now());
    assert.deepEqual(answer, before[k], `read ${reads} (feature ${indexes[k]}) during the steers`);
  }
  const answers = await steers;

  const served = answers.filter((a) => a.errors === undefined);
  const busy = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'BUSY');
  assert.equal(served.length + busy.length, REQUESTS, JSON.stringify(answers.map((a) => a.errors)));
  assert.ok(served.length >= 1, 'at least one steer is served');
  for (const s of served) assert.ok(s.data.steer.steered.text.length > 0);

  // Interleaved: reads finished while generations were still running, not only after the last one.
  const lastGeneration = Math.max(...steerDone.filter((_, n) => answers[n].errors === undefined));
  const during = readDone.filter((t) => t < lastGeneration).length;
  assert.ok(during >= 1, `no read finished before the last generation (${readDone.length} reads in all)`);
  t.diagnostic(`${served.length} served, ${busy.length} BUSY; ${during} of ${readDone.length} reads during generation`);
});

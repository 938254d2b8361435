// `npm run bench:steer-load [-- --seconds 10 --generations 4 --tokens 64]`: the feature page's latency idle and
// while steer generations run, on the embedded database and the built-in tiny LM (a 32-latent dictionary trained on
// it). One client reads the feature page (the web's query, a random feature each time) back to back for `seconds`;
// then again while `generations` clients each keep one steer request (`tokens` new tokens) in the pool, whose slots
// equal `generations` so none is BUSY. Prints the machine, p50 and p90 of both phases, and the steers served.
// Everything runs in one process (api, database, clients), as `npm start`'s api serves steer and pages together.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { openTestDatabase } from '@atlas/migrations/testing';
import { FEATURE_PAGE_QUERY } from '../src/testing/featurePageQuery.js';
import { seedSteeringAtlas, STEER_PROMPT, STEER_QUERY } from '../src/testing/steeringAtlas.js';
import { startTestApi } from '../src/testing/testApi.js';
import { TINY_LM } from '../src/testing/tinyLmDictionaries.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    generations: { type: 'string', default: '4' },
    tokens: { type: 'string', default: '64' },
  },
});
const seconds = Number(values.seconds);
const generations = Number(values.generations);
const tokens = Number(values.tokens);

console.log(
  `machine: ${cpus()[0]?.model} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

const db = await openTestDatabase();
const atlas = await seedSteeringAtlas(db);
const client = await startTestApi(db, { steerSlots: generations, maxBodyBytes: 1_000_000 });

async function readPages(until: () => boolean): Promise<number[]> {
  const ms: number[] = [];
  while (!until()) {
    const t0 = performance.now();
    const answer = await client.post(FEATURE_PAGE_QUERY, {
      d: String(atlas.dictionaryId),
      i: Math.floor(Math.random() * atlas.nLatents),
    });
    if (answer.errors) throw new Error(`feature page: ${JSON.stringify(answer.errors)}`);
    ms.push(performance.now() - t0);
  }
  return ms;
}
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
const summary = (ms: number[]) =>
  `p50 ${quantile(ms, 0.5).toFixed(1)} ms, p90 ${quantile(ms, 0.9).toFixed(1)} ms over ${ms.length} reads`;

try {
  const warm = Date.now() + 1000;
  await readPages(() => Date.now() > warm);
  const idleEnd = Date.now() + seconds * 1000;
  const idle = await readPages(() => Date.now() > idleEnd);

  // Warm the model and the dictionary so the loaded phase measures generation, not loading.
  await client.post(STEER_QUERY, {
    p: STEER_PROMPT,
    iv: [{ dictionaryId: String(atlas.dictionaryId), index: 3, mode: 'ADD', strength: 8 }],
    s: { maxNewTokens: 2 },
  });
  let stop = false;
  let served = 0;
  const steerMs: number[] = [];
  const steerers = Array.from({ length: generations }, async (_, n) => {
    while (!stop) {
      const t0 = performance.now();
      const answer = await client.post(STEER_QUERY, {
        p: STEER_PROMPT,
        iv: [{ dictionaryId: String(atlas.dictionaryId), index: n, mode: 'ADD', strength: 8 }],
        s: { maxNewTokens: tokens },
      });
      if (answer.errors) throw new Error(`steer: ${JSON.stringify(answer.errors)}`);
      steerMs.push(performance.now() - t0);
      served++;
    }
  });
  // Let every client's first request into the pool before timing.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const loadEnd = Date.now() + seconds * 1000;
  const loaded = await readPages(() => Date.now() > loadEnd);
  stop = true;
  await Promise.all(steerers);

  console.log(`config: embedded database, ${TINY_LM}, dictionary of ${atlas.nLatents} latents, one page reader`);
  console.log(`feature page, idle: ${summary(idle)}`);
  console.log(
    `feature page, ${generations} steer generations running (${tokens} new tokens each, default + steered): ${summary(loaded)}`,
  );
  console.log(
    `steers served meanwhile: ${served}, p50 ${quantile(steerMs, 0.5).toFixed(0)} ms each (queued behind the others)`,
  );
} finally {
  await client.stop();
  await db.close();
  atlas.dispose();
}

// Hostile argument values through the web's /api/graphql pass-through (what pages' client components call), on the
// whole stack that `npm start` runs: every string and Float argument of every operation with a NUL or 1e308 answers
// BAD_USER_INPUT naming the argument, and a smaller random fuzz over every argument gets no internal error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApiSchema } from '../../api/src/buildApiSchema.js';
import { featureId } from '../../api/src/services/globalId.js';
import { D_IN } from '../../api/src/testing/fixtureAtlas.js';
import {
  hostileRequests,
  send,
  type Answer,
  type HostileRequest,
  type HostileRequestGenerator,
} from '../../api/src/testing/hostileRequests.js';
import { runOnAtlas } from './runOnAtlas.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
let generator: HostileRequestGenerator;
let apiKey: string;

before(async () => {
  // No worker: the fuzz queues export jobs with hostile paths, which must be accepted or refused, never run here.
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  const ids = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedFixture.ts')) as { narrow: number; wide: number };
  apiKey = runOnAtlas(stack, 'api/src/cli/apiKey.ts', 'create', '--name', 'web-fuzz');
  generator = hostileRequests(await buildApiSchema(), {
    dictionaryIds: [String(ids.narrow), String(ids.wide)],
    nodeIds: [featureId(ids.narrow, 1), featureId(ids.wide, 3)],
    dIn: D_IN,
  });
});

after(async () => {
  await stack?.stop();
});

/** POSTs to the web's /api/graphql as a page's client component does (subscriptions too: the web has no socket). */
function viaWeb(r: HostileRequest): Promise<Answer> {
  const authorization = r.operation === 'mutation' ? `Bearer ${apiKey}` : undefined;
  return send(`${stack.webUrl}/api/graphql`, r, authorization, 'http');
}

test('through the web: a NUL in every string argument, 1e308 in every Float argument, is BAD_USER_INPUT naming it', async () => {
  const requests = [...generator.eachLeaf('string', 'verb\u0000'), ...generator.eachLeaf('float', 1e308)];
  for (const r of requests) {
    if (r.operation === 'subscription') continue; // not served over HTTP at all (the random fuzz sends them)
    const answer = await viaWeb(r);
    const first = answer.errors?.[0];
    assert.equal(first?.extensions?.code, 'BAD_USER_INPUT', `${r.hostile[0]}: ${JSON.stringify(answer).slice(0, 300)}`);
    assert.ok(first.message.startsWith(r.hostile[0]), first.message);
    assert.equal(answer.status, 400);
  }
});

test('through the web: 300 requests with hostile values over every argument get no internal error', async () => {
  const codes = new Map<string, number>();
  for (let n = 0; n < 300; n++) {
    const r = generator.random(n);
    const answer = await viaWeb(r);
    assert.ok(answer.status < 500, `status ${answer.status} for ${r.field} with ${r.hostile.join(', ')}`);
    for (const e of answer.errors ?? []) {
      const code = e.extensions?.code ?? 'none';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `${r.field} with ${r.hostile.join(', ')}\n${r.query}`);
    }
  }
  assert.ok(codes.get('BAD_USER_INPUT')! > 60, JSON.stringify([...codes]));
  assert.ok(!/unexpected error in a request/.test(stack.output()), 'the api logged no internal error');
});

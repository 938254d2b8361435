// Hostile argument values through the web's /api/graphql pass-through (what pages' client components call), on the
// whole stack that `npm start` runs: every string and Float argument of every operation with a NUL or 1e308 answers
// BAD_USER_INPUT naming the argument, and a smaller random fuzz over every argument gets no internal error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildApiSchema } from '../../api/src/schema/buildApiSchema.js';
import { featureId } from '../../api/src/services/globalId.js';
import { D_IN } from '../../api/src/testing/fixtureAtlas.js';
import {
  hostileRequests,
  requestBody,
  type HostileRequest,
  type HostileRequestGenerator,
} from '../../api/src/testing/hostileRequests.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let generator: HostileRequestGenerator;
let apiKey: string;

/** Run a script against the running atlas's database; its last stdout line. */
function runOnAtlas(script: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ATLAS_DATA_DIR: stack.dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').at(-1)!;
}

before(async () => {
  stack = await startStack();
  const ids = JSON.parse(runOnAtlas('api/src/testing/seedFixture.ts')) as { narrow: number; wide: number };
  apiKey = runOnAtlas('api/src/cli/apiKey.ts', 'create', '--name', 'web-fuzz');
  generator = hostileRequests(await buildApiSchema(), {
    dictionaryIds: [String(ids.narrow), String(ids.wide)],
    nodeIds: [featureId(ids.narrow, 1), featureId(ids.wide, 3)],
    dIn: D_IN,
  });
});

after(async () => {
  await stack?.stop();
});

type Answer = { status: number; data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };

/** POSTs to the web's /api/graphql as a page's client component does (subscriptions too: the web has no socket). */
async function viaWeb(r: HostileRequest): Promise<Answer> {
  const res = await fetch(`${stack.webUrl}/api/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(r.operation === 'mutation' && { authorization: `Bearer ${apiKey}` }),
    },
    body: requestBody(r),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as Omit<Answer, 'status'>) };
  } catch {
    return { status: res.status, errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
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

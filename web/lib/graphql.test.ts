// The server pages' GraphQL client against a real HTTP server: an error answer keeps its extensions.code, and the
// not-found decision follows that code, never the wording of the message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiAnswerError } from './api-answer';
import { graphql } from './graphql';
import { isNotFound } from './not-found';

/** What the fake api answers, by the query's text. */
const ANSWERS: Record<string, unknown> = {
  // NOT_FOUND whose message does not read like "not found": only the code can say it.
  '{ missing }': { errors: [{ message: 'dictionary 7 is elsewhere', extensions: { code: 'NOT_FOUND' } }], data: null },
  // Reads like the api's not-found message but is a different code: not a 404.
  '{ refused }': {
    errors: [
      {
        message: 'no dictionary 7; list them with { dictionaries { id name } }.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ],
    data: null,
  },
  '{ two }': {
    errors: [
      { message: 'first', extensions: { code: 'FORBIDDEN' } },
      { message: 'second', extensions: { code: 'NOT_FOUND' } },
    ],
  },
  '{ bare }': { errors: [{ message: 'no code at all' }] },
  '{ ok }': { data: { ok: 42 } },
};

let server: Server;
let apiUrlBefore: string | undefined;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { query } = JSON.parse(body) as { query: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ANSWERS[query] ?? { errors: [{ message: `unexpected query ${query}` }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrlBefore = process.env.ATLAS_API_URL;
  process.env.ATLAS_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

after(async () => {
  if (apiUrlBefore === undefined) delete process.env.ATLAS_API_URL;
  else process.env.ATLAS_API_URL = apiUrlBefore;
  await new Promise((resolve) => server.close(resolve));
});

/** The error `graphql(query)` rejects with. */
async function failure(query: string): Promise<ApiAnswerError> {
  const err = await graphql(query).then(
    () => assert.fail(`${query} should have failed`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiAnswerError, `${query} rejected with ${String(err)}`);
  return err;
}

test('an error answer keeps its extensions.code and message; NOT_FOUND is a 404 whatever the message says', async () => {
  const err = await failure('{ missing }');
  assert.equal(err.code, 'NOT_FOUND');
  assert.equal(err.message, 'dictionary 7 is elsewhere');
  assert.equal(isNotFound(err), true);
});

test('a message that reads like not-found is not a 404 when its code says otherwise', async () => {
  const err = await failure('{ refused }');
  assert.equal(err.code, 'BAD_USER_INPUT');
  assert.match(err.message, /^no dictionary 7/);
  assert.equal(isNotFound(err), false);
  assert.equal(isNotFound(new Error('no dictionary 7')), false);
});

test("several errors: every message and code, the first error's as code; an error without a code has none", async () => {
  const two = await failure('{ two }');
  assert.equal(two.message, 'first; second');
  assert.equal(two.code, 'FORBIDDEN');
  assert.deepEqual(two.codes, ['FORBIDDEN', 'NOT_FOUND']);
  // One field not found fails the page as a whole, as the missing dictionary does.
  assert.equal(isNotFound(two), true);
  const bare = await failure('{ bare }');
  assert.equal(bare.code, undefined);
  assert.deepEqual(bare.codes, []);
  assert.equal(isNotFound(bare), false);
});

test('an answer with data is returned as it came', async () => {
  assert.deepEqual(await graphql('{ ok }'), { ok: 42 });
});

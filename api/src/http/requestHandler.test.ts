// The routes outside GraphQL: /healthz on a live and on a closed database, an unknown path, /api/ to the REST
// facade, preflight, and a failure inside the /graphql handler answered with the fixed 500 text and logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { createCorsPolicy } from '../corsPolicy.js';
import type { GraphqlHandler } from './graphqlHandler.js';
import { createRequestHandler, type PathHandler } from './requestHandler.js';

let live: TestDatabase;
let closed: TestDatabase;
const servers: Server[] = [];
const logged: string[] = [];

/** The graphql handler's stand-in: answers with the path it was given, or throws for /graphql?fail. */
const graphql: GraphqlHandler = async (_req, res, url) => {
  if (url.search === '?fail') throw new Error('handler exploded at /graphql');
  res.end(`graphql saw ${url.pathname}`);
};

/** The REST facade's stand-in: answers with the path it was given. */
const rest: PathHandler = async (_req, res, url) => {
  res.end(`rest saw ${url.pathname}`);
};

async function serve(dataSource: DataSource, withRest = false): Promise<string> {
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
  const server = createServer(
    createRequestHandler({ cors: createCorsPolicy([]), dataSource, log, graphql, ...(withRest && { rest }) }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  live = await openTestDatabase();
  closed = await openTestDatabase();
  await closed.close();
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await live.close();
});

test('/healthz answers 200 ok on a live database and 503 on one that is gone', async () => {
  const up = await fetch(`${await serve(live.dataSource)}/healthz`);
  assert.deepEqual([up.status, await up.json()], [200, { status: 'ok' }]);
  const down = await fetch(`${await serve(closed.dataSource)}/healthz`);
  assert.deepEqual([down.status, await down.json()], [503, { status: 'database unavailable' }]);
});

test('/graphql goes to the GraphQL handler; other paths answer NOT_FOUND naming the endpoint; OPTIONS 204', async () => {
  const base = await serve(live.dataSource);
  const routed = await fetch(`${base}/graphql?query=x`);
  assert.equal(await routed.text(), 'graphql saw /graphql');
  const lost = await fetch(`${base}/graphiql`);
  assert.equal(lost.status, 404);
  assert.deepEqual(((await lost.json()) as { errors: unknown[] }).errors, [
    { message: 'no route /graphiql; the GraphQL endpoint is /graphql', extensions: { code: 'NOT_FOUND' } },
  ]);
  const preflight = await fetch(`${base}/graphql`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
});

test('paths under /api/ go to the REST facade; NOT_FOUND then names it too', async () => {
  const base = await serve(live.dataSource, true);
  assert.equal(await (await fetch(`${base}/api/feature/m/s/1`)).text(), 'rest saw /api/feature/m/s/1');
  const lost = await fetch(`${base}/apis`);
  assert.equal(
    ((await lost.json()) as { errors: { message: string }[] }).errors[0].message,
    'no route /apis; the GraphQL endpoint is /graphql, the REST facade is under /api/ (its document: /api/openapi.json)',
  );
});

test('a failure in the handler answers a fixed INTERNAL_SERVER_ERROR and is logged with its cause', async () => {
  const res = await fetch(`${await serve(live.dataSource)}/graphql?fail`);
  assert.equal(res.status, 500);
  assert.deepEqual(((await res.json()) as { errors: unknown[] }).errors, [
    { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
  ]);
  assert.ok(logged.some((l) => l.includes('request failed outside GraphQL') && l.includes('handler exploded')));
});

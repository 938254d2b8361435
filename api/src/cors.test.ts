// A web page of another origin must not read the atlas (item 7 of issue 13): by default the api serves requests
// without an Origin (tools, the web's server) and from its own origin only; ATLAS_API_CORS_ORIGINS lists others.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { loadApiConfig } from './config.js';
import { startApiServer, type ApiServer } from './server.js';

const LISTED = 'http://lab.example:8080';
const FOREIGN = 'https://evil.example';
let db: TestDatabase;
let closed: ApiServer; // the default: no origins listed
let open: ApiServer; // LISTED allowed

before(async () => {
  db = await openTestDatabase();
  const common = { dataSource: db.dataSource, log: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 };
  closed = await startApiServer({ ...common, maxBodyBytes: 10_000 });
  open = await startApiServer({
    ...common,
    maxBodyBytes: 10_000,
    corsOrigins: loadApiConfig({ ATLAS_API_CORS_ORIGINS: LISTED }).corsOrigins,
  });
});

after(async () => {
  await closed.stop();
  await open.stop();
  await db.close();
});

const QUERY = JSON.stringify({ query: '{ dictionaries { id } }' });

function post(api: ApiServer, origin?: string): Promise<Response> {
  return fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: QUERY,
  });
}

function preflight(api: ApiServer, origin: string): Promise<Response> {
  return fetch(api.graphqlUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

test("by default a foreign origin gets no CORS headers and no data; tools and the api's own origin are served", async () => {
  const foreign = await post(closed, FOREIGN);
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const body = (await foreign.json()) as {
    data?: unknown;
    errors: { message: string; extensions: { code: string } }[];
  };
  assert.equal(body.data, undefined);
  assert.equal(body.errors[0].extensions.code, 'FORBIDDEN');
  assert.match(
    body.errors[0].message,
    /origin https:\/\/evil\.example may not call this api; .*ATLAS_API_CORS_ORIGINS/,
  );
  const pre = await preflight(closed, FOREIGN);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
  assert.notEqual(pre.status, 204);

  for (const res of [await post(closed), await post(closed, closed.url)]) {
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null, 'no CORS header needed, none given');
    assert.deepEqual(((await res.json()) as { data: unknown }).data, { dictionaries: [] });
  }
});

test('a listed origin gets CORS headers naming it; others are still refused', async () => {
  const pre = await preflight(open, LISTED);
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), LISTED);
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/);
  const res = await post(open, LISTED);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), LISTED);
  // Origin from CORS; Authorization and Accept from the response cache (keyed answers, media types).
  assert.equal(res.headers.get('vary'), 'origin, Authorization, Accept');
  assert.deepEqual(((await res.json()) as { data: unknown }).data, { dictionaries: [] });
  const other = await post(open, FOREIGN);
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

/** Opens a graphql-ws socket with `origin`; resolves to 'open' or the HTTP status of the refusal. */
function socketFrom(api: ApiServer, origin: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(api.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

test('WebSockets (which CORS does not cover) follow the same rule', async () => {
  assert.equal(await socketFrom(closed, FOREIGN), 401);
  assert.equal(await socketFrom(closed, closed.url), 'open');
  assert.equal(await socketFrom(open, LISTED), 'open');
  assert.equal(await socketFrom(open, FOREIGN), 401);
});

test('ATLAS_API_CORS_ORIGINS is validated at start-up', () => {
  assert.deepEqual(loadApiConfig({}).corsOrigins, []);
  assert.deepEqual(loadApiConfig({ ATLAS_API_CORS_ORIGINS: ` ${LISTED}, https://b.example ` }).corsOrigins, [
    LISTED,
    'https://b.example',
  ]);
  assert.deepEqual(loadApiConfig({ ATLAS_API_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  assert.throws(
    () => loadApiConfig({ ATLAS_API_CORS_ORIGINS: 'https://a.example/path' }),
    /ATLAS_API_CORS_ORIGINS: "https:\/\/a\.example\/path" is not an origin; list origins as scheme:\/\/host\[:port\]/,
  );
  assert.throws(
    () => loadApiConfig({ ATLAS_API_CORS_ORIGINS: 'lab.example' }),
    /ATLAS_API_CORS_ORIGINS: "lab\.example" is not an origin/,
  );
});

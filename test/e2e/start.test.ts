import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './browser.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

test('npm start serves GraphQL health on the embedded database', async () => {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ health { status database vectorVersion } dictionaries { id } }' }),
  });
  const body = (await res.json()) as {
    data: { health: { status: string; database: string }; dictionaries: unknown[] };
  };
  assert.equal(body.data.health.status, 'ok');
  assert.equal(body.data.health.database, 'pglite');
  assert.deepEqual(body.data.dictionaries, []);
  assert.match(
    stack.output(),
    /database: serving PostgreSQL protocol at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(migrated\)/,
  );
});

test('the home page renders the (empty) dictionary list from the api in a real browser', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(stack.webUrl);
    const empty = page.getByTestId('no-dictionaries');
    await empty.waitFor();
    assert.match(await empty.innerText(), /No dictionaries yet/);
    assert.equal(await page.title(), 'Feature atlas');
    const dir = join(repoRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'home.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

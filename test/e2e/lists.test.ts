// Lists, permalinks and embeds in real headless Chromium, on the fixture atlas that `npm start` serves: a list made
// over GraphQL shows its features with their notes and is reordered by its buttons; the embed card has no site
// navigation, shows the explanation and can be framed by another page; `?example=N` highlights that example.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { runOnAtlas } from './runOnAtlas.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let ids: { narrow: number; wide: number };
let apiKey: string;
const shots = join(repoRoot, 'test-results');

before(async () => {
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  ids = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedFixture.ts'));
  apiKey = runOnAtlas(stack, 'api/src/cli/apiKey.ts', 'create', '--name', 'e2e-lists');
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** An operation straight to the api with the test's key. */
async function keyed<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const ADD = `mutation($l: ID!, $d: ID!, $i: Int!, $n: String) { addToList(listId: $l, dictionaryId: $d, index: $i, note: $n) { id } }`;

test('a list made over GraphQL shows both features with their notes; its buttons reorder it', async () => {
  const { createList } = await keyed<{ createList: { id: string } }>(
    `mutation { createList(name: "spatial", description: "prepositions and their split") { id } }`,
    {},
  );
  const list = createList.id;
  await keyed(ADD, { l: list, d: String(ids.narrow), i: 3, n: 'under, beneath' });
  await keyed(ADD, { l: list, d: String(ids.wide), i: 6, n: 'one half of the split' });

  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/lists/${list}`, { waitUntil: 'networkidle' });
  assert.equal(await page.getByTestId('list-title').innerText(), 'spatial');
  const items = page.getByTestId('list-item');
  const order = () => items.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
  assert.deepEqual(await order(), [`${ids.narrow}/3`, `${ids.wide}/6`]);
  assert.deepEqual(await page.getByTestId('list-note').allInnerTexts(), ['under, beneath', 'one half of the split']);
  assert.match(await items.first().innerText(), /narrow-8 #3 preposition of place/);
  // Without a key there is nothing to press.
  assert.equal(await page.getByRole('button', { name: 'move down' }).count(), 0);

  await page.getByLabel('API key').fill(apiKey);
  await items.first().getByRole('button', { name: 'move down' }).click();
  await page.locator(`[data-testid="list-item"]:first-child[data-feature="${ids.wide}/6"]`).waitFor();
  assert.deepEqual(await order(), [`${ids.wide}/6`, `${ids.narrow}/3`]);
  // Stored, not just drawn: a fresh load (from the api's cache, whose list version moved) has the new order.
  await page.reload({ waitUntil: 'networkidle' });
  assert.deepEqual(await order(), [`${ids.wide}/6`, `${ids.narrow}/3`]);
  await page.screenshot({ path: join(shots, 'list.png'), fullPage: true });
  const exported = JSON.parse(
    decodeURIComponent(
      ((await page.getByTestId('list-export').getAttribute('href')) ?? '').replace(
        /^data:application\/json;charset=utf-8,/,
        '',
      ),
    ),
  );
  assert.deepEqual(
    exported.items.map((i: { index: number; note: string }) => [i.index, i.note]),
    [
      [6, 'one half of the split'],
      [3, 'under, beneath'],
    ],
  );
  await page.close();
});

test('the embed card: no site navigation, the explanation shown, framable by another page', async () => {
  const url = `${stack.webUrl}/embed/d/${ids.narrow}/f/3`;
  const page = await browser.newPage();
  const res = await page.goto(url);
  assert.equal(res?.status(), 200);
  assert.match((await res?.allHeaders())?.['content-security-policy'] ?? '', /frame-ancestors \*/);
  assert.equal((await res?.allHeaders())?.['x-frame-options'], undefined);
  await page.getByTestId('embed-card').waitFor();
  assert.equal(await page.locator('nav').count(), 0);
  assert.equal(await page.locator('.site-header').count(), 0);
  assert.match(
    await page.getByTestId('embed-explanation').innerText(),
    /fires on spatial prepositions like under and beneath/,
  );
  assert.equal(await page.getByTestId('example').count(), 5);
  await page.getByTestId('logits').waitFor();
  await page.screenshot({ path: join(shots, 'embed.png'), fullPage: true });
  // Pages other than embeds may be framed only by the atlas itself.
  const feature = await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/3`);
  assert.equal((await feature?.allHeaders())?.['x-frame-options'], 'SAMEORIGIN');
  // Framed by a page of another origin, the card loads.
  await page.setContent(`<iframe src="${url}" width="600" height="400"></iframe>`);
  const frame = page.frameLocator('iframe');
  await frame.getByTestId('embed-card').waitFor();
  assert.match(await frame.getByTestId('embed-explanation').innerText(), /spatial prepositions/);
  await page.close();
});

test('a permalink with ?example=2 highlights that example; a link button puts its own address in the bar', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/3?example=2`, { waitUntil: 'networkidle' });
  await page.locator('#example-2.example-linked').waitFor();
  assert.equal(await page.locator('.example-linked').count(), 1);
  assert.match(await page.locator('#example-2').innerText(), /9\.00/);
  await page.locator('#example-4').getByTestId('example-link').click();
  for (let tries = 0; !page.url().endsWith('?example=4'); tries++) {
    assert.ok(tries < 50, `the address is still ${page.url()}`);
    await page.waitForTimeout(100);
  }
  assert.equal(await page.locator('#example-4').getByTestId('example-link').innerText(), 'copied');
  await page.screenshot({ path: join(shots, 'feature-example-link.png'), fullPage: true });

  // "Add to list" at the page's foot: with the tab's key, into a new list, with a note.
  await page.getByTestId('explanation-form').getByLabel('API key').fill(apiKey);
  const add = page.getByTestId('add-to-list');
  // The lists this key sees are offered (the first one chosen); a new one is asked for by name.
  await add.locator('option', { hasText: 'spatial' }).waitFor({ state: 'attached' });
  await add.locator('select[name="list"]').selectOption({ label: 'new list…' });
  await add.getByLabel("new list's name").fill('from the page');
  await add.getByLabel('note').fill('seen in a paper');
  await add.getByRole('button', { name: 'Add to list' }).click();
  await add.getByRole('status').filter({ hasText: 'Added to from the page (1 features)' }).waitFor();
  await add.getByRole('link', { name: 'Open the list' }).click();
  await page.getByTestId('list-note').waitFor();
  assert.equal(await page.getByTestId('list-title').innerText(), 'from the page');
  assert.deepEqual(await page.getByTestId('list-note').allInnerTexts(), ['seen in a paper']);
  await page.close();
});

// The feature page from the web's page cache, never stale, in real headless Chromium: a second load of an unchanged
// page is served from the cache (Next's x-nextjs-cache: HIT, the same page version), while a change made by another
// process (an explanation added, the dictionary renamed, the dictionary deleted) shows on the very next load.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page, Response } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { runOnAtlas } from './runOnAtlas.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;
let ids: { narrow: number; wide: number };

before(async () => {
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  ids = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedFixture.ts'));
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** One statement through another process (a fresh connection to the stack's embedded database). */
const sql = (statement: string) => runOnAtlas(stack, 'test/e2e/atlasSql.ts', statement);

/** Load (or reload) a page; its response, which must be there. */
async function load(path: string): Promise<Response> {
  const res = await page.goto(`${stack.webUrl}${path}`);
  assert.ok(res, `no response for ${path}`);
  return res;
}

const explanations = () => page.getByTestId('explanations').innerText();

test('an unchanged page comes from the page cache; each change by another process shows on the next load', async () => {
  const path = `/d/${ids.narrow}/f/3`;
  const first = await load(path);
  assert.equal(first.status(), 200);
  const firstVersion = first.headers()['x-atlas-page-version'];
  assert.match(firstVersion, /^[A-Za-z0-9_-]+$/);
  assert.equal(first.headers()['x-nextjs-cache'], 'MISS', 'the first load renders the page');
  assert.doesNotMatch(await explanations(), /fires before a closing quote/);

  const again = await load(path);
  assert.equal(again.headers()['x-atlas-page-version'], firstVersion, 'nothing changed, so the same version');
  assert.equal(again.headers()['x-nextjs-cache'], 'HIT', 'the second load is served from the page cache');

  sql(
    `INSERT INTO explanations (dictionary_id, feature_index, text, source, author)
     VALUES (${ids.narrow}, 3, 'fires before a closing quote', 'human', 'e2e-other-process')`,
  );
  const explained = await load(path);
  assert.notEqual(explained.headers()['x-atlas-page-version'], firstVersion);
  assert.equal(explained.headers()['x-nextjs-cache'], 'MISS', 'a new version is rendered afresh');
  assert.match(await explanations(), /fires before a closing quote — e2e-other-process/);

  sql(`UPDATE dictionaries SET name = 'renamed-by-another-process' WHERE id = ${ids.narrow}`);
  await load(path);
  assert.match(await page.locator('main p.muted').first().innerText(), /renamed-by-another-process/);
  // The explanation is still there: the renamed page is a new render of the current data, not an older one.
  assert.match(await explanations(), /fires before a closing quote/);
});

test('links between feature pages navigate in the browser through the same versioned pages', async () => {
  await load(`/d/${ids.narrow}/f/3`);
  await page.getByRole('link', { name: 'next →' }).click();
  await page.waitForURL(`${stack.webUrl}/d/${ids.narrow}/f/4`);
  assert.match(await page.getByTestId('feature-title').innerText(), /^#4\b/);
});

test('a deleted dictionary: its feature page, cached a moment ago, answers 404 on the next load', async () => {
  const path = `/d/${ids.wide}/f/2`;
  assert.equal((await load(path)).status(), 200);
  assert.equal((await load(path)).headers()['x-nextjs-cache'], 'HIT');
  sql(`DELETE FROM dictionaries WHERE id = ${ids.wide}`);
  const gone = await load(path);
  assert.equal(gone.status(), 404);
  assert.match(await page.locator('h1').innerText(), /Not in the atlas/);
});

test('a versioned address asked for from outside is refused, so nobody can fill the page cache with made-up ones', async () => {
  const res = await fetch(`${stack.webUrl}/d/${ids.narrow}/f/3/v/made-up`);
  assert.equal(res.status, 404);
});

// A person browsing the atlas in real headless Chromium, on the fixture atlas loaded through the real ingest into
// the database that `npm start` serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let ids: { narrow: number; wide: number };
const shots = join(repoRoot, 'test-results');

before(async () => {
  stack = await startStack();
  const seeded = spawnSync(process.execPath, ['--import', 'tsx', 'api/src/testing/seedFixture.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ATLAS_DATA_DIR: stack.dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(seeded.status, 0, seeded.stderr);
  ids = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!);
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test('home → dictionary → feature page with tinted examples, neighbours and family', async () => {
  const page = await browser.newPage();
  await page.goto(stack.webUrl);
  await page.getByRole('link', { name: 'narrow-8' }).click();
  await page.getByTestId('feature-table').waitFor();
  assert.equal(await page.getByTestId('feature-table').locator('tbody tr').count(), 8);
  await page.getByTestId('feature-map').locator('canvas').first().waitFor();
  await shot(page, 'dictionary');
  await page.getByRole('link', { name: '3', exact: true }).click();
  await page.getByTestId('feature-title').waitFor();
  assert.match(await page.getByTestId('feature-title').innerText(), /#3 preposition of place/);
  const examples = page.getByTestId('example');
  assert.equal(await examples.count(), 6 + 3);
  const peak = examples.first().locator('.tok-max');
  assert.equal(await peak.innerText(), '\u00a0under');
  assert.equal(await peak.getAttribute('data-activation'), '10');
  assert.match((await peak.getAttribute('style')) ?? '', /background: rgba\(230, 97, 0/);
  assert.match(await page.getByText(/d\d+ #6 number/).innerText(), /0\.98/);
  await shot(page, 'feature');
});

test('filters narrow the feature table; search by token finds features across dictionaries', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}?text=comma`);
  const rows = page.getByTestId('feature-table').locator('tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /comma/);
  await page.goto(`${stack.webUrl}/search`);
  await page.getByPlaceholder('e.g. the').fill('UNDER');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByTestId('search-results').waitFor();
  const text = await page.getByTestId('search-results').innerText();
  assert.match(text, /3 features/);
  await shot(page, 'search');
});

test('an unknown feature gets the not-found page, not a crash', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/99`);
  assert.equal(res?.status(), 404);
  assert.match(await page.locator('h1').innerText(), /Not in the atlas/);
});

test('the README example script prints a feature report from the api', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'examples/featureReport.ts', String(ids.narrow), '3', stack.graphqlUrl],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^feature 3: preposition of place \(density 0\.04\)/);
  assert.match(r.stdout, /10\.00 {2} He then\[ under\] away\./);
  assert.match(r.stdout, /near #\d+ /);
});

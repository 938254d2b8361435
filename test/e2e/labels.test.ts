// Labels a person can read and exact token search (issue 13, items 10 and 11), in real headless Chromium against
// `npm start`, on the label atlas (api/src/testing/labelAtlas.ts) loaded through the real ingest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { LABEL_ATLAS_FEATURES } from '../../api/src/testing/labelAtlas.js';
import { launchBrowser } from './browser.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let dictionaryId: number;

before(async () => {
  stack = await startStack();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/src/testing/seedLabelAtlas.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ATLAS_DATA_DIR: stack.dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  dictionaryId = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const indexOf = (name: string) => LABEL_ATLAS_FEATURES.findIndex((f) => f.name === name);

/** The result table's rows as arrays of cell texts. */
async function resultRows(page: Page): Promise<string[][]> {
  const results = page.getByTestId('search-results');
  await results.waitFor();
  const rows = results.locator('tbody tr');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++)
    out.push((await rows.nth(i).locator('td').allInnerTexts()).map((c) => c.trim()));
  return out;
}

test("the search page's own examples find features, named, with their dictionary's name, best label first", async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/search`);
  await page.getByPlaceholder('e.g. past tense').fill('past tense');
  await page.getByRole('button', { name: 'Search' }).click();
  assert.deepEqual(await resultRows(page), [
    ['labels-14', String(indexOf('past tense strong')), 'verb, past tense (vbd)', '0.81'],
    ['labels-14', String(indexOf('was')), "verb 'to be', past tense singular: was (bedz)", '0.60'],
    ['labels-14', String(indexOf('past tense weak')), 'verb, past tense (vbd)', '0.35'],
  ]);
  await page.getByPlaceholder('e.g. past tense').fill('VBD');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=VBD/);
  assert.deepEqual(
    (await resultRows(page)).map((r) => r[1]),
    [String(indexOf('past tense strong')), String(indexOf('past tense weak'))],
  );
  await page.getByRole('link', { name: 'labels-14' }).first().click();
  await page.waitForURL(new RegExp(`/d/${dictionaryId}$`));
});

test('token search is exact by default; the checkbox folds case and the leading space', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/search`);
  await page.getByPlaceholder('e.g. the').fill(' the');
  await page.getByRole('button', { name: 'Find' }).click();
  assert.deepEqual(
    (await resultRows(page)).map((r) => [r[1], r[2]]),
    [
      [String(indexOf('space the')), '␣the'],
      [String(indexOf('mixed')), '␣the'],
    ],
  );
  await page.getByPlaceholder('e.g. the').fill('The');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/token=The/);
  assert.deepEqual(
    (await resultRows(page)).map((r) => [r[1], r[2]]),
    [[String(indexOf('capital')), 'The']],
  );
  await page.getByLabel('ignore case and leading space').check();
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/fold=1/);
  assert.deepEqual(
    (await resultRows(page)).map((r) => r[1]),
    [String(indexOf('space the')), String(indexOf('capital')), String(indexOf('mixed'))],
  );
  assert.equal(await page.getByLabel('ignore case and leading space').isChecked(), true);
});

test('the feature page and the feature table show the name, its F1, or why there is no label', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${dictionaryId}/f/${indexOf('past tense strong')}`);
  assert.match(await page.getByTestId('feature-title').innerText(), /verb, past tense \(vbd\) · F1 0\.81/);
  await page.goto(`${stack.webUrl}/d/${dictionaryId}/f/${indexOf('rare')}`);
  assert.match(await page.getByTestId('feature-title').innerText(), /too rare to label: 2 firings/);
  await page.goto(`${stack.webUrl}/d/${dictionaryId}`);
  await page.getByPlaceholder('e.g. VBD or past tense').fill('Past Tense');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/pos=Past\+Tense/);
  const rows = page.getByTestId('feature-table').locator('tbody tr');
  await rows.first().waitFor();
  const cells = await rows.locator('td:first-child').allInnerTexts();
  assert.deepEqual(
    cells.map(Number).sort((a, b) => a - b),
    [indexOf('past tense strong'), indexOf('past tense weak'), indexOf('was')],
  );
});

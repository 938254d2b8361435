// Evaluations in the atlas (issue 17), in real headless Chromium against `npm start`: the evaluation atlas
// (api/src/testing/evaluationAtlas.ts: two dictionaries of one model evaluated with plausible numbers, stored by
// saveEvaluations) on the comparison page, the dictionary page and the feature page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { runOnAtlas } from './runOnAtlas.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let ids: { narrow: number; wide: number; other: number };
const shots = join(repoRoot, 'test-results');

before(async () => {
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  ids = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedEvaluationAtlas.ts'));
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

/** A table's body rows as arrays of cell texts. */
async function rows(page: Page, testId: string): Promise<string[][]> {
  const table = page.getByTestId(testId);
  await table.waitFor();
  const body = table.locator('tbody tr');
  const out: string[][] = [];
  for (let i = 0; i < (await body.count()); i++)
    out.push((await body.nth(i).locator('td').allInnerTexts()).map((c) => c.trim()));
  return out;
}

test("the comparison page lists the model's dictionaries with their numbers, and per-class tables", async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/compare?model=tiny-lm`);
  // Name, hook, architecture, latents, L0, FVU, CE loss recovered, dead (not measured), POS k=1, genre k=1,
  // absorption, label F1 (not measured): the planted numbers.
  assert.deepEqual(await rows(page, 'compare-table'), [
    [
      'narrow-8',
      'blocks.0.mlp.hook_post',
      'topk k=2',
      '8',
      '2.0',
      '0.250',
      '0.750',
      '—',
      '0.688',
      '0.625',
      '0.125',
      '—',
    ],
    [
      'wide-16',
      'blocks.0.mlp.hook_post',
      'topk k=2',
      '16',
      '4.0',
      '0.125',
      '0.875',
      '—',
      '0.813',
      '0.750',
      '0.250',
      '—',
    ],
  ]);
  assert.deepEqual(await rows(page, 'probing-pos-table'), [
    ['all (mean)', '0.688', '0.813'],
    ['nn', '0.813', '0.938'],
    ['vb', '0.563', '0.688'],
  ]);
  assert.deepEqual(await rows(page, 'probing-genre-table'), [
    ['all (mean)', '0.625', '0.750'],
    ['fiction', '0.500', '0.625'],
    ['news', '0.750', '0.875'],
  ]);
  assert.deepEqual(await rows(page, 'absorption-table'), [
    ['all (mean)', '0.125', '0.250'],
    ['nn', '0.250', '0.375'],
    ['vb', '0.000', '0.125'],
  ]);
  await page.getByTestId('pareto-fvu').waitFor();
  await shot(page, 'compare');
});

test('a point of the L0 vs FVU plot opens its dictionary', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/compare?model=tiny-lm`);
  const chart = page.getByTestId('pareto-fvu');
  const handle = await chart.elementHandle();
  await page.waitForFunction((el) => Boolean((el as any).chart?.getOption()?.series?.[0]?.data?.length), handle);
  // The wide dictionary's point: L0 4, FVU 0.125.
  const target = await chart.evaluate((el) => {
    const instance = (el as any).chart;
    const [x, y] = instance.convertToPixel({ seriesIndex: 0 }, [4, 0.125]) as number[];
    return { x, y };
  });
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + target.x, box.y + target.y);
  await page.mouse.click(box.x + target.x, box.y + target.y);
  await page.waitForURL(new RegExp(`/d/${ids.wide}$`));
  // The dictionary page's evaluation summary, and its way back to the comparison.
  const summary = page.getByTestId('evaluation-summary');
  assert.equal(await summary.locator('[data-metric="fvu"] b').innerText(), '0.125');
  assert.equal(await summary.locator('[data-metric="pos.sae_top_1_test_accuracy"] b').innerText(), '0.813');
  await page.getByTestId('compare-link').click();
  await page.waitForURL(/\/compare\?model=tiny-lm$/);
});

test('a dictionary never evaluated says how to evaluate it', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.other}`);
  assert.match(
    await page.getByTestId('evaluation-summary').innerText(),
    new RegExp(`Not evaluated yet\\. Run npm run worker -- evaluate --dictionary ${ids.other}`),
  );
});

test("the feature page shows the feature's held-out label scores, best F1 first", async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/3`);
  const table = page.getByTestId('held-out-label-scores');
  await table.waitFor();
  const cells = await table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\u00a0/g, ' ').trim()),
      ),
    );
  await shot(page, 'feature-held-out-scores');
  assert.deepEqual(cells, [
    ['preposition (in)', '0.50', '0.25', '0.90', '0.88'],
    ['“ under” (token)', '0.50', '0.25', '0.60', '0.88'],
  ]);
  // The feature list sorted by it: 3 (0.9), then 5 and 6 (0.7, by index), then 0 (0.4).
  await page.goto(`${stack.webUrl}/d/${ids.narrow}?order=BEST_HELD_OUT_F1_DESC`);
  const first = await page.getByTestId('feature-table').locator('tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(first.slice(0, 4), ['3', '5', '6', '0']);
});

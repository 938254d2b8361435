// What a researcher reads off the atlas must be true and legible (issue 13, items 12 and 13): dead features as
// training and as the analysis saw them, a never-fired feature said in words, a legend on the training chart,
// chart text at its size, words drawn whole from subword tokens, a labelled map that highlights the table's
// filter, and filters that say when nothing matches or a number is bad. Real Chromium on the fixture atlas.
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
let ids: { narrow: number; wide: number };

/** Tokens of a window whose second word is split in two ("gover" + "nor"), as GPT-2-style BPE does. */
const SUBWORD_TOKENS = [' The', ' gover', 'nor', ' of', ' the', ' state', ' said', ' that', ' the', ' bill', ' would'];

const shots = join(repoRoot, 'test-results');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Statements separated by semicolons, run in one process (each run of a script costs seconds of start-up). */
function sql(statements: string): void {
  runOnAtlas(stack, 'test/e2e/atlasSql.ts', statements);
}

before(async () => {
  stack = await startStack();
  ids = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedFixture.ts'));
  // The narrow dictionary as a 5,000-token analysis left it: feature 7 never fired, feature 6 fired twice; training
  // saw no dead latent (the disagreement the home page used to hide), and training curves to draw.
  const acts = [0, 6, 4, 0.5, 0, 0, 1, 0, 0, 0, 0];
  sql(
    [
      `UPDATE dictionaries SET
         metrics = metrics || '{"deadFraction": 0, "tokensAnalyzed": 5000, "mapMethod": "umap"}',
         curves = '{"tokens": [0, 1000, 2000], "loss": [1, 0.5, 0.4], "l0": [8, 4, 3], "fvu": [0.9, 0.3, 0.2],
                    "deadFraction": [0, 0.1, 0.05]}'
       WHERE id = ${ids.narrow}`,
      `UPDATE features SET density = 0, mean_activation = 0, max_activation = 0,
         histogram = '{"edges": [0.1, 1, 10], "counts": [0, 0]}'
       WHERE dictionary_id = ${ids.narrow} AND index = 7`,
      `DELETE FROM feature_examples WHERE dictionary_id = ${ids.narrow} AND feature_index = 7`,
      `UPDATE features SET density = 0.0004 WHERE dictionary_id = ${ids.narrow} AND index = 6`,
      `INSERT INTO feature_examples (dictionary_id, feature_index, kind, bin, rank, max_activation, doc_index,
         token_start, max_position, tokens, activations)
       VALUES (${ids.narrow}, 0, 'top', 0, 6, 6, 9, 0, 1,
         ARRAY[${SUBWORD_TOKENS.map((t) => `'${t}'`).join(',')}], ARRAY[${acts.join(',')}]::real[])`,
    ].join(';\n'),
  );
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('home: dead features in training and on the analysed tokens, each labelled', async () => {
  const page = await browser.newPage();
  await page.goto(stack.webUrl);
  const cell = (name: string) =>
    page.getByTestId('dictionaries').locator('tr', { hasText: name }).getByTestId('dead-features');
  const narrow = (await cell('narrow-8').innerText()).replace(/\s+/g, ' ');
  assert.match(narrow, /0\.000 dead in training/);
  assert.match(narrow, /1 of 8 never fired on 5,000 analysed tokens/);
  assert.match(narrow, /1 fired 1–10 times/);
  // Analysed before the token count was kept: the count still shows, without a number of tokens it cannot know.
  const wide = (await cell('wide-16').innerText()).replace(/\s+/g, ' ');
  assert.match(wide, /— dead in training/);
  assert.match(wide, /0 of 16 never fired on the analysed tokens/);
  assert.doesNotMatch(wide, /fired 1–10/);
  await shot(page, 'truth-home');
});

test('a never-fired feature says so instead of drawing empty axes', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/7`);
  const note = page.getByTestId('never-fired');
  await note.waitFor();
  assert.match(await note.innerText(), /^Never fired on 5,000 analysed tokens\. No activations to plot\.$/);
  assert.equal(await page.getByTestId('histogram').count(), 0, 'an empty histogram is still drawn');
  assert.match(await page.locator('section', { hasText: 'Top activations' }).innerText(), /Never fired on 5,000/);
  await shot(page, 'truth-never-fired');
  // A feature that fired keeps its histogram.
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/3`);
  await page.getByTestId('histogram').waitFor();
  assert.equal(await page.getByTestId('never-fired').count(), 0);
});

test('dictionary page: both dead figures, a training chart with a legend, density chart text at its size', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${stack.webUrl}/d/${ids.narrow}`);
  const stats = (await page.locator('.stats').innerText()).replace(/\s+/g, ' ');
  assert.match(stats, /dead in training 0\.000/);
  assert.match(stats, /never fired on 5,000 analysed tokens 1/);
  assert.match(
    await page.getByTestId('density-histogram').innerText(),
    /1 of 8 features never fired on 5,000 analysed tokens/,
  );
  // The legend is a component ECharts draws only when registered: ask the chart what it drew.
  const curves = page.getByTestId('curves');
  await page.waitForFunction(
    (el) => Boolean((el as any)?.chart?.getOption()?.series?.length),
    await curves.elementHandle(),
  );
  const legend = await curves.evaluate((el) => {
    const chart = (el as any).chart;
    const component = chart.getModel().getComponent('legend');
    return component
      ? { shown: component.get('show'), names: component.getData().map((d: any) => d.get('name')) }
      : null;
  });
  assert.deepEqual(legend, { shown: true, names: ['FVU', 'dead fraction', 'L0 (right axis)'] });
  // Server-drawn SVG scales with its box: its 12-unit labels must come out near 12 px, not twice that.
  const sizes = await page
    .getByTestId('density-histogram')
    .locator('svg text')
    .evaluateAll((els) => els.map((e) => (e as any).getBoundingClientRect().height as number));
  assert.ok(sizes.length > 0);
  const largest = Math.max(...sizes);
  assert.ok(largest <= 16, `density histogram text is ${largest.toFixed(1)} px tall`);
  await shot(page, 'truth-dictionary');
});

test('a word split into subword tokens reads as one word, tinted per token, breaking lines only between words', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/0`);
  const example = page.getByTestId('example').filter({ hasText: 'would' });
  await example.waitFor();
  const tokens = example.locator('.tok');
  assert.deepEqual(
    await tokens.allInnerTexts(),
    SUBWORD_TOKENS.map((t) => t.replace(/^ /, '\u00a0')),
  );
  const [gover, nor] = [tokens.nth(1), tokens.nth(2)];
  // The value on hover, and each token its own tint (6 is the peak, 4 weaker).
  assert.equal(await nor.getAttribute('title'), '"nor": 4.00');
  assert.notEqual(await gover.getAttribute('style'), await nor.getAttribute('style'));
  // No gap inside the word: the two tokens together are exactly as wide as "governor" set as one run of text.
  const widths = await example.locator('.window-tokens').evaluate((el) => {
    const spans = el.querySelectorAll('.tok');
    const probe = (el as any).ownerDocument.createElement('span');
    probe.textContent = '\u00a0governor';
    el.appendChild(probe);
    const whole = probe.getBoundingClientRect().width as number;
    probe.remove();
    return { split: spans[1].getBoundingClientRect().width + spans[2].getBoundingClientRect().width, whole };
  });
  assert.ok(
    Math.abs(widths.split - widths.whole) < 0.5,
    `"gover"+"nor" ${widths.split} px vs "governor" ${widths.whole} px`,
  );
  await shot(page, 'truth-tokens');
  // Narrow the window step by step: lines break between words somewhere, but never between "gover" and "nor".
  const result = await example.locator('.window-tokens').evaluate((el) => {
    // No named functions in here: the test runner's transpiler would wrap them in a helper the page lacks.
    const spans = [...el.querySelectorAll('.tok')] as any[];
    const box = el as any;
    box.style.display = 'inline-block';
    let splitWord = 0;
    let brokenLines = 0;
    // From just wider than the word (narrower, it must break somewhere) to wider than the whole window.
    const word = spans[1].getBoundingClientRect().width + spans[2].getBoundingClientRect().width;
    for (let w = Math.ceil(word) + 2; w <= 500; w += 2) {
      box.style.width = `${w}px`;
      const tops = spans.map((s) => s.getBoundingClientRect().top as number);
      if (Math.abs(tops[1] - tops[2]) > 1) splitWord++;
      if (tops[tops.length - 1] > tops[0] + 1) brokenLines++;
    }
    return { splitWord, brokenLines };
  });
  assert.equal(result.splitWord, 0, 'a line broke inside "governor"');
  assert.ok(result.brokenLines > 0, 'the window never wrapped, so the check above says nothing');
  // Controls: padded tokens or a break opportunity between every two tokens (the old drawing) fail these checks.
  await page.addStyleTag({ content: '.tok { padding: 0 1px !important; }' });
  const padded = await gover.evaluate((e) => (e as any).getBoundingClientRect().width as number);
  await page.addStyleTag({ content: '.tok { padding: 0 !important; }' });
  const unpadded = await gover.evaluate((e) => (e as any).getBoundingClientRect().width as number);
  assert.ok(padded - unpadded > 1.5, `padding did not change the width: ${padded} vs ${unpadded}`);
  await nor.evaluate((e) => e.before((e as any).ownerDocument.createElement('wbr')));
  const withBreak = await example.locator('.window-tokens').evaluate((el) => {
    const spans = [...el.querySelectorAll('.tok')] as any[];
    const word = spans[1].getBoundingClientRect().width + spans[2].getBoundingClientRect().width;
    let splitWord = 0;
    for (let w = Math.ceil(word) + 2; w <= 500; w += 2) {
      (el as any).style.width = `${w}px`;
      if (Math.abs(spans[1].getBoundingClientRect().top - spans[2].getBoundingClientRect().top) > 1) splitWord++;
    }
    return splitWord;
  });
  assert.ok(withBreak > 0, 'a break opportunity inside the word was never taken: the width sweep proves nothing');
});

test('the map says what it shows and highlights the features the table filter lists', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}`);
  const caption = page.getByTestId('feature-map-caption');
  assert.match(await caption.innerText(), /^Each point is one of 8 features, placed by UMAP of the decoder directions/);
  const map = page.getByTestId('feature-map');
  const drawn = async () => {
    await page.waitForFunction(
      (el) => Boolean((el as any)?.chart?.getOption()?.series?.length),
      await map.elementHandle(),
    );
    return map.evaluate((el) => {
      const o = (el as any).chart.getOption();
      return {
        axes: [o.xAxis[0].name, o.yAxis[0].name],
        series: o.series.map((s: any) => ({ name: s.name, indices: s.data.map((p: number[]) => p[3]) })),
      };
    });
  };
  const plain = await drawn();
  assert.deepEqual(plain.axes, ['UMAP 1', 'UMAP 2']);
  assert.deepEqual(plain.series, [{ name: 'features', indices: [0, 1, 2, 3, 4, 5, 6, 7] }]);
  // Filter as a person does: the table lists feature 4 (comma), and the map draws it apart, on top.
  await page.getByLabel('label or explanation').fill('comma');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/text=comma/);
  const rows = page.getByTestId('feature-table').locator('tbody tr');
  assert.equal(await rows.count(), 1);
  const filtered = await drawn();
  assert.deepEqual(filtered.series, [
    { name: 'other features', indices: [0, 1, 2, 3, 5, 6, 7] },
    { name: 'matching the filter', indices: [4] },
  ]);
  assert.match(await caption.innerText(), /Orange: the 1 of 8 features that match the filter; grey: the rest\./);
  await shot(page, 'truth-map-filtered');
});

test('a filter that matches nothing says so and how to widen it; a bad number names its field', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}?text=zebra&dmin=2`);
  const none = page.getByTestId('no-matches');
  await none.waitFor();
  assert.match(await none.innerText(), /^No feature matches label or explanation “zebra” and density ≥ 2%\. Widen it/);
  assert.equal(await page.getByTestId('feature-table').count(), 0, 'a bare table header is still shown');
  await none.getByRole('link', { name: 'clear all filters' }).click();
  await page.waitForURL(new RegExp(`/d/${ids.narrow}$`));
  assert.equal(await page.getByTestId('feature-table').locator('tbody tr').count(), 8);

  await page.getByLabel('density ≥ %').fill('abc');
  await page.getByRole('button', { name: 'Apply' }).click();
  const error = page.getByTestId('filter-error');
  await error.waitFor();
  assert.equal(
    await error.innerText(),
    'density ≥ %: "abc" is not a number; enter a percentage from 0 to 100, such as 0.5.',
  );
  assert.equal(await page.getByLabel('density ≥ %').getAttribute('aria-invalid'), 'true');
  await shot(page, 'truth-filter-error');
  assert.equal(
    await page.getByTestId('feature-table').count(),
    0,
    'features are listed as if the bound were not there',
  );
});

test('the favicon is served, and pages load without a 404', async () => {
  const res = await fetch(`${stack.webUrl}/favicon.ico`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /image\//);
  const page = await browser.newPage();
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await page.goto(stack.webUrl);
  await page.getByTestId('dictionaries').waitFor();
  await page.goto(`${stack.webUrl}/d/${ids.narrow}/f/3`);
  await page.getByTestId('feature-title').waitFor();
  assert.deepEqual(missing, []);
});

// Steering in real headless Chromium (issue 16): the feature page's steer panel, /steer from a shared URL, and search
// by running text, on one dictionary made and analysed by the worker on the built-in tiny LM (so it has weights
// and stored max activations), served by `npm start`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { runOnAtlas } from './runOnAtlas.js';
import { queryStack, repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;
let dictionaryId: string;
/** The features the api ranks highest on TEXT, strongest first: alive, so steering with them moves the text. */
let strongest: number[];
const TEXT = 'He walked under the bridge and then sat on the bench.';
const shots = join(repoRoot, 'test-results');

const query = <T>(q: string, variables: Record<string, unknown> = {}) => queryStack<T>(stack, q, variables);

before(async () => {
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  const tinyLm = runOnAtlas(stack, 'test/e2e/seedTinyLm.ts');
  runOnAtlas(
    stack,
    'worker/src/cli/main.ts',
    'analyze',
    '--sae',
    tinyLm,
    '--max-tokens',
    '2000',
    '--name',
    'tiny-lm-64',
  );
  const { dictionaries } = await query<{ dictionaries: { id: string; name: string }[] }>(
    '{ dictionaries { id name } }',
  );
  dictionaryId = dictionaries.find((d) => d.name === 'tiny-lm-64')!.id;
  const { searchByText } = await query<{ searchByText: { features: { index: number }[] } }>(
    'query($t: String!, $d: [ID!]!) { searchByText(text: $t, dictionaryIds: $d, first: 3) { features { index } } }',
    { t: TEXT, d: [dictionaryId] },
  );
  strongest = searchByText.features.map((f) => f.index);
  assert.ok(strongest.length >= 2, `searchByText found ${strongest.length} features`);
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The feature's max activation as the atlas stores it (the MAX unit). */
async function maxActivationOf(index: number): Promise<number> {
  const { feature } = await query<{ feature: { maxActivation: number } }>(
    'query($d: ID!, $i: Int!) { feature(dictionaryId: $d, index: $i) { maxActivation } }',
    { d: dictionaryId, i: index },
  );
  return feature.maxActivation;
}

/** The default and steered continuations' tokens, and which steered ones are marked as changed. */
async function readResult(page: Page) {
  const result = page.getByTestId('steer-result');
  await result.waitFor();
  return {
    defaultTokens: await result.getByTestId('steer-default').locator('.tok').allInnerTexts(),
    steeredTokens: await result.getByTestId('steer-steered').locator('.tok').allInnerTexts(),
    marked: await result
      .getByTestId('steer-steered')
      .locator('.tok')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-changed') === 'true')),
  };
}

test('the feature page steers with the default strength: two texts side by side, changed tokens marked', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/d/${dictionaryId}/f/${strongest[0]}`);
  const panel = page.getByTestId('steer-panel');
  await panel.waitFor();
  assert.equal(await panel.getByTestId('steer-strength').innerText(), '4');
  assert.equal(await panel.getByLabel('mode').inputValue(), 'ADD');
  await panel.getByLabel('prompt').fill('He walked');
  await panel.getByRole('button', { name: 'Steer' }).click();
  const { defaultTokens, steeredTokens, marked } = await readResult(page);
  assert.ok(defaultTokens.length > 0 && steeredTokens.length > 0);
  // A mark is exactly a token differing from the default's at the same position.
  assert.deepEqual(
    marked,
    steeredTokens.map((t, i) => t !== defaultTokens[i]),
  );
  assert.ok(marked.includes(true), `4 × max activation changed nothing: ${steeredTokens.join('')}`);
  await shot(page, 'steer-panel');
});

test('/steer: a URL with several features and a seed renders the result, and a reload reproduces it', async () => {
  const page = await browser.newPage();
  const search = new URLSearchParams({ prompt: 'The bridge', tokens: '12', temperature: '0.8', seed: '7' });
  search.append('i', `${dictionaryId}:${strongest[0]}:ADD:4`);
  search.append('i', `${dictionaryId}:${strongest[1]}:CLAMP:2`);
  await page.goto(`${stack.webUrl}/steer?${search}`);
  const first = await readResult(page);
  assert.equal(first.defaultTokens.length, 12);
  assert.equal(await page.getByTestId('steer-interventions').locator('tbody tr').count(), 2);
  await page.reload();
  assert.deepEqual(await readResult(page), first);
  // Editing the form puts the new request in the URL.
  await page.getByLabel('seed').fill('8');
  await page.getByRole('button', { name: 'Steer' }).click();
  await page.waitForURL(/seed=8/);
  await shot(page, 'steer-page');
});

test('/steer names a bad intervention in the URL and the api’s BAD_USER_INPUT', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/steer?prompt=Hi&i=${dictionaryId}:x:ADD:4`);
  assert.match(await page.getByTestId('steer-error').innerText(), /feature index "x" is not a whole number/);
  await page.goto(`${stack.webUrl}/steer?prompt=Hi&i=${dictionaryId}:${strongest[0]}:ADD:5000`);
  assert.match(await page.getByTestId('steer-error').innerText(), /^Cannot steer this: /);
});

test('/steer: a RAW strength and chosen positions round-trip through the form and the URL and render a result', async () => {
  const page = await browser.newPage();
  const open = async (...interventions: string[]) => {
    const search = new URLSearchParams({ prompt: 'The bridge', tokens: '10', temperature: '0', seed: '0' });
    for (const i of interventions) search.append('i', i);
    await page.goto(`${stack.webUrl}/steer?${search}`);
    return readResult(page);
  };
  // 4 × max activation and its raw value are one request: the same steered text.
  const inMax = await open(`${dictionaryId}:${strongest[0]}:ADD:4`);
  const raw = 4 * (await maxActivationOf(strongest[0]));
  const inRaw = await open(`${dictionaryId}:${strongest[0]}:ADD:${raw}:RAW`);
  assert.ok(inMax.marked.includes(true), `4 × max activation changed nothing: ${inMax.steeredTokens.join('')}`);
  assert.deepEqual(inRaw.steeredTokens, inMax.steeredTokens);
  const row = page.getByTestId('steer-interventions').locator('tbody tr');
  assert.equal(await row.getByLabel('unit').inputValue(), 'RAW');
  assert.equal(await row.getByLabel('positions').inputValue(), '');

  // Steering only from the 3rd generated token on: the tokens before it are the default's.
  const promptTokens = Number(/(\d+) prompt tokens/.exec(await page.getByTestId('steer-result').innerText())![1]);
  const from = promptTokens + 2;
  const last = promptTokens + 9; // the 10th new token's position; the api refuses positions past it
  const late = await open(`${dictionaryId}:${strongest[0]}:ADD:8:MAX:${from}-${last}`);
  assert.deepEqual(late.marked.slice(0, 3), [false, false, false]);
  assert.ok(
    late.marked.includes(true),
    `steering from position ${from} changed nothing: ${late.steeredTokens.join('')}`,
  );
  assert.equal(await row.getByLabel('positions').inputValue(), `${from}-${last}`);
  assert.equal(await row.getByLabel('unit').inputValue(), 'MAX');

  // Edited in the form, unit and positions go back into the URL, and the page runs them.
  await row.getByLabel('unit').selectOption('RAW');
  await row.getByLabel('positions').fill(`${from}, ${from + 1}`);
  await row.getByLabel('strength').fill(String(raw));
  await page.getByRole('button', { name: 'Steer' }).click();
  await page.waitForURL(/RAW/);
  assert.deepEqual(new URL(page.url()).searchParams.getAll('i'), [
    `${dictionaryId}:${strongest[0]}:ADD:${raw}:RAW:${from}-${from + 1}`,
  ]);
  const edited = await readResult(page);
  assert.deepEqual(edited.marked.slice(0, 3), [false, false, false]);
  await shot(page, 'steer-raw-positions');
});

test('a bad positions string is named with what to write, on /steer (form and URL) and in the feature page panel', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/steer?prompt=Hi&i=${dictionaryId}:${strongest[0]}:ADD:4`);
  await readResult(page);
  await page.getByTestId('steer-interventions').getByLabel('positions').fill('3-1');
  await page.getByRole('button', { name: 'Steer' }).click();
  assert.match(
    await page.getByTestId('steer-form-error').innerText(),
    /^Feature 1 \(#\d+\): positions "3-1": "3-1" is not a position or a range; write all, or a list like 3,5-7/,
  );
  await page.goto(`${stack.webUrl}/steer?prompt=Hi&i=${dictionaryId}:${strongest[0]}:ADD:4:MAX:x`);
  assert.match(await page.getByTestId('steer-error').innerText(), /positions "x": "x" is not a position or a range/);
  // Positions past the prompt and its new tokens: the api's BAD_USER_INPUT, shown as its message.
  await page.goto(`${stack.webUrl}/steer?prompt=Hi&tokens=4&i=${dictionaryId}:${strongest[0]}:ADD:4:MAX:500`);
  assert.match(await page.getByTestId('steer-error').innerText(), /^Cannot steer this: .*positions/);

  await page.goto(`${stack.webUrl}/d/${dictionaryId}/f/${strongest[0]}`);
  const panel = page.getByTestId('steer-panel');
  await panel.getByLabel('positions').fill('2,,4');
  await panel.getByRole('button', { name: 'Steer' }).click();
  assert.match(await panel.getByTestId('steer-error').innerText(), /positions "2,,4": "" is not a position/);
  // Fixed, and in raw units: switching units keeps the push (4 × max activation, to 4 significant digits), and the
  // request is what /steer would send.
  await panel.getByLabel('positions').fill('0-3');
  await panel.getByLabel('unit').selectOption('RAW');
  const raw = Number((4 * (await maxActivationOf(strongest[0]))).toPrecision(4));
  assert.equal(await panel.getByTestId('steer-strength').innerText(), String(raw));
  await panel.getByRole('button', { name: 'Steer' }).click();
  await readResult(page);
  const combine = panel.getByRole('link', { name: 'Combine with other features on /steer' });
  const href = new URL((await combine.getAttribute('href'))!, stack.webUrl);
  assert.deepEqual(href.searchParams.getAll('i'), [`${dictionaryId}:${strongest[0]}:ADD:${raw}:RAW:0-3`]);
});

test('search by running text lists the features the api ranks, linking to their pages', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/search`);
  const form = page.getByTestId('search-by-text');
  await form.getByPlaceholder('e.g. He walked under the bridge.').fill(TEXT);
  await form.getByRole('button', { name: 'Rank' }).click();
  const results = page.getByTestId('text-search-results');
  await results.waitFor();
  const rows = results.locator('tbody tr');
  assert.ok((await rows.count()) >= strongest.length);
  assert.deepEqual(
    (await rows.locator('td:nth-child(2)').allInnerTexts()).slice(0, strongest.length),
    strongest.map(String),
  );
  await shot(page, 'search-by-text');
  await rows
    .first()
    .getByRole('link', { name: String(strongest[0]), exact: true })
    .click();
  await page.getByTestId('steer-panel').waitFor();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

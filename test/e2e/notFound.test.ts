// Addresses of things the atlas does not hold get the not-found page (HTTP 404) in real headless Chromium: a missing
// dictionary is the api's NOT_FOUND code (web/lib/not-found.ts), a missing job a null answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
let browser: Browser;

before(async () => {
  // A fresh atlas with the demo off holds no dictionary and no job, so every id below is missing.
  stack = await startStack(undefined, { ATLAS_WORKERS: '0' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

for (const [what, path] of [
  ['a missing dictionary', '/d/424242'],
  ["a missing dictionary's feature", '/d/424242/f/0'],
  ['a missing job', '/jobs/424242'],
]) {
  test(`${what} (${path}) gets the not-found page`, async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${stack.webUrl}${path}`);
    assert.equal(res?.status(), 404);
    assert.match(await page.locator('h1').innerText(), /Not in the atlas/);
    await page.close();
  });
}

// The web's settings: the proxy's page cache size in bytes, and the message a bad value gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageCacheBytes } from './config';

test('ATLAS_WEB_PAGE_CACHE_MB is MiB of pages, 256 when unset or empty, 0 for none', () => {
  assert.equal(pageCacheBytes({}), 256 * 1024 * 1024);
  assert.equal(pageCacheBytes({ ATLAS_WEB_PAGE_CACHE_MB: '' }), 256 * 1024 * 1024);
  assert.equal(pageCacheBytes({ ATLAS_WEB_PAGE_CACHE_MB: '1.5' }), 1_572_864);
  assert.equal(pageCacheBytes({ ATLAS_WEB_PAGE_CACHE_MB: '0' }), 0);
});

test('a value that is not a size is refused, naming the variable, the value and what it should be', () => {
  assert.throws(
    () => pageCacheBytes({ ATLAS_WEB_PAGE_CACHE_MB: 'lots' }),
    /^Error: ATLAS_WEB_PAGE_CACHE_MB must be a number of MiB >= 0 such as 256 \(0: no proxy page cache\) \(got "lots"\)$/,
  );
  assert.throws(() => pageCacheBytes({ ATLAS_WEB_PAGE_CACHE_MB: '-1' }), /got "-1"/);
});

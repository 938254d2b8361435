import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from './lruCache.js';

test('LruCache evicts the least recently used entry past capacity, through onEvict', () => {
  const evicted: string[] = [];
  const cache = new LruCache<string, number>(2, (_v, k) => evicted.push(k));
  cache.getOrCreate('a', () => 1);
  cache.getOrCreate('b', () => 2);
  assert.equal(cache.get('a'), 1, 'touching a makes b the oldest');
  cache.getOrCreate('c', () => 3);
  assert.deepEqual(evicted, ['b']);
  assert.equal(cache.get('b'), undefined);
  assert.equal(
    cache.getOrCreate('a', () => 99),
    1,
    'a hit does not call create',
  );
  cache.clear();
  assert.deepEqual(evicted.sort(), ['a', 'b', 'c']);
  assert.equal(cache.size, 0);
});

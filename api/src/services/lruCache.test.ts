import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from './lruCache.js';

test('LruCache evicts the least recently used entry past capacity, through onEvict', () => {
  const evicted: string[] = [];
  const cache = new LruCache<string, number>(2, { onEvict: (_v, k) => evicted.push(k) });
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

test('LruCache weighed in bytes keeps the total under capacity, refuses an entry heavier than it, and replaces', () => {
  const evicted: string[] = [];
  const cache = new LruCache<string, string>(10, { weigh: (v) => v.length, onEvict: (_v, k) => evicted.push(k) });
  assert.equal(cache.set('a', 'xxxx'), true);
  assert.equal(cache.set('b', 'xxxx'), true);
  assert.equal(cache.weight, 8);
  cache.get('a');
  assert.equal(cache.set('c', 'xxx'), true, '8 + 3 > 10: the oldest (b) goes');
  assert.deepEqual(evicted, ['b']);
  assert.equal(cache.weight, 7);
  assert.equal(cache.set('a', 'x'), true, 'replacing a counts its new weight only');
  assert.equal(cache.weight, 4);
  assert.deepEqual(evicted, ['b'], 'a replaced value is not evicted');
  assert.equal(cache.set('d', 'x'.repeat(11)), false);
  assert.equal(cache.get('d'), undefined);
  cache.delete('c');
  assert.equal(cache.weight, 1);
  assert.deepEqual(evicted, ['b'], 'delete does not call onEvict');
});

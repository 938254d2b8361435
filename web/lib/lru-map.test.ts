// The bounded map behind the proxy's memo of feature-page ETags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruMap } from './lru-map';

test('past capacity the least recently used entry goes, and a read counts as a use', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  assert.equal(m.get('a'), 1); // a is now newer than b
  m.set('c', 3);
  assert.equal(m.size, 2);
  assert.equal(m.get('b'), undefined, 'b was the least recently used');
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('c'), 3);
});

test('setting an existing key replaces its value without growing the map', () => {
  const m = new LruMap<string, string>(2);
  m.set('a', 'x');
  m.set('a', 'y');
  m.set('b', 'z');
  assert.equal(m.size, 2);
  assert.equal(m.get('a'), 'y');
  m.delete('a');
  assert.equal(m.get('a'), undefined);
  assert.equal(m.size, 1);
});

test('a capacity that is not a positive integer is refused, naming it', () => {
  assert.throws(() => new LruMap(0), /capacity must be an integer >= 1 \(got 0\)/);
  assert.throws(() => new LruMap(1.5), /got 1\.5/);
});

test('weighed by bytes: the least recently used entries go until the rest fit, and one too heavy is not kept', () => {
  const m = new LruMap<string, string>(10, (s) => s.length);
  m.set('a', 'xxxx'); // 4
  m.set('b', 'yyy'); // 7
  assert.equal(m.get('a'), 'xxxx'); // b is now the least recently used
  m.set('c', 'zzzzz'); // 12 > 10: b goes, 9 left
  assert.equal(m.get('b'), undefined);
  assert.deepEqual([m.size, m.weight], [2, 9]);
  m.set('c', 'z'); // replacing an entry counts its new weight only
  assert.equal(m.weight, 5);
  m.set('huge', 'h'.repeat(11));
  assert.equal(m.get('huge'), undefined, 'heavier than the whole capacity');
  assert.deepEqual([m.size, m.weight], [2, 5], 'and nothing else was pushed out for it');
  m.set('d', 'd'.repeat(10)); // exactly the capacity: everything else goes
  assert.deepEqual([m.size, m.weight, m.get('d')], [1, 10, 'dddddddddd']);
});

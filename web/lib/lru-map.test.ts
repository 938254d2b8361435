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

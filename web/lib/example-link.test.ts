import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleLink, linkedExample } from './example-link';
import { moved } from './list-order';

test('?example= names an example from 1; anything else names none', () => {
  assert.equal(linkedExample('?example=2'), 2);
  assert.equal(linkedExample('?x=1&example=12'), 12);
  for (const bad of ['', '?example=', '?example=0', '?example=-1', '?example=1.5', '?example=2x', '?example=123456'])
    assert.equal(linkedExample(bad), undefined, bad);
});

test('an example link replaces the query and drops the fragment', () => {
  assert.equal(exampleLink('http://h:3000/d/1/f/3?example=1#top', 4), 'http://h:3000/d/1/f/3?example=4');
});

test('moving a list item keeps the others in order', () => {
  assert.deepEqual(moved(['a', 'b', 'c'], 2, 0), ['c', 'a', 'b']);
  assert.deepEqual(moved(['a', 'b', 'c'], 0, 1), ['b', 'a', 'c']);
});

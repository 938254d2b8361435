// The feature table's pager links: filters kept, cursors carried or dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageHref, pagerLinks } from './pagination';

test('the next page keeps every filter and carries the cursor; empty values leave the URL', () => {
  const links = pagerLinks(
    '/d/7',
    { text: 'verb', order: 'DENSITY_DESC', pos: '' },
    {
      hasNextPage: true,
      endCursor: 'Y3Vyc29yOjQ5',
    },
  );
  assert.equal(links.next, '/d/7?text=verb&order=DENSITY_DESC&after=Y3Vyc29yOjQ5');
  assert.equal(links.first, undefined, 'no way back on the first page');
});

test('from a later page, "first" drops only the cursor and "next" replaces it', () => {
  const links = pagerLinks('/d/7', { text: 'a b', after: 'old' }, { hasNextPage: true, endCursor: 'new' });
  assert.equal(links.first, '/d/7?text=a+b');
  assert.equal(links.next, '/d/7?text=a+b&after=new');
});

test('the last page has no next link, even when the api sends a cursor', () => {
  assert.deepEqual(pagerLinks('/d/7', {}, { hasNextPage: false, endCursor: 'x' }), {});
  assert.deepEqual(pagerLinks('/d/7', {}, { hasNextPage: true, endCursor: null }), {});
});

test('pageHref with no parameters left is the bare path; cursors are URL-encoded', () => {
  assert.equal(pageHref('/d/7', { after: 'x' }, { after: undefined }), '/d/7');
  assert.equal(pageHref('/d/7', {}, { after: 'a+b/=' }), '/d/7?after=a%2Bb%2F%3D');
});

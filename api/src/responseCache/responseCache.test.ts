// The pure parts of the response cache: byte-bounded LRU with version stamps, and which operations it may answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApiSchema } from '../buildApiSchema.js';
import { canonicalJson, decidePolicy } from './operationPolicy.js';
import { ResponseCache, type CachedAnswer, type Stamp } from './responseCache.js';

const answer = (bytes: number, stamp: Stamp): CachedAnswer => ({
  body: Buffer.alloc(bytes, 'x'),
  contentType: 'application/json',
  etag: '"e"',
  stamp,
});
const at = (generation: string, versions: Record<string, string> = {}) => ({
  generation,
  versions: new Map(Object.entries(versions)),
});

test('an answer is served while the versions it was stamped with are current, and dropped when one moves', () => {
  const cache = new ResponseCache(1 << 20);
  cache.set(
    'page',
    answer(100, {
      kind: 'scopes',
      versions: [
        ['dictionary:1', '3'],
        ['explanations:1:5', undefined],
      ],
    }),
  );
  assert.ok(cache.get('page', at('9', { 'dictionary:1': '3', 'dictionary:2': '7' })), 'other scopes may move');
  assert.equal(cache.get('page', at('10', { 'dictionary:1': '3', 'explanations:1:5': '1' })), undefined);
  assert.equal(cache.get('page', at('10', { 'dictionary:1': '3' })), undefined, 'a stale answer is gone for good');
  cache.set('list', answer(100, { kind: 'generation', generation: '10' }));
  assert.ok(cache.get('list', at('10')));
  assert.equal(cache.get('list', at('11')), undefined, 'a generation stamp falls with any change');
  assert.deepEqual((({ hits, misses, stale }) => ({ hits, misses, stale }))(cache.stats()), {
    hits: 2,
    misses: 3,
    stale: 2,
  });
});

test('the cache holds at most its bytes, forgetting the least recently used first', () => {
  const cache = new ResponseCache(4_500); // 8 answers of ~560 bytes (body, key, fixed charge) fit, not 9
  const now = at('1');
  const stamp: Stamp = { kind: 'generation', generation: '1' };
  for (const key of ['a', 'b', 'c']) cache.set(key, answer(300, stamp));
  assert.ok(cache.get('a', now)); // a is now the most recent
  for (const key of ['d', 'e', 'f', 'g', 'h', 'i']) cache.set(key, answer(300, stamp));
  const { bytes, entries } = cache.stats();
  assert.ok(bytes <= 4_500, `${bytes} bytes held`);
  assert.equal(entries, 8);
  assert.equal(cache.get('b', now), undefined, 'b was the least recently used');
  assert.ok(cache.get('a', now), 'a was used, so it stayed');
  cache.set('huge', answer(1_000, stamp)); // over an eighth of the cache: never stored
  assert.equal(cache.get('huge', now), undefined);
});

test('queries that read named dictionaries are keyed by what they read; volatile and computing ones are not cached', async () => {
  const schema = await buildApiSchema();
  const policy = (text: string, name?: string) => decidePolicy(schema, text, name);
  const page = policy('query P($d: ID!) { feature(dictionaryId: $d, index: 1) { label } dictionary(id: $d) { name } }');
  assert.ok(page.cache && page.precise);
  // Lists record their own scopes (list:<id>, lists) and their features' dictionaries.
  const list = policy('{ list(id: 1) { name items { feature { label } } } lists { id } }');
  assert.ok(list.cache && list.precise);
  const search = policy('{ searchFeatures(query: "x") { feature { index } } }');
  assert.ok(search.cache && !search.precise, 'a search reads every dictionary: keyed by the generation');
  assert.deepEqual(policy('{ jobs { id } }'), { cache: false, reason: 'reads Job' });
  assert.deepEqual(policy('query($d: ID!) { dictionary(id: $d) { latestJob { id } } }'), {
    cache: false,
    reason: 'reads Job',
  });
  assert.deepEqual(policy('{ health { status } }'), { cache: false, reason: 'reads Health' });
  assert.equal(policy('mutation { cancelJob(id: "1") { id } }').cache, false);
  assert.equal(policy('{ nope').cache, false);
  assert.equal(policy('query A { dictionaries { id } } query B { jobs { id } }', 'B').cache, false);
  // Conservative: the whole document is looked at, so a volatile operation beside it keeps A out too.
  assert.equal(policy('query A { dictionaries { id } } query B { jobs { id } }', 'A').cache, false);
  assert.ok(policy('query A { dictionaries { id } } query B { dictionary(id: 1) { name } }', 'A').cache);
  // Whitespace and layout do not change the key; the variables' key order does not either.
  const spaced = policy(
    'query P($d: ID!) {\n  feature(dictionaryId: $d, index: 1) { label }\n  dictionary(id: $d) { name } }',
  );
  assert.ok(spaced.cache && page.cache && spaced.normalized === page.normalized);
  assert.equal(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null }), '{"a":null,"b":[1,{"c":3,"d":2}]}');
});

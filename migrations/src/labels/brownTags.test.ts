import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brownTagLabel, brownTagName, matchBrownTags } from './brownTags.js';

test('tags read as names with the tag beside them', () => {
  assert.equal(brownTagLabel('at'), 'article (at)');
  assert.equal(brownTagLabel('vbd'), 'verb, past tense (vbd)');
  assert.equal(brownTagLabel('np'), 'proper noun (np)');
  assert.equal(brownTagLabel('VBD'), 'verb, past tense (VBD)');
  assert.equal(brownTagLabel('xyz'), 'xyz');
});

test('compound forms: title, headline, cited, foreign, possessive, negated, contractions', () => {
  assert.equal(brownTagName('nn$-tl'), 'noun, singular, possessive, in a title');
  assert.equal(brownTagName('np-tl-hl'), 'proper noun, in a title, in a headline');
  assert.equal(brownTagName('fw-nn'), 'foreign word, noun, singular or mass');
  assert.equal(brownTagName('nr$'), 'adverbial noun: home, today, west, possessive');
  assert.equal(brownTagName('md*'), 'modal auxiliary: can, will, should, negated');
  assert.equal(
    brownTagName('pps+bez'),
    "contraction of personal pronoun, third person singular subject: he, she, it + verb 'to be', third person singular: is",
  );
  assert.equal(brownTagName('*-hl'), "negation: not, n't, in a headline");
  assert.equal(brownTagName('zz+bez'), undefined);
});

test('a query finds tags by tag or by name, in any case', () => {
  assert.deepEqual(matchBrownTags('VBD'), ['vbd']);
  assert.deepEqual(matchBrownTags('np-TL'), ['np']);
  assert.deepEqual(matchBrownTags('past tense').sort(), ['bed', 'bedz', 'dod', 'hvd', 'vbd']);
  assert.deepEqual(matchBrownTags('Past Tense').sort(), ['bed', 'bedz', 'dod', 'hvd', 'vbd']);
  const verbs = matchBrownTags('e.g. verb');
  for (const t of ['vb', 'vbd', 'vbg', 'vbn', 'vbz', 'bez', 'hvd']) assert.ok(verbs.includes(t), t);
  assert.ok(!verbs.includes('nn'));
  assert.deepEqual(matchBrownTags('article'), ['at']);
  assert.deepEqual(matchBrownTags('proper noun').sort(), ['np', 'np$', 'nps', 'nps$']);
  assert.deepEqual(matchBrownTags('was'), ['bedz']);
  // Examples match whole words only: "the" is no pronoun through "them" or "these".
  assert.deepEqual(matchBrownTags('the'), []);
  assert.deepEqual(matchBrownTags('  '), []);
  assert.deepEqual(matchBrownTags('zebra'), []);
});

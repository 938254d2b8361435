// The stored label as a predicate (the analysis writes `vbd (F1 0.81)`, `news (genre) (F1 0.41)` or quoted peak
// tokens), and the --only parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvaluationKinds, storedLabelPredicate } from './evaluateIntoAtlas.js';

test('a stored label reads back as the predicate the analysis meant', () => {
  const cases: [string, string, string][] = [
    ['vbd (F1 0.81)', 'pos', 'vbd'],
    ['np-tl (F1 0.30)', 'pos', 'np-tl'],
    ['news (genre) (F1 0.41)', 'genre', 'news'],
    ['belles_lettres (genre) (F1 0.33)', 'genre', 'belles_lettres'],
    ['"the" "a"', 'token', '"the" "a"'],
    ['"(" ")" "vbd (F1 0.9)"', 'token', '"(" ")" "vbd (F1 0.9)"'],
  ];
  for (const [text, labelKind, label] of cases)
    assert.deepEqual(storedLabelPredicate(7, text), { featureIndex: 7, labelKind, label }, text);
});

test('--only takes known kinds, once each, and names the unknown ones', () => {
  assert.deepEqual(parseEvaluationKinds('absorption,core'), ['absorption', 'core']);
  assert.throws(
    () => parseEvaluationKinds('core,abs,probe'),
    /--only names unknown evaluation kind\(s\) 'abs', 'probe'/,
  );
});

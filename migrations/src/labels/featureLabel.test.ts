import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { featureLabel, labelSql, MIN_FIRINGS_TO_LABEL } from './featureLabel.js';

let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(async () => {
  await db.close();
});

const score = (label: string, f1: number, support: number, precision: number, family = 'pos') => ({
  family,
  label,
  precision,
  recall: 0.1,
  f1,
  support,
});

// Stored labels as analyses before and after issue 13 wrote them, and labels from elsewhere.
const ROWS: { label: string | null; labelScores: unknown }[] = [
  { label: 'np (F1 0.33)', labelScores: { scores: [score('np', 0.3312, 40, 0.5)], topTokens: [' Smith'] } },
  { label: 'vbd (F1 0.81)', labelScores: { scores: [score('vbd', 0.8123, 900, 0.9)], fires: 1000 } },
  { label: 'news (genre) (F1 0.41)', labelScores: { scores: [score('news', 0.41, 60, 0.6, 'genre')] } },
  // Fired twice: labelled by an analysis before issue 13, hidden now.
  { label: 'np (F1 0.50)', labelScores: { scores: [score('np', 0.5, 2, 1)] } },
  { label: null, labelScores: { scores: [score('at', 0.9, 3, 1)], fires: 3 } },
  { label: '"the" "a"', labelScores: { scores: [score('at', 0.2, 30, 0.3)] } },
  { label: 'preposition of place', labelScores: { scores: [score('in', 0.85, 40, 0.9)] } },
  { label: 'quotation mark', labelScores: null },
  { label: 'x (F1 ...)', labelScores: { scores: 'not a list', fires: 'many' } },
];

test('stored labels read as names with their tag, scored by their association; rare features are unlabelled', () => {
  const shown = ROWS.map((r) => featureLabel(r.label, r.labelScores));
  assert.deepEqual(
    shown.map((l) => [l.text, l.score, l.tag, l.unlabelledReason]),
    [
      ['proper noun (np)', 0.3312, 'np', null],
      ['verb, past tense (vbd)', 0.8123, 'vbd', null],
      ['news (genre)', 0.41, null, null],
      [null, null, null, 'too rare to label: 2 firings'],
      [null, null, null, 'too rare to label: 3 firings'],
      ['"the" "a"', null, null, null],
      ['preposition of place', null, null, null],
      ['quotation mark', null, null, null],
      ['x (F1 ...)', null, null, null],
    ],
  );
  assert.deepEqual(
    shown.map((l) => l.firings),
    [80, 1000, 100, 2, 3, 100, 44, null, null],
  );
  assert.equal(MIN_FIRINGS_TO_LABEL, 10);
});

test('the SQL form of the rule agrees with the TypeScript one on every row, malformed scores included', async () => {
  const sql = labelSql();
  for (const r of ROWS) {
    const [row] = await db.dataSource.query(
      `SELECT ${sql.key} AS key, ${sql.score} AS score, ${sql.firings} AS firings, ${sql.shown} AS shown
       FROM (VALUES ($1::text, $2::jsonb)) AS f(label, label_scores)`,
      [r.label, r.labelScores === null ? null : JSON.stringify(r.labelScores)],
    );
    const js = featureLabel(r.label, r.labelScores);
    const where = JSON.stringify(r);
    assert.equal(row.shown, js.text !== null, where);
    assert.equal(row.firings === null ? null : Number(row.firings), js.firings, where);
    if (js.text === null) continue;
    assert.equal(row.score === null ? null : Number(row.score), js.score, where);
    assert.equal(
      row.key === null ? null : row.key.toLowerCase(),
      js.tag ?? (js.score === null ? null : js.text),
      where,
    );
  }
});

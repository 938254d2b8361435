// Evaluation rows and held-out label scores on the real embedded database: replace on re-run, nothing half-written,
// the best F1 per feature, cascade with the dictionary, and one clear error for a bad row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AtlasError } from '../errors.js';
import { saveEvaluations, type EvaluationInput } from './saveEvaluations.js';
import { saveFeatureLabelScores, type FeatureLabelScoreInput } from './saveFeatureLabelScores.js';

let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(() => db.close());

async function newDictionary(name: string): Promise<number> {
  const rows: { id: number }[] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ($1, 'h', 'topk', 4, 8) RETURNING id`,
    [name],
  );
  return rows[0].id;
}

const provenance = {
  settings: { k: [1, 2, 5], seed: 42 },
  corpusSlice: 'brown: 50 held-out documents (every 10th), 98,304 tokens',
  model: 'tiny-lm',
  codeVersion: '0.1.0+abc1234',
};
const row = (metric: string, value: number, subject: string | null = null): EvaluationInput => ({
  metric,
  subject,
  value,
  ...provenance,
});

async function stored(
  dictionaryId: number,
): Promise<{ kind: string; metric: string; subject: string | null; value: number }[]> {
  return db.dataSource.query(
    `SELECT kind, metric, subject, value FROM evaluations WHERE dictionary_id = $1 ORDER BY kind, metric, subject NULLS FIRST`,
    [dictionaryId],
  );
}

test('a re-run of one kind replaces that kind only; provenance is stored as given', async () => {
  const id = await newDictionary('replace');
  await saveEvaluations(db, id, 'core', [row('fvu', 0.25), row('l0', 32)]);
  await saveEvaluations(db, id, 'sparse_probing', [
    row('pos.sae_top_1_test_accuracy', 0.7),
    row('pos.sae_top_1_test_accuracy', 0.9, 'nn'),
  ]);
  await saveEvaluations(db, id, 'core', [row('fvu', 0.125), row('ce_loss_score', 0.8)]);
  assert.deepEqual(await stored(id), [
    { kind: 'core', metric: 'ce_loss_score', subject: null, value: 0.8 },
    { kind: 'core', metric: 'fvu', subject: null, value: 0.125 },
    { kind: 'sparse_probing', metric: 'pos.sae_top_1_test_accuracy', subject: null, value: 0.7 },
    { kind: 'sparse_probing', metric: 'pos.sae_top_1_test_accuracy', subject: 'nn', value: 0.9 },
  ]);
  const [one]: { settings: unknown; corpus_slice: string; model: string; code_version: string; age: number }[] =
    await db.dataSource.query(
      `SELECT settings, corpus_slice, model, code_version, extract(epoch FROM now() - created_at) AS age
         FROM evaluations WHERE dictionary_id = $1 AND metric = 'fvu'`,
      [id],
    );
  assert.deepEqual(
    { settings: one.settings, corpusSlice: one.corpus_slice, model: one.model, codeVersion: one.code_version },
    provenance,
  );
  assert.ok(Number(one.age) >= 0 && Number(one.age) < 60, `created_at is now (age ${one.age} s)`);
});

test('a re-run that fails in the database leaves the earlier rows whole', async () => {
  const id = await newDictionary('atomic');
  await saveEvaluations(db, id, 'core', [row('fvu', 0.25)]);
  // A metric name the bulk load cannot store (a NUL byte) fails after the DELETE ran inside the transaction.
  await assert.rejects(saveEvaluations(db, id, 'core', [row('fvu', 0.5), row('bad\u0000name', 1)]));
  assert.deepEqual(await stored(id), [{ kind: 'core', metric: 'fvu', subject: null, value: 0.25 }]);
});

test('the table itself holds one number per (kind, metric, subject), the aggregate included', async () => {
  const id = await newDictionary('unique');
  await saveEvaluations(db, id, 'core', [row('fvu', 0.25)]);
  const insert = (subject: string | null) =>
    db.dataSource.query(
      `INSERT INTO evaluations (dictionary_id, kind, metric, subject, value, corpus_slice, model, code_version)
       VALUES ($1, 'core', 'fvu', $2, 0.5, 's', 'm', 'v')`,
      [id, subject],
    );
  await assert.rejects(insert(null), /duplicate key value violates unique constraint "evaluations_metric_idx"/);
  await insert('nn'); // a class of the same metric is another number
  const [{ n }]: { n: number }[] = await db.dataSource.query(
    `SELECT count(*)::int AS n FROM evaluations WHERE dictionary_id = $1`,
    [id],
  );
  assert.equal(n, 2);
});

test('bad rows are refused before writing, naming the row, the field and the fix', async () => {
  const id = await newDictionary('invalid');
  await saveEvaluations(db, id, 'core', [row('fvu', 0.25)]);
  const refused = (rows: EvaluationInput[], pattern: RegExp) =>
    assert.rejects(saveEvaluations(db, id, 'core', rows), (err: unknown) => {
      assert.ok(err instanceof AtlasError);
      assert.equal(err.code, 'EVALUATION_INVALID');
      assert.match(err.message, pattern);
      return true;
    });
  await refused(
    [row('fvu', 0.1), row('mse', Number.NaN)],
    /evaluation row 1 \(core mse\)\.value is NaN; give a finite number/,
  );
  await refused(
    [row('fvu', 0.1), row('fvu', 0.2)],
    /row 1 \(core fvu\)\.metric: "fvu" with subject null appears twice/,
  );
  await refused([{ ...row('fvu', 0.1), model: '' }], /row 0 \(core fvu\)\.model is ""/);
  await refused(
    [{ ...row('fvu', 0.1), dictionaryId: id + 1000 }],
    /dictionaryId is \d+ but the rows are saved to dictionary/,
  );
  await assert.rejects(
    saveEvaluations(db, id, 'probing' as 'core', [row('fvu', 0.1)]),
    /kind "probing" is not an evaluation kind; use one of core, sparse_probing, tpp, absorption, label_scoring/,
  );
  assert.deepEqual(await stored(id), [{ kind: 'core', metric: 'fvu', subject: null, value: 0.25 }]);
});

const score = (
  featureIndex: number,
  labelKind: FeatureLabelScoreInput['labelKind'],
  label: string,
  f1: number,
): FeatureLabelScoreInput => ({
  featureIndex,
  labelKind,
  label,
  precision: f1,
  recall: f1,
  f1,
  rocAuc: 0.9,
  positives: 10,
  tokens: 1000,
});

test('label scores: each feature keeps its best F1; a re-run replaces every score of the dictionary', async () => {
  const id = await newDictionary('labels');
  await saveFeatureLabelScores(db, id, [
    score(0, 'pos', 'nn', 0.5),
    score(0, 'genre', 'news', 0.75),
    score(1, 'token', ' the', 0.25),
    { ...score(2, 'pos', 'vb', 0), rocAuc: null, positives: 0 },
  ]);
  const best = () =>
    db.dataSource.query(
      `SELECT feature_index, f1, label_kind, label FROM feature_best_label_scores WHERE dictionary_id = $1 ORDER BY feature_index`,
      [id],
    );
  assert.deepEqual(await best(), [
    { feature_index: 0, f1: 0.75, label_kind: 'genre', label: 'news' },
    { feature_index: 1, f1: 0.25, label_kind: 'token', label: ' the' },
    { feature_index: 2, f1: 0, label_kind: 'pos', label: 'vb' },
  ]);
  const [undefinedAuc]: { roc_auc: number | null }[] = await db.dataSource.query(
    `SELECT roc_auc FROM feature_label_scores WHERE dictionary_id = $1 AND feature_index = 2`,
    [id],
  );
  assert.equal(undefinedAuc.roc_auc, null);

  await saveFeatureLabelScores(db, id, [score(1, 'pos', 'at', 0.5), score(1, 'pos', 'in', 0.5)]);
  // A tie goes to the label first alphabetically.
  assert.deepEqual(await best(), [{ feature_index: 1, f1: 0.5, label_kind: 'pos', label: 'at' }]);
  const [{ n }]: { n: number }[] = await db.dataSource.query(
    `SELECT count(*)::int AS n FROM feature_label_scores WHERE dictionary_id = $1`,
    [id],
  );
  assert.equal(n, 2);

  await assert.rejects(
    saveFeatureLabelScores(db, id, [score(3, 'pos', 'nn', 0.5), { ...score(4, 'pos', 'nn', 0.5), recall: 1.5 }]),
    /label score 1 \(feature 4, pos "nn"\)\.recall is 1\.5; give a number in \[0, 1\]/,
  );
  await assert.rejects(
    saveFeatureLabelScores(db, id, [{ ...score(4, 'pos', 'nn', 0.5), positives: 2000 }]),
    /\.positives is 2000; give the count of held-out tokens with the label, 0 to tokens \(1000\)/,
  );
  assert.deepEqual(await best(), [{ feature_index: 1, f1: 0.5, label_kind: 'pos', label: 'at' }]);
});

test("deleting a dictionary deletes its evaluations and label scores, and no other dictionary's", async () => {
  const gone = await newDictionary('gone');
  const kept = await newDictionary('kept');
  for (const id of [gone, kept]) {
    await saveEvaluations(db, id, 'core', [row('fvu', 0.25)]);
    await saveFeatureLabelScores(db, id, [score(0, 'pos', 'nn', 0.5)]);
  }
  await db.dataSource.query(`DELETE FROM dictionaries WHERE id = $1`, [gone]);
  for (const table of ['evaluations', 'feature_label_scores', 'feature_best_label_scores']) {
    const rows: { dictionary_id: number }[] = await db.dataSource.query(
      `SELECT DISTINCT dictionary_id FROM ${table} WHERE dictionary_id IN ($1, $2)`,
      [gone, kept],
    );
    assert.deepEqual(rows, [{ dictionary_id: kept }], table);
  }
});

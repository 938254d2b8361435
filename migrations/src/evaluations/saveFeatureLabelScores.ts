// Writing a dictionary's held-out label scores, and each feature's best F1 with them (the feature list sorts and
// filters on it). A re-run replaces the dictionary's scores in one transaction.
import type { BulkColumn } from '../bulkLoad/bulkLoader.js';
import { LABEL_KINDS, type LabelKind } from '../entities/featureLabelScore.entity.js';
import { AtlasError } from '../errors.js';
import { inTransaction, requireDictionaryId, type EvaluationTarget } from './saveEvaluations.js';

/** How well one auto-label predicts held-out tokens from one feature's activation (the contract of issue 17). */
export interface FeatureLabelScoreInput {
  /** When given, must be the dictionary saved to. */
  dictionaryId?: number;
  featureIndex: number;
  labelKind: LabelKind;
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Null (or NaN) when undefined: no held-out token, or every one, has the label. */
  rocAuc: number | null;
  /** Held-out tokens where the label holds. */
  positives: number;
  /** Held-out tokens scored. */
  tokens: number;
}

const COLUMNS: BulkColumn[] = [
  { name: 'dictionary_id', type: 'int' },
  { name: 'feature_index', type: 'int' },
  { name: 'label_kind', type: 'text' },
  { name: 'label', type: 'text' },
  { name: 'precision', type: 'real' },
  { name: 'recall', type: 'real' },
  { name: 'f1', type: 'real' },
  { name: 'roc_auc', type: 'real' },
  { name: 'positives', type: 'int' },
  { name: 'tokens', type: 'int' },
];

function invalid(message: string): AtlasError {
  return new AtlasError('EVALUATION_INVALID', message);
}

function checkScore(dictionaryId: number, s: FeatureLabelScoreInput, i: number, seen: Set<string>): void {
  const where = (field: string) => `label score ${i} (feature ${s.featureIndex}, ${s.labelKind} "${s.label}").${field}`;
  if (!Number.isInteger(s.featureIndex) || s.featureIndex < 0)
    throw invalid(`${where('featureIndex')} is ${s.featureIndex}; give the feature's index, an integer >= 0.`);
  if (!(LABEL_KINDS as readonly string[]).includes(s.labelKind))
    throw invalid(`${where('labelKind')} is "${s.labelKind}"; use one of ${LABEL_KINDS.join(', ')}.`);
  if (typeof s.label !== 'string' || s.label === '')
    throw invalid(`${where('label')} is ${JSON.stringify(s.label)}; give the label's name.`);
  for (const field of ['precision', 'recall', 'f1'] as const) {
    const v = s[field];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw invalid(`${where(field)} is ${v}; give a number in [0, 1] (0 when the feature never fires).`);
  }
  if (s.rocAuc !== null && !Number.isNaN(s.rocAuc) && !(s.rocAuc >= 0 && s.rocAuc <= 1))
    throw invalid(`${where('rocAuc')} is ${s.rocAuc}; give a number in [0, 1], or null where it is undefined.`);
  if (!Number.isInteger(s.tokens) || s.tokens < 0)
    throw invalid(`${where('tokens')} is ${s.tokens}; give the count of held-out tokens scored.`);
  if (!Number.isInteger(s.positives) || s.positives < 0 || s.positives > s.tokens)
    throw invalid(
      `${where('positives')} is ${s.positives}; give the count of held-out tokens with the label, 0 to tokens (${s.tokens}).`,
    );
  if (s.dictionaryId !== undefined && s.dictionaryId !== dictionaryId)
    throw invalid(
      `${where('dictionaryId')} is ${s.dictionaryId} but the scores are saved to dictionary ${dictionaryId}; save each dictionary's scores on their own.`,
    );
  const key = `${s.featureIndex}\u0000${s.labelKind}\u0000${s.label}`;
  if (seen.has(key)) throw invalid(`${where('label')} is scored twice for the feature; give each label one score.`);
  seen.add(key);
}

/**
 * Store a dictionary's held-out label scores, replacing all its earlier ones, and each scored feature's best F1
 * (ties: the label kind, then the label, alphabetically), in one transaction. Returns the scores written.
 */
export async function saveFeatureLabelScores(
  db: EvaluationTarget,
  dictionaryId: number,
  scores: readonly FeatureLabelScoreInput[],
): Promise<number> {
  requireDictionaryId(dictionaryId);
  const seen = new Set<string>();
  scores.forEach((s, i) => checkScore(dictionaryId, s, i, seen));
  return inTransaction(db.dataSource, async (client) => {
    await client.query(`DELETE FROM feature_best_label_scores WHERE dictionary_id = $1`, [dictionaryId]);
    await client.query(`DELETE FROM feature_label_scores WHERE dictionary_id = $1`, [dictionaryId]);
    const written = await db.bulkLoader.load(
      client,
      'feature_label_scores',
      COLUMNS,
      scores.map((s) => [
        dictionaryId,
        s.featureIndex,
        s.labelKind,
        s.label,
        s.precision,
        s.recall,
        s.f1,
        s.rocAuc === null || Number.isNaN(s.rocAuc) ? null : s.rocAuc,
        s.positives,
        s.tokens,
      ]),
    );
    await client.query(
      `INSERT INTO feature_best_label_scores (dictionary_id, feature_index, f1, label_kind, label)
       SELECT DISTINCT ON (feature_index) dictionary_id, feature_index, f1, label_kind, label
         FROM feature_label_scores WHERE dictionary_id = $1
        ORDER BY feature_index, f1 DESC, label_kind, label`,
      [dictionaryId],
    );
    return written;
  });
}

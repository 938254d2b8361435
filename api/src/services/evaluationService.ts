// Evaluations and held-out label scores as the api reads them, free of GraphQL: one statement per batch of keys.
import { labelName, type EvaluationRecord } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { preparedQuery } from './preparedQuery.js';
import { groupByFeature, keyArrays, type FeatureKey, type Raw } from './features/featureRow.js';

export type EvaluationRow = EvaluationRecord;

export interface HeldOutLabelScoreRow {
  labelKind: string;
  label: string;
  /** labelName(labelKind, label). */
  name: string;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  positives: number;
  tokens: number;
}

/** Each dictionary's evaluation rows (kind, metric, then the aggregate before its classes), in `ids` order. */
export async function evaluationsByDictionaryIds(ds: DataSource, ids: readonly number[]): Promise<EvaluationRow[][]> {
  const rows: Raw[] = await ds.query(
    `SELECT dictionary_id, kind, metric, subject, value, settings, corpus_slice, model, code_version, created_at
       FROM evaluations WHERE dictionary_id = ANY($1::int[])
      ORDER BY dictionary_id, kind, metric, subject NULLS FIRST`,
    [[...ids]],
  );
  const byId = new Map<number, EvaluationRow[]>(ids.map((id) => [id, []]));
  for (const r of rows)
    byId.get(r.dictionary_id as number)?.push({
      dictionaryId: r.dictionary_id as number,
      kind: r.kind as EvaluationRecord['kind'],
      metric: r.metric as string,
      subject: r.subject as string | null,
      value: Number(r.value),
      settings: r.settings as Record<string, unknown>,
      corpusSlice: r.corpus_slice as string,
      model: r.model as string,
      codeVersion: r.code_version as string,
      createdAt: r.created_at as Date,
    });
  return ids.map((id) => byId.get(id) ?? []);
}

/** Each feature's held-out label scores, best F1 first, in `keys` order. */
export async function heldOutLabelScoresByKeys(
  ds: DataSource,
  keys: readonly FeatureKey[],
): Promise<HeldOutLabelScoreRow[][]> {
  const rows = await preparedQuery<Raw>(
    ds,
    'held_out_label_scores_by_keys',
    `SELECT s.dictionary_id, s.feature_index, s.label_kind, s.label, s.precision, s.recall, s.f1, s.roc_auc,
            s.positives, s.tokens
       FROM unnest($1::int[], $2::int[]) AS k(dictionary_id, feature_index)
       JOIN feature_label_scores s USING (dictionary_id, feature_index)
      ORDER BY s.f1 DESC, s.label_kind, s.label`,
    keyArrays(keys),
  );
  return groupByFeature(keys, rows, (r) => ({
    labelKind: r.label_kind as string,
    label: r.label as string,
    name: labelName(r.label_kind as string, r.label as string),
    precision: r.precision as number,
    recall: r.recall as number,
    f1: r.f1 as number,
    rocAuc: r.roc_auc as number | null,
    positives: r.positives as number,
    tokens: r.tokens as number,
  }));
}

// A feature as the api reads it: the row shape, the one SELECT column list that fills it, and the key batching
// every "many features in one statement" query shares.
import { columnList, FEATURE_VALUE_COLUMNS, featureLabel } from '@atlas/migrations';
import { featureId } from '../globalId.js';

export interface FeatureKey {
  dictionaryId: number;
  index: number;
}

export interface FeatureRow {
  id: string;
  dictionaryId: number;
  index: number;
  /** The label as shown (featureLabel.ts): a tag's name with the tag, null when unlabelled. */
  label: string | null;
  labelScore: number | null;
  unlabelledReason: string | null;
  labelScores: Record<string, unknown> | null;
  density: number | null;
  meanActivation: number | null;
  maxActivation: number | null;
  histogram: { edges: number[]; counts: number[] } | null;
  logits: { positive: { token: string; value: number }[]; negative: { token: string; value: number }[] } | null;
  mapX: number | null;
  mapY: number | null;
  neighbors: { index: number; cosine: number }[] | null;
}

export const FEATURE_COLUMNS = `dictionary_id, index, ${columnList(FEATURE_VALUE_COLUMNS)}`;

/** A row as the driver returns it, before mapping. */
export type Raw = Record<string, unknown>;

export function toFeature(r: Raw): FeatureRow {
  const dictionaryId = r.dictionary_id as number;
  const index = r.index as number;
  const shown = featureLabel(r.label as string | null, r.label_scores);
  return {
    id: featureId(dictionaryId, index),
    dictionaryId,
    index,
    label: shown.text,
    labelScore: shown.score,
    unlabelledReason: shown.unlabelledReason,
    labelScores: r.label_scores as Record<string, unknown> | null,
    density: r.density as number | null,
    meanActivation: r.mean_activation as number | null,
    maxActivation: r.max_activation as number | null,
    histogram: r.histogram as FeatureRow['histogram'],
    logits: r.logits as FeatureRow['logits'],
    mapX: r.map_x as number | null,
    mapY: r.map_y as number | null,
    neighbors: r.neighbors as FeatureRow['neighbors'],
  };
}

/** Keys as the two parallel arrays `unnest($1::int[], $2::int[])` reads. */
export function keyArrays(keys: readonly FeatureKey[]): [number[], number[]] {
  return [keys.map((k) => k.dictionaryId), keys.map((k) => k.index)];
}

/** Rows keyed by (dictionary_id, feature_index), mapped and grouped in row order, then listed in key order. */
export function groupByFeature<T>(keys: readonly FeatureKey[], rows: Raw[], toItem: (r: Raw) => T): T[][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const key = `${r.dictionary_id}:${r.feature_index}`;
    const list = groups.get(key);
    if (list) list.push(toItem(r));
    else groups.set(key, [toItem(r)]);
  }
  return keys.map((k) => groups.get(`${k.dictionaryId}:${k.index}`) ?? []);
}

// The loaders' statements: features, examples, family links and explanations of many features at once, so
// DataLoader turns a page of N features into a constant number of statements. Every statement is parameterised.
import { columnList, EXAMPLE_COLUMNS } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { preparedQuery } from '../preparedQuery.js';
import {
  FEATURE_COLUMNS,
  groupByFeature,
  keyArrays,
  toFeature,
  type FeatureKey,
  type FeatureRow,
  type Raw,
} from './featureRow.js';

/** Features by key, in key order (undefined where absent). */
export async function featuresByKeys(ds: DataSource, keys: readonly FeatureKey[]): Promise<(FeatureRow | undefined)[]> {
  const rows = await preparedQuery<Raw>(
    ds,
    'features_by_keys',
    `SELECT ${FEATURE_COLUMNS} FROM features
     WHERE (dictionary_id, index) IN (SELECT * FROM unnest($1::int[], $2::int[]))`,
    keyArrays(keys),
  );
  const byKey = new Map(rows.map((r) => [`${r.dictionary_id}:${r.index}`, toFeature(r)]));
  return keys.map((k) => byKey.get(`${k.dictionaryId}:${k.index}`));
}

export interface ExampleRow {
  dictionaryId: number;
  featureIndex: number;
  kind: 'top' | 'quantile';
  bin: number;
  rank: number;
  maxActivation: number;
  maxPosition: number;
  docIndex: number;
  tokenStart: number;
  tokens: string[];
  activations: number[];
}

/** Examples of many features in one statement, grouped per key, ordered by bin then rank. */
export async function examplesByKeys(
  ds: DataSource,
  keys: readonly FeatureKey[],
  kind: 'top' | 'quantile',
  perFeature: number,
): Promise<ExampleRow[][]> {
  const rows = await preparedQuery<Raw>(
    ds,
    'examples_by_keys',
    // Arrays as JSON: node-postgres parses array text in JS (~10% of a feature page's CPU); JSON.parse is native.
    `SELECT dictionary_id, ${columnList(EXAMPLE_COLUMNS, { arraysAsJson: true })}
     FROM feature_examples
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[])) AND kind = $3 AND rank < $4
     ORDER BY dictionary_id, feature_index, bin, rank`,
    [...keyArrays(keys), kind, perFeature],
  );
  return groupByFeature(keys, rows, (r) => ({
    dictionaryId: r.dictionary_id as number,
    featureIndex: r.feature_index as number,
    kind: r.kind as 'top' | 'quantile',
    bin: r.bin as number,
    rank: r.rank as number,
    maxActivation: r.max_activation as number,
    maxPosition: r.max_position as number,
    docIndex: r.doc_index as number,
    tokenStart: r.token_start as number,
    tokens: r.tokens as string[],
    activations: r.activations as number[],
  }));
}

/** Cross-width family links of many features, best first per other dictionary. */
export async function linksByKeys(
  ds: DataSource,
  keys: readonly FeatureKey[],
): Promise<{ dictionaryId: number; index: number; cosine: number }[][]> {
  const rows = await preparedQuery<Raw>(
    ds,
    'links_by_keys',
    `SELECT dictionary_id, feature_index, other_dictionary_id, other_index, cosine FROM feature_links
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[]))
     ORDER BY dictionary_id, feature_index, cosine DESC, other_dictionary_id, other_index`,
    keyArrays(keys),
  );
  return groupByFeature(keys, rows, (r) => ({
    dictionaryId: r.other_dictionary_id as number,
    index: r.other_index as number,
    cosine: r.cosine as number,
  }));
}

export interface ExplanationRow {
  id: number;
  dictionaryId: number;
  featureIndex: number;
  text: string;
  source: string;
  score: number | null;
  author: string | null;
  createdAt: Date;
}

/** Explanations of many features, newest first per feature. */
export async function explanationsByKeys(ds: DataSource, keys: readonly FeatureKey[]): Promise<ExplanationRow[][]> {
  const rows = await preparedQuery<Raw>(
    ds,
    'explanations_by_keys',
    `SELECT id, dictionary_id, feature_index, text, source, score, author, created_at FROM explanations
     WHERE (dictionary_id, feature_index) IN (SELECT * FROM unnest($1::int[], $2::int[]))
     ORDER BY created_at DESC, id DESC`,
    keyArrays(keys),
  );
  return groupByFeature(keys, rows, (r) => ({
    id: r.id as number,
    dictionaryId: r.dictionary_id as number,
    featureIndex: r.feature_index as number,
    text: r.text as string,
    source: r.source as string,
    score: r.score as number | null,
    author: r.author as string | null,
    createdAt: r.created_at as Date,
  }));
}

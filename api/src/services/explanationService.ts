// Explanations people write: the api's one write to them (reads of many features are in features/featureBatches).
import type { DataSource } from 'typeorm';
import type { ExplanationRow } from './features/featureBatches.js';

/** Store a person's explanation of a feature; `text` is already checked and trimmed. */
export async function addHumanExplanation(
  ds: DataSource,
  feature: { dictionaryId: number; index: number },
  text: string,
  author: string,
): Promise<ExplanationRow> {
  const [row] = (await ds.query(
    `INSERT INTO explanations (dictionary_id, feature_index, text, source, author) VALUES ($1, $2, $3, 'human', $4)
     RETURNING id, dictionary_id, feature_index, text, source, score, author, created_at`,
    [feature.dictionaryId, feature.index, text, author],
  )) as Record<string, unknown>[];
  return {
    id: row.id as number,
    dictionaryId: feature.dictionaryId,
    featureIndex: feature.index,
    text,
    source: 'human',
    score: null,
    author,
    createdAt: row.created_at as Date,
  };
}

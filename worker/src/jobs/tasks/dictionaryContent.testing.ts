// Everything the atlas stores about a dictionary's features, without its id: what the job tests compare between a
// run that was interrupted, split or resumed and one that was not.
import type { TestDatabase } from '@atlas/migrations/testing';

export async function dictionaryContent(db: TestDatabase, id: number) {
  const q = (sql: string) => db.dataSource.query(sql, [id]);
  return {
    dictionary: await q(
      `SELECT hook_point, architecture, d_in, n_latents, k, metrics, status FROM dictionaries WHERE id = $1`,
    ),
    features: await q(
      `SELECT index, decoder::text, density, mean_activation, max_activation, histogram, label, label_scores, logits,
              map_x, map_y, neighbors FROM features WHERE dictionary_id = $1 ORDER BY index`,
    ),
    examples: await q(
      `SELECT feature_index, kind, bin, rank, max_activation, doc_index, token_start, max_position, tokens, activations
       FROM feature_examples WHERE dictionary_id = $1 ORDER BY feature_index, kind, bin, rank`,
    ),
    tokens: await q(
      `SELECT token_key, feature_index, token, max_activation, examples FROM feature_tokens WHERE dictionary_id = $1
       ORDER BY token_key, feature_index, token COLLATE "C"`,
    ),
  };
}

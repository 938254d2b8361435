// A dictionary's examples, a page at a time in key order (keyset paging on the primary key).
import { columnList, EXAMPLE_COLUMNS } from '@atlas/migrations';
import { selectRows, type Queryable } from './queryable.js';

/** One row of `feature_examples`. */
export interface ExampleRow {
  feature_index: number;
  kind: 'top' | 'quantile';
  bin: number;
  rank: number;
  max_activation: number;
  doc_index: number;
  token_start: number;
  max_position: number;
  tokens: string[];
  activations: number[];
}

/** The key of the last row of a page, where the next one starts. */
export type ExampleKey = [featureIndex: number, kind: string, bin: number, rank: number];

/** Up to `limit` examples after `after` in (feature_index, kind, bin, rank) order. */
export async function readExamplePage(
  q: Queryable,
  dictionaryId: number,
  after: ExampleKey,
  limit: number,
): Promise<ExampleRow[]> {
  return selectRows<ExampleRow>(
    q,
    `SELECT ${columnList(EXAMPLE_COLUMNS)}
       FROM feature_examples
      WHERE dictionary_id = $1 AND (feature_index, kind, bin, rank) > ($2, $3, $4, $5)
      ORDER BY feature_index, kind, bin, rank LIMIT $6`,
    [dictionaryId, ...after, limit],
  );
}

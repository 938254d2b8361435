// A dictionary's features, a page at a time in index order (keyset paging: constant cost per page).

import { columnList, FEATURE_VALUE_COLUMNS } from '@atlas/migrations';
import { selectRows, type Queryable } from './queryable.js';

/** One row of `features` with its decoder as plain numbers (from `decoder` or `decoder_half`). */
export interface FeatureRow {
  index: number;
  decoder: number[] | null;
  density: number | null;
  mean_activation: number | null;
  max_activation: number | null;
  histogram: unknown;
  label: string | null;
  label_scores: unknown;
  logits: unknown;
  map_x: number | null;
  map_y: number | null;
  neighbors: unknown;
}

/** Up to `limit` features with index > `afterIndex`, by index. */
export async function readFeaturePage(
  q: Queryable,
  dictionaryId: number,
  afterIndex: number,
  limit: number,
): Promise<FeatureRow[]> {
  return selectRows<FeatureRow>(
    q,
    `SELECT index, coalesce(decoder::real[], decoder_half::vector::real[]) AS decoder, ${columnList(FEATURE_VALUE_COLUMNS)}
       FROM features WHERE dictionary_id = $1 AND index > $2 ORDER BY index LIMIT $3`,
    [dictionaryId, afterIndex, limit],
  );
}

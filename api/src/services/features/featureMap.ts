// The 2-D map of a dictionary's features: coordinates, densities, shown labels, and which points pass a filter.
import { featureLabel } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { FEATURES_FROM, filterConditions, type FeatureListFilter } from './featureFilter.js';
import type { Raw } from './featureRow.js';

/**
 * Map coordinates of every feature of a dictionary that has them; with a filter that sets any condition, also
 * whether each point passes it (so the map can highlight what the feature table lists).
 */
export async function featureMap(
  ds: DataSource,
  dictionaryId: number,
  filter: FeatureListFilter = {},
): Promise<{
  indices: number[];
  x: number[];
  y: number[];
  density: number[];
  labels: string[];
  matches: boolean[] | null;
}> {
  const { where, params } = filterConditions(dictionaryId, filter);
  const filtered = where.length > 1;
  const rows: Raw[] = await ds.query(
    // Only what the shown label needs of label_scores (the best association and the firings), not every score.
    `SELECT index, map_x, map_y, coalesce(density, 0) AS density, label,
            jsonb_build_object('scores', jsonb_build_array(label_scores->'scores'->0), 'fires', label_scores->'fires')
              AS label_scores,
       ${
         filtered
           ? `coalesce(${where
               .slice(1)
               .map((c) => `(${c})`)
               .join(' AND ')}, false)`
           : 'NULL'
       } AS matches
     FROM ${FEATURES_FROM} WHERE ${where[0]} AND map_x IS NOT NULL AND map_y IS NOT NULL ORDER BY index`,
    params,
  );
  return {
    indices: rows.map((r) => r.index as number),
    x: rows.map((r) => r.map_x as number),
    y: rows.map((r) => r.map_y as number),
    density: rows.map((r) => r.density as number),
    labels: rows.map((r) => featureLabel(r.label as string | null, r.label_scores).text ?? ''),
    matches: filtered ? rows.map((r) => r.matches as boolean) : null,
  };
}

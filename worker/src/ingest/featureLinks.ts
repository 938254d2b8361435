// Feature families: link each feature to its nearest decoders in another dictionary on the same hook point,
// both ways, replacing earlier links between the pair in one short transaction.
import type { BulkColumn, BulkLoader } from '@atlas/migrations';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/** Each feature's k nearest features of another (or the same) dictionary, as the analysis finds them. */
export interface Neighbours {
  k: number;
  /** [nA, k] indices into B, best first; -1 pads when B has fewer than k candidates. */
  indices: Int32Array;
  /** [nA, k] cosines. */
  cosines: Float32Array;
}

const LINK_COLUMNS: BulkColumn[] = [
  { name: 'dictionary_id', type: 'int' },
  { name: 'feature_index', type: 'int' },
  { name: 'other_dictionary_id', type: 'int' },
  { name: 'rank', type: 'int' },
  { name: 'other_index', type: 'int' },
  { name: 'cosine', type: 'real' },
];

function rows(from: number, to: number, n: Neighbours): unknown[][] {
  const out: unknown[][] = [];
  const count = n.indices.length / n.k;
  for (let i = 0; i < count; i++)
    for (let r = 0; r < n.k; r++) {
      const j = n.indices[i * n.k + r];
      if (j >= 0) out.push([from, i, to, r, j, n.cosines[i * n.k + r]]);
    }
  return out;
}

/** Store links a→b and b→a (`aToB[i]` are b's nearest to a's feature i), replacing the pair's old links. */
export async function storeFeatureLinks(
  target: { dataSource: DataSource; bulkLoader: BulkLoader },
  a: number,
  b: number,
  aToB: Neighbours,
  bToA: Neighbours,
): Promise<number> {
  const runner = target.dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    const all = [...rows(a, b, aToB), ...rows(b, a, bToA)];
    await client.query('BEGIN');
    await client.query(
      `DELETE FROM feature_links WHERE (dictionary_id = $1 AND other_dictionary_id = $2) OR (dictionary_id = $2 AND other_dictionary_id = $1)`,
      [a, b],
    );
    await target.bulkLoader.load(client, 'feature_links', LINK_COLUMNS, all);
    await client.query('COMMIT');
    return all.length;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await runner.release();
  }
}

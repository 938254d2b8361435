// Dictionary rows for export and import: the whole row with its model's and corpus' names, and an insert.
import {
  PARTITIONED_TABLES,
  partitionName,
  stagingName,
  type DictionaryStatus,
  type SaeArchitecture,
} from '@atlas/migrations';
import { selectRows, type Queryable } from './queryable.js';

/** A dictionary row as export writes it (ids of other tables replaced by their names). */
export interface DictionaryRow {
  id: number;
  name: string;
  hook_point: string;
  architecture: SaeArchitecture;
  d_in: number;
  n_latents: number;
  k: number | null;
  l1_coefficient: number | null;
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  curves: Record<string, unknown>;
  status: DictionaryStatus;
  weights_path: string | null;
  model: string | null;
  corpus: string | null;
  created_at: string;
  updated_at: string;
}

/** The dictionary `id`, or undefined. */
export async function readDictionary(q: Queryable, id: number): Promise<DictionaryRow | undefined> {
  const rows = await selectRows<DictionaryRow>(
    q,
    `SELECT d.id, d.name, d.hook_point, d.architecture, d.d_in, d.n_latents, d.k, d.l1_coefficient,
            d.hyperparameters, d.metrics, d.curves, d.status, d.weights_path, m.name AS model, c.name AS corpus,
            to_json(d.created_at) #>> '{}' AS created_at, to_json(d.updated_at) #>> '{}' AS updated_at
       FROM dictionaries d
       LEFT JOIN models m ON m.id = d.model_id
       LEFT JOIN corpora c ON c.id = d.corpus_id
      WHERE d.id = $1`,
    [id],
  );
  return rows[0];
}

/** Insert a dictionary, linking its model and corpus by name where those exist here; returns the new id. */
export async function insertDictionary(
  q: Queryable,
  d: Omit<DictionaryRow, 'id' | 'created_at' | 'updated_at'>,
): Promise<number> {
  const [row] = await selectRows<{ id: number }>(
    q,
    `INSERT INTO dictionaries (name, model_id, corpus_id, hook_point, architecture, d_in, n_latents, k, l1_coefficient,
                               hyperparameters, metrics, curves, status, weights_path)
     VALUES ($1, (SELECT id FROM models WHERE name = $2), (SELECT id FROM corpora WHERE name = $3), $4, $5, $6, $7,
             $8, $9, $10, $11, $12, $13, $14)
     RETURNING id`,
    [
      d.name,
      d.model,
      d.corpus,
      d.hook_point,
      d.architecture,
      d.d_in,
      d.n_latents,
      d.k,
      d.l1_coefficient,
      JSON.stringify(d.hyperparameters),
      JSON.stringify(d.metrics),
      JSON.stringify(d.curves),
      d.status,
      d.weights_path,
    ],
  );
  return row.id;
}

/** Dictionaries other than `exceptId` that match an exported one by name, hook point and size (ids differ between databases). */
export async function findDictionaryIds(
  q: Queryable,
  match: { name: string; hook_point: string; n_latents: number },
  exceptId: number,
): Promise<number[]> {
  const rows = await selectRows<{ id: number }>(
    q,
    `SELECT id FROM dictionaries WHERE name = $1 AND hook_point = $2 AND n_latents = $3 AND id <> $4 ORDER BY id`,
    [match.name, match.hook_point, match.n_latents, exceptId],
  );
  return rows.map((r) => r.id);
}

/** Set a dictionary's status and weights folder. */
export async function setDictionaryStatus(
  q: Queryable,
  id: number,
  status: DictionaryStatus,
  weightsPath: string | null,
): Promise<void> {
  await q.query(`UPDATE dictionaries SET status = $2, weights_path = $3, updated_at = now() WHERE id = $1`, [
    id,
    status,
    weightsPath,
  ]);
}

/** Remove a dictionary with its partitions and any staging tables an interrupted ingest left. */
export async function deleteDictionary(q: Queryable, id: number): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    await q.query(`DROP TABLE IF EXISTS ${stagingName(table, id)}`);
    await q.query(`DROP TABLE IF EXISTS ${partitionName(table, id)}`);
  }
  await q.query(`DELETE FROM dictionaries WHERE id = $1`, [id]);
}

/** Ids of the dictionaries named `name`, oldest first (names are not unique). */
export async function findDictionaryIdsByName(q: Queryable, name: string): Promise<number[]> {
  const rows = await selectRows<{ id: number }>(q, `SELECT id FROM dictionaries WHERE name = $1 ORDER BY id`, [name]);
  return rows.map((r) => r.id);
}

/** Dictionaries an import of `folder` made under `name` (hyperparameters.neuronpedia.folder), newest first. */
export async function findNeuronpediaImports(
  q: Queryable,
  name: string,
  folder: string,
): Promise<{ id: number; status: DictionaryStatus; d_in: number; n_latents: number }[]> {
  return selectRows(
    q,
    `SELECT id, status, d_in, n_latents FROM dictionaries
      WHERE name = $1 AND hyperparameters #>> '{neuronpedia,folder}' = $2 ORDER BY id DESC`,
    [name, folder],
  );
}

// What an evaluation of a dictionary already in the atlas reads from the database: where its weights and its
// model live, its hook, and the labels the atlas shows for its features (scored on held-out text).
import type { DataSource } from 'typeorm';

/** A dictionary's weights folder, hook and model folder (null: no folder recorded). */
export interface EvaluationSource {
  id: number;
  name: string;
  weightsPath: string | null;
  hookPoint: string;
  /** The models row's folder; null when the dictionary has no model recorded (the builtin model is assumed). */
  modelPath: string | null;
}

/** The dictionary's evaluation source, or undefined when no dictionary has this id. */
export async function readEvaluationSource(ds: DataSource, id: number): Promise<EvaluationSource | undefined> {
  const [row] = (await ds.query(
    `SELECT d.id, d.name, d.weights_path, d.hook_point, m.weights_path AS model_path
       FROM dictionaries d LEFT JOIN models m ON m.id = d.model_id
      WHERE d.id = $1`,
    [id],
  )) as { id: number; name: string; weights_path: string | null; hook_point: string; model_path: string | null }[];
  return (
    row && {
      id: row.id,
      name: row.name,
      weightsPath: row.weights_path,
      hookPoint: row.hook_point,
      modelPath: row.model_path,
    }
  );
}

/** The stored label text of every labelled feature of the dictionary (`vbd (F1 0.81)`, `"the" "a"`), by index. */
export async function readFeatureLabels(ds: DataSource, id: number): Promise<{ index: number; label: string }[]> {
  return (await ds.query(
    `SELECT index, label FROM features WHERE dictionary_id = $1 AND label IS NOT NULL ORDER BY index`,
    [id],
  )) as { index: number; label: string }[];
}

// Dictionary rows: registering a trained (or imported) SAELens folder with its metrics and curves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DictionaryCurves, DictionaryMetrics } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

interface AtlasMetricsFile {
  tokens: number;
  final: { mse: number; fvu: number; l0: number };
  deadFraction: number;
  denseFraction: number;
  curves: { tokens: number; loss: number; l0: number; fvu: number; deadFraction: number }[];
}

/** Metrics and curves as the schema stores them, from a trained folder's atlas_metrics.json. */
export function readTrainingMetrics(folder: string): { metrics: DictionaryMetrics; curves: DictionaryCurves } {
  const m = JSON.parse(readFileSync(join(folder, 'atlas_metrics.json'), 'utf8')) as AtlasMetricsFile;
  return {
    metrics: {
      l0: m.final.l0,
      mse: m.final.mse,
      fvu: m.final.fvu,
      deadFraction: m.deadFraction,
      denseFraction: m.denseFraction,
      tokensTrained: m.tokens,
    },
    curves: {
      tokens: m.curves.map((c) => c.tokens),
      loss: m.curves.map((c) => c.loss),
      l0: m.curves.map((c) => c.l0),
      fvu: m.curves.map((c) => c.fvu),
      deadFraction: m.curves.map((c) => c.deadFraction),
    },
  };
}

/** Insert a dictionary for a SAELens folder (cfg.json gives the shape and hook). Returns its id. */
export async function registerDictionary(
  ds: DataSource,
  folder: string,
  options: { name: string; status: 'trained' | 'ready'; hyperparameters?: Record<string, unknown> },
): Promise<number> {
  const cfg = JSON.parse(readFileSync(join(folder, 'cfg.json'), 'utf8')) as {
    architecture: string;
    d_in: number;
    d_sae: number;
    k?: number;
    hook_name?: string | null;
    l1_coefficient?: number;
  };
  const { metrics, curves } = readTrainingMetrics(folder);
  const [row] = (await ds.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, l1_coefficient, hyperparameters, metrics, curves, status, weights_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      options.name,
      cfg.hook_name ?? 'unknown',
      cfg.architecture,
      cfg.d_in,
      cfg.d_sae,
      cfg.k ?? null,
      cfg.l1_coefficient ?? null,
      JSON.stringify(options.hyperparameters ?? {}),
      JSON.stringify(metrics),
      JSON.stringify(curves),
      options.status,
      folder,
    ],
  )) as { id: number }[];
  return row.id;
}

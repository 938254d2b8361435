// A dictionary's life in the atlas: registered for a trained (or imported) SAELens folder with its metrics and
// curves, found again for re-analysis, linked to its siblings on the same hook, opened to readers when analysed.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { join } from 'node:path';
import type { DictionaryCurves, DictionaryMetrics } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

interface AtlasMetricsFile {
  tokens: number;
  /** Absent in folders trained before seeds were recorded. */
  seed?: number;
  final: { mse: number; fvu: number; l0: number };
  deadFraction: number;
  denseFraction: number;
  curves: { tokens: number; loss: number; l0: number; fvu: number; deadFraction: number }[];
}

/** Metrics and curves as the schema stores them, from a trained folder's atlas_metrics.json. */
export function readTrainingMetrics(folder: string): { metrics: DictionaryMetrics; curves: DictionaryCurves } {
  // A dictionary trained elsewhere has no metrics file: nothing measured yet.
  if (!existsSync(join(folder, 'atlas_metrics.json'))) return { metrics: {}, curves: {} };
  const m = JSON.parse(readFileSync(join(folder, 'atlas_metrics.json'), 'utf8')) as AtlasMetricsFile;
  return {
    metrics: {
      l0: m.final.l0,
      mse: m.final.mse,
      fvu: m.final.fvu,
      deadFraction: m.deadFraction,
      denseFraction: m.denseFraction,
      tokensTrained: m.tokens,
      trainingSeed: m.seed,
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

/**
 * What a transcoder's row keeps in `hyperparameters` (its architecture column names its activation, as the schema's
 * check allows): SAELens' architecture name (transcoder, skip_transcoder, …), the output hook and d_out.
 */
export function transcoderHyperparameters(t: {
  architecture: string;
  hookNameOut: string | null;
  dOut: number;
}): Record<string, unknown> {
  return { architecture: t.architecture, hookNameOut: t.hookNameOut, dOut: t.dOut };
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
    d_out?: number;
    hook_name_out?: string | null;
  };
  const { metrics, curves } = readTrainingMetrics(folder);
  // A transcoder (SAELens' d_out key): the column takes its activation, hyperparameters the rest.
  const transcoder =
    cfg.d_out === undefined
      ? undefined
      : transcoderHyperparameters({
          architecture: cfg.architecture,
          hookNameOut: cfg.hook_name_out ?? null,
          dOut: cfg.d_out,
        });
  const architecture = !transcoder
    ? cfg.architecture
    : cfg.k
      ? 'topk'
      : cfg.architecture.startsWith('jumprelu')
        ? 'jumprelu'
        : 'relu';
  const [row] = (await ds.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, l1_coefficient, hyperparameters, metrics, curves, status, weights_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      options.name,
      cfg.hook_name ?? 'unknown',
      architecture,
      cfg.d_in,
      cfg.d_sae,
      cfg.k ?? null,
      cfg.l1_coefficient ?? null,
      JSON.stringify({ ...options.hyperparameters, ...transcoder }),
      JSON.stringify(metrics),
      JSON.stringify(curves),
      options.status,
      folder,
    ],
  )) as { id: number }[];
  return row.id;
}

/** The models row of a loaded model (by name; its folder kept for reloading; its family as the architecture); returns its id. */
export async function ensureModel(
  ds: DataSource,
  model: {
    name: string;
    dir: string;
    config: { family: string; dModel: number; nLayer: number; dMlp: number; nPositions: number; vocabSize: number };
  },
): Promise<number> {
  const c = model.config;
  const [row] = (await ds.query(
    `INSERT INTO models (name, architecture, d_model, n_layers, d_mlp, n_ctx, vocab_size, weights_path)
     VALUES ($1, $8, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (name) DO UPDATE SET weights_path = EXCLUDED.weights_path, architecture = EXCLUDED.architecture
     RETURNING id`,
    [
      model.name,
      c.dModel,
      c.nLayer,
      c.dMlp,
      c.nPositions,
      c.vocabSize,
      model.name.startsWith('builtin:') ? null : model.dir,
      c.family,
    ],
  )) as { id: number }[];
  return row.id;
}

/** Record which model a dictionary decodes (dictionaries registered before models were recorded have none). */
export async function setDictionaryModel(ds: DataSource, id: number, modelId: number): Promise<void> {
  await ds.query(`UPDATE dictionaries SET model_id = $2 WHERE id = $1`, [id, modelId]);
}

/**
 * The dictionary with this content (by content hash, wherever its folder was: a moved atlas keeps its dictionaries,
 * and the row learns the folder's new place), one registered for this folder before content was recorded, or a new
 * one. Adding content again on purpose forgets that it was deleted.
 */
export async function ensureDictionary(
  ds: DataSource,
  folder: string,
  sae: { architecture: string; dIn: number; dSae: number; k?: number },
  options: { name?: string; hook: string; contentHash: string; hyperparameters?: Record<string, unknown> },
): Promise<number> {
  // Two analyses of a new folder at once must not register it twice: lookup and insert under one lock per content.
  return ds.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [options.contentHash]);
    const known = (await m.query(
      `SELECT id FROM dictionaries
        WHERE content_hash = $1 OR (content_hash IS NULL AND weights_path = $2)
        ORDER BY (content_hash = $1) DESC NULLS LAST, id LIMIT 1`,
      [options.contentHash, folder],
    )) as { id: number }[];
    if (known[0]) {
      await m.query(
        `UPDATE dictionaries SET content_hash = $2, weights_path = $3, hyperparameters = hyperparameters || $4::jsonb WHERE id = $1`,
        [known[0].id, options.contentHash, folder, JSON.stringify(options.hyperparameters ?? {})],
      );
      return known[0].id;
    }
    const { metrics, curves } = readTrainingMetrics(folder);
    const [row] = (await m.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, metrics, curves, status, weights_path, content_hash, hyperparameters)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'trained', $9, $10, $11) RETURNING id`,
      [
        options.name ?? basename(folder),
        options.hook,
        sae.architecture === 'standard' ? 'relu' : sae.architecture,
        sae.dIn,
        sae.dSae,
        sae.k ?? null,
        JSON.stringify(metrics),
        JSON.stringify(curves),
        folder,
        options.contentHash,
        JSON.stringify(options.hyperparameters ?? {}),
      ],
    )) as { id: number }[];
    await m.query(`DELETE FROM dictionary_tombstones WHERE content_hash = $1`, [options.contentHash]);
    return row.id;
  });
}

/** Record the content a dictionary is being analysed from (a dictionary registered by a train job has none yet). */
export async function setContentHash(ds: DataSource, id: number, contentHash: string): Promise<void> {
  await ds.query(`UPDATE dictionaries SET content_hash = $2 WHERE id = $1`, [id, contentHash]);
}

/** What a re-analysis of dictionary `id` starts from: its weights folder (null: none on this server) and hook point. */
export async function readAnalysisSource(
  ds: DataSource,
  id: number,
): Promise<{ weightsPath: string | null; hookPoint: string } | undefined> {
  const [row] = (await ds.query(`SELECT weights_path, hook_point FROM dictionaries WHERE id = $1`, [id])) as {
    weights_path: string | null;
    hook_point: string;
  }[];
  return row && { weightsPath: row.weights_path, hookPoint: row.hook_point };
}

/** Close the dictionary to readers while it is analysed (finishAnalysis opens it again). */
export async function markAnalyzing(ds: DataSource, id: number): Promise<void> {
  await ds.query(`UPDATE dictionaries SET status = 'analyzing' WHERE id = $1`, [id]);
}

/**
 * Other analysed dictionaries on the same hook point and width that write where this one does (SAEs: `hookOut`
 * null; transcoders: their output hook, `hyperparameters.hookNameOut`): candidates for family links.
 */
export async function dictionariesOnHook(
  ds: DataSource,
  id: number,
  hook: string,
  dIn: number,
  hookOut: string | null = null,
): Promise<{ id: number; nLatents: number }[]> {
  const rows = (await ds.query(
    `SELECT id, n_latents FROM dictionaries
      WHERE id <> $1 AND hook_point = $2 AND d_in = $3 AND status = 'ready'
        AND hyperparameters->>'hookNameOut' IS NOT DISTINCT FROM $4::text
      ORDER BY id`,
    [id, hook, dIn, hookOut],
  )) as { id: number; n_latents: number }[];
  return rows.map((r) => ({ id: r.id, nLatents: r.n_latents }));
}

/** A dictionary's decoder rows from the database: [nLatents, dIn] (the same read as featureRows, decoders only). */
export async function readDecoder(ds: DataSource, id: number, dIn: number, nLatents: number): Promise<Float32Array> {
  const rows = (await ds.query(
    `SELECT index, coalesce(decoder::real[], decoder_half::vector::real[]) AS v FROM features WHERE dictionary_id = $1`,
    [id],
  )) as { index: number; v: number[] | null }[];
  const out = new Float32Array(nLatents * dIn);
  for (const r of rows) if (r.v) out.set(r.v, r.index * dIn);
  return out;
}

/**
 * Record what the analysis measured and open the dictionary to readers, only while `claimToken` still holds its
 * analysis claim; false when it was lost (nothing written).
 */
export async function finishAnalysis(
  ds: DataSource,
  id: number,
  result: {
    ceLoss?: { clean: number; spliced: number; zeroAblated: number; recovered: number };
    tokens: number;
    mapMethod: 'umap' | 'pca';
  },
  claimToken: string,
): Promise<boolean> {
  const ce = result.ceLoss;
  const patch: DictionaryMetrics = {
    tokensAnalyzed: result.tokens,
    mapMethod: result.mapMethod,
    ...(ce && {
      ceLossClean: ce.clean,
      ceLossSpliced: ce.spliced,
      ceLossZeroAblated: ce.zeroAblated,
      ceLossRecovered: ce.recovered,
    }),
  };
  const [{ n }] = (await ds.query(
    `WITH finished AS (
       UPDATE dictionaries SET metrics = metrics || $2::jsonb, status = 'ready', updated_at = now()
        WHERE id = $1 AND EXISTS (SELECT 1 FROM analysis_claims WHERE dictionary_id = $1 AND token = $3)
        RETURNING id)
     SELECT count(*)::int AS n FROM finished`,
    [id, JSON.stringify(patch), claimToken],
  )) as { n: number }[];
  return n === 1;
}

// One way in for dictionaries trained elsewhere: look at the folder, pick the format by its weights file, and
// return SAELens layout whatever the source.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../../errors.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { CIRCUIT_TRACER_CONFIG, isCircuitTracerSet } from './circuitTracerFormat.js';
import {
  CFG_FILE,
  decoderWidth,
  readSaelens,
  saelensProvenance,
  transcoderCfgKeys,
  WEIGHTS_FILE,
  type SaelensSae,
} from './saelensFormat.js';
import { readSparsify, SPARSIFY_WEIGHTS_FILE } from './sparsifyFormat.js';

/** Where a dictionary came from; `circuit-tracer`: one layer of a transcoder set (circuitTracerFormat.ts). */
export type ExternalFormat = 'saelens' | 'sparsify' | 'circuit-tracer';

/** A dictionary from another tool, in the engine's SAELens layout, with the provenance its files carry. */
export interface ExternalSae extends SaelensSae {
  format: ExternalFormat;
  hookName: string | null;
  modelName: string | null;
}

/** Which format `dir` holds, or SOURCE_NOT_FOUND / SOURCE_MALFORMED saying what was found instead. */
export function detectSaeFormat(dir: string): ExternalFormat {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${dir}: no such folder; pass a SAELens folder (cfg.json + ${WEIGHTS_FILE}) or a sparsify folder (cfg.json + ${SPARSIFY_WEIGHTS_FILE})`,
    );
  if (existsSync(join(dir, WEIGHTS_FILE))) return 'saelens';
  if (existsSync(join(dir, SPARSIFY_WEIGHTS_FILE))) return 'sparsify';
  const entries = readdirSync(dir);
  if (isCircuitTracerSet(dir))
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${dir}: is a circuit-tracer transcoder set (${CIRCUIT_TRACER_CONFIG} + layer_{i}.safetensors); split it into one SAELens folder per layer with \`worker import-transcoders ${dir} --out <folder>\``,
    );
  // archive/exportFormat.ts: dictionary.json + features.jsonl + weights/ (a SAELens folder).
  if (entries.includes('dictionary.json') && entries.includes('features.jsonl'))
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${dir}: is a feature-atlas export; restore it with \`worker restore ${dir}\`, or load its SAELens weights from ${join(dir, 'weights')}`,
    );
  // sparsify saves one sub-folder per hook point (layers.6, layers.6.mlp, ...) under the run's folder.
  const nested = entries.filter((e) => existsSync(join(dir, e, CFG_FILE)));
  if (nested.length > 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${dir}: holds dictionaries for several hook points (${nested.slice(0, 5).join(', ')}${nested.length > 5 ? ', ...' : ''}); pass one of those folders`,
    );
  throw new AtlasError(
    'SOURCE_MALFORMED',
    `${dir}: unknown SAE format (found ${entries.slice(0, 8).join(', ') || 'nothing'}); expected cfg.json with ${WEIGHTS_FILE} (SAELens) or ${SPARSIFY_WEIGHTS_FILE} (sparsify)`,
  );
}

/** Load a SAELens (any generation) or sparsify folder, checking shapes and finiteness. */
export function loadExternalSae(dir: string): ExternalSae {
  const format = detectSaeFormat(dir);
  if (format === 'sparsify') {
    const sae = readSparsify(dir);
    return { ...sae, format, modelName: null };
  }
  const sae = readSaelens(dir);
  return { ...sae, format, ...saelensProvenance(sae.cfg) };
}

/**
 * Save a loaded dictionary as a v6-style SAELens folder in `dir` (which must exist), so one trained elsewhere gets
 * a weights folder every SAELens loader and `worker export` understand. Weights are written as loaded (float32);
 * a transcoder keeps its output hook, d_out and W_skip.
 */
export function saveExternalAsSaelens(dir: string, sae: ExternalSae): void {
  const dOut = decoderWidth(sae);
  const provenance = { model_name: sae.modelName, hook_name: sae.hookName };
  const activation =
    sae.architecture === 'topk'
      ? { k: sae.k, activation_fn_str: 'topk', activation_fn_kwargs: { k: sae.k } }
      : { activation_fn_str: 'relu', activation_fn_kwargs: {} };
  const cfg = {
    architecture: sae.architecture,
    d_in: sae.dIn,
    d_sae: sae.dSae,
    dtype: 'float32',
    ...provenance,
    ...activation,
    apply_b_dec_to_input: sae.applyBDecToInput,
    normalize_activations: 'none',
    metadata: { ...provenance, sae_lens_version: null },
    ...(sae.transcoder && transcoderCfgKeys(sae.transcoder)),
    atlas: { imported_from: sae.format, source_cfg: sae.cfg },
  };
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {
    W_enc: { data: sae.wEnc, shape: [sae.dIn, sae.dSae] },
    W_dec: { data: sae.wDec, shape: [sae.dSae, dOut] },
    b_enc: { data: sae.bEnc, shape: [sae.dSae] },
    b_dec: { data: sae.bDec, shape: [dOut] },
  };
  if (sae.threshold) tensors.threshold = { data: sae.threshold, shape: [sae.dSae] };
  if (sae.transcoder?.wSkip) tensors.W_skip = { data: sae.transcoder.wSkip, shape: [dOut, sae.dIn] };
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors);
  writeFileSync(join(dir, CFG_FILE), JSON.stringify(cfg, null, 2) + '\n');
}

// A model's transcoder set for attribution, from SAELens transcoder folders (one per layer, or a folder holding
// them) or a circuit-tracer set: one TopK transcoder per layer, in layer order, checked against each other.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isCircuitTracerSet, readCircuitTracerSet, type NamedTranscoder } from '../engine/sae/circuitTracerFormat.js';
import { loadExternalSae } from '../engine/sae/loadExternalSae.js';
import { CFG_FILE } from '../engine/sae/saelensFormat.js';
import { AtlasError } from '../errors.js';
import type { TranscoderSet, TranscoderWeights } from './attributionGraph.js';

export interface LoadTranscoderSetOptions {
  /** Layers the model has: every one needs a transcoder (default: 0 … the highest layer found). */
  nLayer?: number;
  /** The model's name in the atlas (default: the model_name the files give). */
  modelId?: string;
}

/** The layer of `blocks.{layer}.…`, or undefined. */
function hookLayer(hook: string | null | undefined): number | undefined {
  const m = /^blocks\.(\d+)\./.exec(hook ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The SAELens folders `folders` names: the list itself, or for one folder without cfg.json, its sub-folders that
 * have one (what `worker import-transcoders` writes), sorted by name.
 */
export function transcoderFolders(folders: string[]): string[] {
  if (folders.length === 0)
    throw new AtlasError('ARGUMENT_INVALID', 'no transcoder folders given; pass one per layer or a set folder');
  const [dir] = folders;
  if (folders.length === 1 && existsSync(dir) && statSync(dir).isDirectory() && !existsSync(join(dir, CFG_FILE))) {
    const inner = readdirSync(dir)
      .filter((e) => existsSync(join(dir, e, CFG_FILE)))
      .sort();
    if (inner.length > 0) return inner.map((e) => join(dir, e));
  }
  return folders;
}

/** The transcoders `source` names: a circuit-tracer set, one SAELens folder, a folder of them, or a list. */
function readTranscoders(source: string | string[]): { what: string; transcoders: NamedTranscoder[] } {
  const folders = typeof source === 'string' ? [source] : source;
  if (folders.length === 1 && isCircuitTracerSet(folders[0]))
    return { what: folders[0], transcoders: readCircuitTracerSet(folders[0]).layers };
  return { what: folders.join(', '), transcoders: transcoderFolders(folders).map(loadExternalSae) };
}

/**
 * Load a transcoder set: `source` is a circuit-tracer folder (config.yaml + layer_{i}.safetensors), a folder of
 * per-layer SAELens transcoder folders, or the list of those folders. Each must be a TopK or ReLU transcoder whose
 * input and output hooks are `blocks.{l}.…` of one layer; there must be exactly one per layer of the model.
 */
export function loadTranscoderSet(source: string | string[], options: LoadTranscoderSetOptions = {}): TranscoderSet {
  const { what, transcoders } = readTranscoders(source);
  const byLayer = new Map<number, TranscoderWeights>();
  const modelNames = new Set<string>();
  for (const t of transcoders) {
    const name = `the dictionary on ${t.hookName ?? '(no hook_name)'} in ${what}`;
    const tc = t.transcoder;
    if (!tc)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name} is an SAE, not a transcoder; a transcoder set needs cfg.json architecture transcoder or skip_transcoder`,
      );
    const layer = hookLayer(t.hookName);
    if (layer === undefined || hookLayer(tc.hookNameOut) !== layer)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${name}: hook_name and hook_name_out must both be blocks.{layer}.… of one layer (got ${t.hookName} → ${tc.hookNameOut})`,
      );
    if (t.architecture === 'jumprelu')
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name} is a JumpReLU transcoder; attribution reads TopK (or ReLU) transcoders`,
      );
    if (byLayer.has(layer))
      throw new AtlasError('ARGUMENT_INVALID', `two transcoders for layer ${layer} in ${what}; pass one per layer`);
    if (t.modelName) modelNames.add(t.modelName);
    const { dIn, dSae } = t;
    const wEncT = new Float32Array(dSae * dIn);
    for (let p = 0; p < dIn; p++) for (let l = 0; l < dSae; l++) wEncT[l * dIn + p] = t.wEnc[p * dSae + l];
    byLayer.set(layer, {
      layer,
      dIn,
      dOut: tc.dOut,
      dSae,
      // ReLU is TopK with k = d_sae: every positive pre-activation survives.
      k: t.architecture === 'topk' ? t.k! : dSae,
      wEncT,
      bEnc: t.bEnc,
      wDec: t.wDec,
      bDec: t.bDec,
      wSkip: tc.wSkip,
    });
  }
  const found = [...byLayer.keys()].sort((a, b) => a - b);
  const nLayer = options.nLayer ?? found[found.length - 1] + 1;
  const missing = Array.from({ length: nLayer }, (_, l) => l).filter((l) => !byLayer.has(l));
  if (missing.length > 0)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${what}: no transcoder for layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the model's ${nLayer}; attribution needs one per layer`,
    );
  const extra = found.filter((l) => l >= nLayer);
  if (extra.length > 0)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${what}: transcoders for layer ${extra.join(', ')} but the model has ${nLayer} layers (0 … ${nLayer - 1}); pass the model's set`,
    );
  if (modelNames.size > 1)
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `${what}: the transcoders were trained on different models (${[...modelNames].join(', ')}); pass one model's set`,
    );
  const modelId = options.modelId ?? [...modelNames][0];
  if (!modelId)
    throw new AtlasError('ARGUMENT_INVALID', `${what}: no model_name in the files; pass the model's id (modelId)`);
  return { modelId, layers: found.map((l) => byLayer.get(l)!) };
}

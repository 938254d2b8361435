// circuit-tracer's per-layer transcoder set (safety-research/circuit-tracer, single_layer_transcoder.py and
// utils/caching.py), in and out: a folder with config.yaml (model_kind: transcoder_set, model_name,
// feature_input_hook and feature_output_hook as hook names under `blocks.{layer}.`, activation and k) and one
// layer_{i}.safetensors per layer holding W_enc [d_sae, d_model] (F.linear's layout: rows are features), W_dec
// [d_sae, d_model], b_enc [d_sae], b_dec [d_model] and, where present, W_skip [d_model, d_model],
// activation_function.threshold [d_sae] (JumpReLU) and k (a scalar, TopK; read, not written). One d_model: input and output widths agree.
// Activations differ at the edges: circuit-tracer's TopK keeps the k largest pre-activations even when negative
// (SAELens': TopK then ReLU), and its JumpReLU is x·[x > θ] without ReLU; they agree when k pre-activations are
// positive and θ ≥ 0. Its cached sets (load_transcoders_from_cache) read no `activation` and so load TopK as ReLU.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { AtlasError } from '../../errors.js';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../formats/safetensors.js';
import { checkedTensorReader, decoderWidth, type SaelensSae } from './saelensFormat.js';

export const CIRCUIT_TRACER_CONFIG = 'config.yaml';

/** The weights file of one layer. */
export const circuitTracerLayerFile = (layer: number): string => `layer_${layer}.safetensors`;

/** A transcoder with the hooks and model its files name (what `loadExternalSae` returns for one). */
export type NamedTranscoder = SaelensSae & { hookName: string | null; modelName: string | null };

/** A transcoder set as circuit-tracer stores it, each layer in SAELens layout with full hook names. */
export interface CircuitTracerSet {
  modelName: string | null;
  /** Hook names under `blocks.{layer}.`, e.g. `ln2.hook_normalized` and `hook_mlp_out`. */
  featureInputHook: string;
  featureOutputHook: string;
  /** By layer, 0 … n−1. */
  layers: NamedTranscoder[];
}

/** Whether `dir` holds circuit-tracer's config.yaml (a transcoder set rather than one dictionary). */
export function isCircuitTracerSet(dir: string): boolean {
  return existsSync(join(dir, CIRCUIT_TRACER_CONFIG));
}

/** `blocks.{l}.<suffix>` → { layer, suffix }, or undefined for another shape. */
function splitLayerHook(hook: string | null): { layer: number; suffix: string } | undefined {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hook ?? '');
  return m ? { layer: Number(m[1]), suffix: m[2] } : undefined;
}

/**
 * Write the transcoders of one model (one per layer, any order) as a circuit-tracer set in `dir` (which must
 * exist). Every layer must read `blocks.{l}.X` and write `blocks.{l}.Y` with the same X and Y, with d_in = d_out.
 */
export function writeCircuitTracerSet(dir: string, transcoders: NamedTranscoder[]): CircuitTracerSet {
  if (transcoders.length === 0) throw new AtlasError('ARGUMENT_INVALID', 'no transcoders given; pass one per layer');
  const byLayer = new Map<number, NamedTranscoder>();
  let inSuffix: string | undefined;
  let outSuffix: string | undefined;
  for (const t of transcoders) {
    const name = `transcoder on ${t.hookName ?? '(no hook_name)'}`;
    if (!t.transcoder)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name} is an SAE, not a transcoder (cfg.json architecture transcoder)`,
      );
    const hookIn = splitLayerHook(t.hookName);
    const hookOut = splitLayerHook(t.transcoder.hookNameOut);
    if (!hookIn || !hookOut || hookIn.layer !== hookOut.layer)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name}: hook_name and hook_name_out must be blocks.{layer}.… of one layer (got ${t.hookName} → ${t.transcoder.hookNameOut}); circuit-tracer names hooks per layer`,
      );
    if (inSuffix !== undefined && (inSuffix !== hookIn.suffix || outSuffix !== hookOut.suffix))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name}: reads ${hookIn.suffix} and writes ${hookOut.suffix} but another layer reads ${inSuffix} and writes ${outSuffix}; circuit-tracer has one feature_input_hook and one feature_output_hook per set`,
      );
    inSuffix = hookIn.suffix;
    outSuffix = hookOut.suffix;
    if (t.dIn !== decoderWidth(t))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${name}: d_in ${t.dIn} ≠ d_out ${decoderWidth(t)}; circuit-tracer's transcoders have one d_model`,
      );
    if (byLayer.has(hookIn.layer))
      throw new AtlasError('ARGUMENT_INVALID', `two transcoders for layer ${hookIn.layer}; pass one per layer`);
    byLayer.set(hookIn.layer, t);
  }
  const layers = [...byLayer.keys()].sort((a, b) => a - b).map((l) => byLayer.get(l)!);
  const missing = layers.findIndex((_, i) => !byLayer.has(i));
  if (missing >= 0)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `no transcoder for layer ${missing}; circuit-tracer needs every layer from 0 to the last (${Math.max(...byLayer.keys())})`,
    );
  const first = layers[0];
  for (const t of layers)
    if (t.architecture !== first.architecture || t.k !== first.k)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `transcoder on ${t.hookName} is ${t.architecture}${t.k ? ` k=${t.k}` : ''} but the one on ${first.hookName} is ${first.architecture}${first.k ? ` k=${first.k}` : ''}; circuit-tracer's config has one activation per set`,
      );
  const modelName = layers.find((t) => t.modelName)?.modelName ?? null;
  layers.forEach((t, layer) => {
    const dSae = t.dSae;
    const d = t.dIn;
    const wEncT = new Float32Array(dSae * d);
    for (let p = 0; p < d; p++) for (let l = 0; l < dSae; l++) wEncT[l * d + p] = t.wEnc[p * dSae + l];
    const tensors: Record<string, TensorToWrite> = {
      W_enc: { data: wEncT, shape: [dSae, d] },
      W_dec: { data: t.wDec, shape: [dSae, d] },
      b_enc: { data: t.bEnc, shape: [dSae] },
      b_dec: { data: t.bDec, shape: [d] },
    };
    if (t.transcoder!.wSkip) tensors.W_skip = { data: t.transcoder!.wSkip, shape: [d, d] };
    if (t.architecture === 'jumprelu') tensors['activation_function.threshold'] = { data: t.threshold!, shape: [dSae] };
    writeSafetensors(join(dir, circuitTracerLayerFile(layer)), tensors);
  });
  const config = {
    model_kind: 'transcoder_set',
    model_name: modelName,
    feature_input_hook: inSuffix!,
    feature_output_hook: outSuffix!,
    // circuit-tracer reads JumpReLU from activation_function.threshold when no activation is named. TopK's k goes
    // here only: its to_safetensors also stores a tensor `k`, but load_transcoder hands every tensor to a strict
    // load_state_dict, which has no parameter of that name.
    ...(first.architecture === 'topk' && { activation: 'topk', k: first.k }),
    ...(first.architecture === 'standard' && { activation: 'relu' }),
  };
  writeFileSync(join(dir, CIRCUIT_TRACER_CONFIG), stringify(config));
  return { modelName, featureInputHook: inSuffix!, featureOutputHook: outSuffix!, layers };
}

const CircuitTracerConfig = z
  .object({
    model_kind: z.literal('transcoder_set').optional(),
    model_name: z.string().nullable().optional(),
    feature_input_hook: z.string().min(1),
    feature_output_hook: z.string().min(1),
    activation: z.enum(['relu', 'topk', 'jumprelu']).nullable().optional(),
    k: z.number().int().positive().nullable().optional(),
    transcoders: z.array(z.string()).optional(),
  })
  .passthrough();

/** The weights file of each layer: config.yaml's `transcoders` list (local paths) or layer_{i}.safetensors. */
function layerFiles(dir: string, transcoders: string[] | undefined): string[] {
  if (transcoders) {
    const remote = transcoders.find((p) => /^[a-z]+:\/\//.test(p));
    if (remote)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${join(dir, CIRCUIT_TRACER_CONFIG)}: transcoders lists ${remote}; download the files next to config.yaml as layer_{i}.safetensors (circuit-tracer's save_transcoders_to_cache does) and drop the list`,
      );
    return transcoders.map((p) => (isAbsolute(p) ? p : join(dir, p)));
  }
  const layers = readdirSync(dir)
    .map((f) => /^layer_(\d+)\.safetensors$/.exec(f))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (layers.length === 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${dir}: has ${CIRCUIT_TRACER_CONFIG} but no layer_{i}.safetensors; a circuit-tracer transcoder set holds one per layer`,
    );
  const gap = layers.findIndex((l, i) => l !== i);
  if (gap >= 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${dir}: ${circuitTracerLayerFile(gap)} is missing (found ${layers.map(circuitTracerLayerFile).join(', ')}); a transcoder set needs every layer from 0`,
    );
  return layers.map((l) => join(dir, circuitTracerLayerFile(l)));
}

/** Read a circuit-tracer transcoder set (float32, bf16 or f16 weights), checking every tensor's shape. */
export function readCircuitTracerSet(dir: string): CircuitTracerSet {
  const cfgPath = join(dir, CIRCUIT_TRACER_CONFIG);
  let raw: unknown;
  try {
    raw = parse(readFileSync(cfgPath, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: cannot read (${(err as Error).message}); a circuit-tracer transcoder set holds config.yaml and layer_{i}.safetensors`,
      { cause: err },
    );
  }
  const parsed = CircuitTracerConfig.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: ${i.path.join('.') || 'config'}: ${i.message}; expected model_kind: transcoder_set, feature_input_hook, feature_output_hook`,
    );
  }
  const cfg = parsed.data;
  const modelName = cfg.model_name ?? null;
  const layers = layerFiles(dir, cfg.transcoders).map((path, layer): NamedTranscoder => {
    const file = new SafetensorsFile(path);
    try {
      for (const name of ['b_enc', 'b_dec'])
        if (file.tensors.get(name)?.shape.length !== 1)
          throw new AtlasError('SOURCE_MALFORMED', `${path}: missing tensor ${name} (a vector); is this a transcoder?`);
      const dSae = file.tensors.get('b_enc')!.shape[0];
      const d = file.tensors.get('b_dec')!.shape[0];
      const tensor = checkedTensorReader(file, path, `b_enc [${dSae}] and b_dec [${d}]`);
      const wEncT = tensor('W_enc', [dSae, d]);
      const wEnc = new Float32Array(d * dSae);
      for (let l = 0; l < dSae; l++) for (let p = 0; p < d; p++) wEnc[p * dSae + l] = wEncT[l * d + p];
      const hasThreshold = file.has('activation_function.threshold');
      const activation = cfg.activation ?? (hasThreshold ? 'jumprelu' : 'relu');
      let k: number | undefined;
      if (activation === 'topk') {
        k = cfg.k ?? (file.has('k') ? file.read('k').data[0] : undefined);
        if (!k)
          throw new AtlasError('SOURCE_MALFORMED', `${cfgPath}: activation is topk but no k is given; add k: <int>`);
      }
      if (activation === 'jumprelu' && !hasThreshold)
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${path}: a JumpReLU transcoder needs tensor activation_function.threshold [${dSae}]`,
        );
      const hookName = `blocks.${layer}.${cfg.feature_input_hook}`;
      const hookNameOut = `blocks.${layer}.${cfg.feature_output_hook}`;
      const wSkip = file.has('W_skip') ? tensor('W_skip', [d, d]) : undefined;
      if (wSkip && activation === 'jumprelu')
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${path}: a JumpReLU transcoder with W_skip has no SAELens architecture (skip_transcoder is ReLU or TopK)`,
        );
      const architecture = activation === 'relu' ? 'standard' : activation;
      return {
        architecture,
        dIn: d,
        dSae,
        k,
        applyBDecToInput: false,
        wEnc,
        bEnc: tensor('b_enc', [dSae]),
        wDec: tensor('W_dec', [dSae, d]),
        bDec: tensor('b_dec', [d]),
        threshold: activation === 'jumprelu' ? tensor('activation_function.threshold', [dSae]) : undefined,
        transcoder: {
          architecture: wSkip ? 'skip_transcoder' : activation === 'jumprelu' ? 'jumprelu_transcoder' : 'transcoder',
          dOut: d,
          hookNameOut,
          wSkip,
        },
        cfg: { ...cfg, layer },
        hookName,
        modelName,
      };
    } finally {
      file.close();
    }
  });
  return { modelName, featureInputHook: cfg.feature_input_hook, featureOutputHook: cfg.feature_output_hook, layers };
}

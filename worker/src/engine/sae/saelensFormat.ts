// SAELens' on-disk format, in and out: a folder with cfg.json and sae_weights.safetensors holding W_enc
// [d_in, d_sae], W_dec [d_sae, d_in], b_enc [d_sae], b_dec [d_in] and, for JumpReLU, threshold [d_sae]. A
// transcoder (SAELens Transcoder, SkipTranscoder, JumpReLUTranscoder: sae_lens/saes/transcoder.py) reads one hook and
// writes another: W_dec [d_sae, d_out], b_dec [d_out], optional W_skip [d_out, d_in], cfg keys d_out and hook_name_out.
// cfg keys follow SAELens' flat cfg.json (sae_lens/saes/sae.py, SAEConfig.to_dict) with the v6 `metadata`
// block mirrored, so both generations of loaders find what they need. The atlas' own fields sit under `atlas`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AtlasError } from '../../errors.js';
import type { Provenance } from '../../formats/activationManifest.js';
import { SafetensorsFile, writeSafetensors } from '../../formats/safetensors.js';

export const CFG_FILE = 'cfg.json';
export const WEIGHTS_FILE = 'sae_weights.safetensors';

/** Inference-time architectures SAELens knows (BatchTopK exports as JumpReLU, ReLU+L1 as standard). */
export type SaelensArchitecture = 'standard' | 'topk' | 'jumprelu';

/** SAELens' architecture names of transcoders (the activation is TopK when cfg.json gives k, else ReLU or JumpReLU). */
export const TRANSCODER_ARCHITECTURES = ['transcoder', 'skip_transcoder', 'jumprelu_transcoder'] as const;
export type TranscoderArchitecture = (typeof TRANSCODER_ARCHITECTURES)[number];

/**
 * A transcoder's output side: it encodes activations at hook_name (no b_dec centring: SAELens'
 * Transcoder.process_sae_in skips it) and predicts those at `hookNameOut`: out = codes·W_dec + b_dec (+ x·W_skipᵀ).
 */
export interface TranscoderOutput {
  architecture: TranscoderArchitecture;
  dOut: number;
  hookNameOut: string | null;
  /** W_skip: [dOut, dIn] (skip_transcoder only). */
  wSkip?: Float32Array;
}

/** A dictionary as SAELens sees it: weights in SAELens layout, normalisation already folded in. */
export interface SaelensSae {
  /** The encoder's activation (for a transcoder too: `transcoder.architecture` says it is one). */
  architecture: SaelensArchitecture;
  dIn: number;
  dSae: number;
  k?: number;
  applyBDecToInput: boolean;
  /** W_enc: [dIn, dSae] */
  wEnc: Float32Array;
  bEnc: Float32Array;
  /** W_dec: [dSae, dIn], or [dSae, dOut] for a transcoder. */
  wDec: Float32Array;
  /** [dIn], or [dOut] for a transcoder. */
  bDec: Float32Array;
  threshold?: Float32Array;
  /** Present when the dictionary is a transcoder. */
  transcoder?: TranscoderOutput;
  /** The whole cfg.json as read or written. */
  cfg: Record<string, unknown>;
}

/** Width of a decoder row: d_in for an SAE, d_out for a transcoder. */
export function decoderWidth(sae: Pick<SaelensSae, 'dIn' | 'transcoder'>): number {
  return sae.transcoder?.dOut ?? sae.dIn;
}

/** cfg.json keys of a transcoder (SAELens TranscoderConfig.to_dict), for every writer of one. */
export function transcoderCfgKeys(t: TranscoderOutput): Record<string, unknown> {
  return {
    architecture: t.architecture,
    d_out: t.dOut,
    hook_name_out: t.hookNameOut,
    hook_layer_out: hookLayer(t.hookNameOut ?? undefined),
    hook_head_index_out: null,
    apply_b_dec_to_input: false,
  };
}

/** What the trainer hands over: SAE weights in training layout on activations scaled by `scale`. */
export interface TrainedWeights {
  architecture: SaelensArchitecture | Exclude<TranscoderArchitecture, 'jumprelu_transcoder'>;
  dIn: number;
  dSae: number;
  k?: number;
  /** wEncT: [dSae, dIn] */
  wEncT: Float32Array;
  bEnc: Float32Array;
  wDec: Float32Array;
  bDec: Float32Array;
  threshold?: Float32Array;
  /** The normalisation factor the training data was multiplied by. */
  scale: number;
  /** A transcoder's own parts (wDec is then [dSae, dOut], bDec [dOut]). */
  transcoder?: {
    dOut: number;
    /** The hook it predicts (cfg hook_name_out); the input hook is the provenance's. */
    hookOut: string | null;
    /** The target's normalisation factor. */
    targetScale: number;
    /** [dOut, dIn] */
    wSkip?: Float32Array;
  };
}

/** Weights with the normalisation folded in, in SAELens layout; dOut = dIn except for transcoders. */
export type FoldedWeights = Omit<SaelensSae, 'cfg' | 'applyBDecToInput' | 'architecture'> & {
  architecture: TrainedWeights['architecture'];
  dOut: number;
  /** W_skip: [dOut, dIn] */
  wSkip?: Float32Array;
};

/**
 * Fold the normalisation factor s into the weights so the dictionary reads raw activations: the model saw s·x,
 * so W_enc' = s·W_enc, and reconstructions come out divided by s: W_dec' = W_dec/s, b_dec' = b_dec/s. A
 * transcoder saw s·x and predicted s_out·y: W_dec and b_dec are divided by s_out, and W_skip' = W_skip·s/s_out.
 */
export function foldWeights(t: TrainedWeights): Omit<SaelensSae, 'cfg' | 'applyBDecToInput'> {
  if (t.transcoder) throw new Error('foldWeights: these are transcoder weights; fold them with foldTranscoderWeights');
  const folded = foldAny(t);
  return { ...folded, architecture: folded.architecture as SaelensArchitecture };
}

/** `foldWeights` of a transcoder: W_dec [dSae, dOut], b_dec [dOut] and W_skip [dOut, dIn] when present. */
export function foldTranscoderWeights(t: TrainedWeights): FoldedWeights {
  if (!t.transcoder) throw new Error('foldTranscoderWeights: these are SAE weights; fold them with foldWeights');
  return foldAny(t);
}

function foldAny(t: TrainedWeights): FoldedWeights {
  const { dIn, dSae, scale: s } = t;
  const sOut = t.transcoder?.targetScale ?? s;
  const wEnc = new Float32Array(dIn * dSae);
  for (let l = 0; l < dSae; l++) for (let p = 0; p < dIn; p++) wEnc[p * dSae + l] = t.wEncT[l * dIn + p] * s;
  return {
    architecture: t.architecture,
    dIn,
    dOut: t.transcoder?.dOut ?? dIn,
    dSae,
    k: t.k,
    wEnc,
    bEnc: Float32Array.from(t.bEnc),
    wDec: t.wDec.map((v) => v / sOut),
    bDec: t.bDec.map((v) => v / sOut),
    threshold: t.threshold ? Float32Array.from(t.threshold) : undefined,
    wSkip: t.transcoder?.wSkip?.map((v) => (v * s) / sOut),
  };
}

function hookLayer(hook: string | null | undefined): number {
  const m = /blocks\.(\d+)\./.exec(hook ?? '');
  return m ? Number(m[1]) : 0;
}

/** What a written folder records besides the weights. */
export interface SaelensExtra {
  provenance?: Provenance;
  datasetPath?: string;
  atlas?: Record<string, unknown>;
}

/** Write an SAE's cfg.json + sae_weights.safetensors into `dir` (which must exist; the caller renames it into place). */
export function writeSaelens(dir: string, weights: TrainedWeights, extra: SaelensExtra = {}): SaelensSae {
  if (weights.transcoder)
    throw new Error('writeSaelens: these are transcoder weights; write them with writeSaelensTranscoder');
  const { folded, cfg } = writeFolder(dir, weights, extra);
  return { ...folded, architecture: folded.architecture as SaelensArchitecture, applyBDecToInput: true, cfg };
}

/**
 * Write a transcoder in SAELens's Transcoder (or SkipTranscoder) layout into `dir`; the input hook is the
 * provenance's, the output hook `weights.transcoder.hookOut`. Returns the cfg.json written.
 */
export function writeSaelensTranscoder(
  dir: string,
  weights: TrainedWeights,
  extra: SaelensExtra = {},
): { cfg: Record<string, unknown>; folded: FoldedWeights } {
  if (!weights.transcoder)
    throw new Error('writeSaelensTranscoder: these are SAE weights; write them with writeSaelens');
  return writeFolder(dir, weights, extra);
}

function writeFolder(
  dir: string,
  weights: TrainedWeights,
  extra: SaelensExtra,
): { cfg: Record<string, unknown>; folded: FoldedWeights } {
  const folded = foldAny(weights);
  const tc = weights.transcoder;
  const p = extra.provenance;
  const provenanceKeys = {
    model_name: p?.model ?? null,
    hook_name: p?.hook ?? null,
    hook_layer: hookLayer(p?.hook),
    hook_head_index: null,
    context_size: p?.contextSize ?? null,
    prepend_bos: p?.prependBos ?? null,
    dataset_path: p?.corpus ?? extra.datasetPath ?? null,
  };
  const activation =
    folded.architecture === 'topk' || tc
      ? { activation_fn_str: 'topk', activation_fn_kwargs: { k: folded.k }, k: folded.k }
      : { activation_fn_str: 'relu', activation_fn_kwargs: {} };
  // SAELens TranscoderConfig's own keys; b_dec has the output's width, so it never touches the input.
  const transcoderKeys =
    tc &&
    transcoderCfgKeys({
      architecture: folded.architecture as TranscoderArchitecture,
      dOut: folded.dOut,
      hookNameOut: tc.hookOut,
    });
  const cfg: Record<string, unknown> = {
    architecture: folded.architecture,
    d_in: folded.dIn,
    d_sae: folded.dSae,
    ...transcoderKeys,
    dtype: 'float32',
    device: 'cpu',
    ...provenanceKeys,
    ...activation,
    apply_b_dec_to_input: !tc,
    finetuning_scaling_factor: false,
    // The factor is folded into the weights, so loaders must not rescale again.
    normalize_activations: 'none',
    dataset_trust_remote_code: false,
    sae_lens_training_version: null,
    metadata: { ...provenanceKeys, sae_lens_version: null, sae_lens_training_version: null },
    atlas: {
      normalization_scale: weights.scale,
      ...(tc && { normalization_scale_out: tc.targetScale }),
      normalization_folded: true,
      tokenizer: p?.tokenizer ?? null,
      ...extra.atlas,
    },
  };
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {
    W_enc: { data: folded.wEnc, shape: [folded.dIn, folded.dSae] },
    W_dec: { data: folded.wDec, shape: [folded.dSae, folded.dOut] },
    b_enc: { data: folded.bEnc, shape: [folded.dSae] },
    b_dec: { data: folded.bDec, shape: [folded.dOut] },
  };
  if (folded.threshold) tensors.threshold = { data: folded.threshold, shape: [folded.dSae] };
  if (folded.wSkip) tensors.W_skip = { data: folded.wSkip, shape: [folded.dOut, folded.dIn] };
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors);
  writeFileSync(join(dir, CFG_FILE), JSON.stringify(cfg, null, 2) + '\n');
  return { folded, cfg };
}

const SaelensCfg = z
  .object({
    architecture: z.string().optional(),
    d_in: z.number().int().positive(),
    d_sae: z.number().int().positive(),
    dtype: z.string().optional(),
    k: z.number().int().positive().optional(),
    activation_fn: z.string().optional(),
    activation_fn_str: z.string().optional(),
    activation_fn_kwargs: z.record(z.string(), z.unknown()).nullable().optional(),
    apply_b_dec_to_input: z.boolean().optional(),
    // Before 6.0 a boolean: true meant 'expected_average_only_in' (handle_pre_6_0_config in SAELens' loaders).
    normalize_activations: z.union([z.string(), z.boolean()]).nullable().optional(),
    finetuning_scaling_factor: z.boolean().optional(),
    d_out: z.number().int().positive().optional(),
    hook_name_out: z.string().nullable().optional(),
  })
  .passthrough();

/**
 * Map a pre-6.0 flat cfg.json onto the keys this reader uses, as SAELens' own handle_pre_6_0_config does:
 * hook_point → hook_name, hook_point_layer → hook_layer, activation_fn_str → activation_fn.
 */
export function upgradeSaelensCfg(raw: Record<string, unknown>): Record<string, unknown> {
  const renames: Record<string, string> = {
    hook_point: 'hook_name',
    hook_point_layer: 'hook_layer',
    hook_point_head_index: 'hook_head_index',
    activation_fn_str: 'activation_fn',
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const to = renames[key];
    // A v6 file we wrote carries both spellings; the new one wins.
    if (to && raw[to] !== undefined) continue;
    out[to ?? key] = value;
  }
  // The oldest runner configs give the width as a multiple of d_in.
  if (out.d_sae === undefined && typeof out.d_in === 'number' && typeof out.expansion_factor === 'number')
    out.d_sae = out.d_in * out.expansion_factor;
  if (typeof out.normalize_activations === 'boolean')
    out.normalize_activations = out.normalize_activations ? 'expected_average_only_in' : 'none';
  return out;
}

/** Hook and model names of a SAELens cfg, from the flat keys (any generation) or the v6 metadata block. */
export function saelensProvenance(cfg: Record<string, unknown>): { hookName: string | null; modelName: string | null } {
  const meta = (cfg.metadata ?? cfg.meta ?? {}) as Record<string, unknown>;
  const pick = (...values: unknown[]) => (values.find((v) => typeof v === 'string' && v !== '') as string) ?? null;
  return {
    hookName: pick(cfg.hook_name, cfg.hook_point, meta.hook_name),
    modelName: pick(cfg.model_name, meta.model_name),
  };
}

/** Throw SOURCE_NOT_FINITE naming the file, tensor and flat position of the first NaN or ±Inf. */
export function assertFinite(path: string, name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]))
      throw new AtlasError(
        'SOURCE_NOT_FINITE',
        `${path}: ${name}[${i}] is ${data[i]}; the SAE weights must be finite (the training run likely diverged)`,
      );
}

/** Read a SAELens folder (ours or one trained elsewhere, pre-6.0 flat configs included), checking every tensor's shape against cfg.json. */
export function readSaelens(dir: string): SaelensSae {
  const cfgPath = join(dir, CFG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: cannot read (${(err as Error).message}); a SAELens folder holds cfg.json and ${WEIGHTS_FILE}`,
      { cause: err },
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new AtlasError('SOURCE_MALFORMED', `${cfgPath}: expected a JSON object with SAELens cfg keys d_in, d_sae`);
  const parsed = SaelensCfg.safeParse(upgradeSaelensCfg(raw as Record<string, unknown>));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: ${i.path.join('.')}: ${i.message}; expected SAELens cfg keys d_in, d_sae, architecture`,
    );
  }
  const cfg = parsed.data;
  const kwK = cfg.activation_fn_kwargs?.k;
  const k = cfg.k ?? (typeof kwK === 'number' ? kwK : undefined);
  let architecture: SaelensArchitecture;
  const transcoderArchitecture = TRANSCODER_ARCHITECTURES.find((t) => t === cfg.architecture);
  // A transcoder's activation: JumpReLU by name, TopK when k (or activation_fn topk) is given, else ReLU.
  const a = transcoderArchitecture
    ? transcoderArchitecture === 'jumprelu_transcoder'
      ? 'jumprelu'
      : k !== undefined || cfg.activation_fn === 'topk'
        ? 'topk'
        : 'standard'
    : (cfg.architecture ?? 'standard');
  if (a === 'topk' || (a === 'standard' && cfg.activation_fn === 'topk')) architecture = 'topk';
  else if (a === 'jumprelu' || a === 'standard') architecture = a;
  else
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: architecture '${a}' is not supported (expected standard, topk, jumprelu, ${TRANSCODER_ARCHITECTURES.join(', ')})`,
    );
  if (architecture === 'standard' && cfg.activation_fn !== undefined && cfg.activation_fn !== 'relu')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: activation function '${cfg.activation_fn}' is not supported (expected relu or topk)`,
    );
  if (architecture === 'topk' && !k)
    throw new AtlasError('SOURCE_MALFORMED', `${cfgPath}: a topk SAE needs k (cfg key k or activation_fn_kwargs.k)`);
  if (cfg.normalize_activations && cfg.normalize_activations !== 'none')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: normalize_activations is '${cfg.normalize_activations}' but no scaling factor is stored; fold it into the weights (SAELens fold_activation_norm_scaling_factor) and save again`,
    );
  if (transcoderArchitecture && cfg.d_out === undefined)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: a ${transcoderArchitecture} needs d_out (the width of its output hook, hook_name_out); add it to cfg.json`,
    );
  const weightsPath = join(dir, WEIGHTS_FILE);
  const file = new SafetensorsFile(weightsPath);
  try {
    const { d_in: dIn, d_sae: dSae } = cfg;
    // The width decoder rows and b_dec have: d_out for a transcoder.
    const dOut = transcoderArchitecture ? cfg.d_out! : dIn;
    const tensor = checkedTensorReader(
      file,
      weightsPath,
      `cfg.json (d_in=${dIn}, d_sae=${dSae}${transcoderArchitecture ? `, d_out=${dOut}` : ''})`,
    );
    const wDec = tensor('W_dec', [dSae, dOut]);
    // Pre-6.0 SAEs fine-tuned with a per-latent scaling_factor multiply feature activations by it before
    // decoding (SAELens apply_finetuning_scaling_factor); folding it into the decoder rows leaves codes unchanged.
    if (file.has('scaling_factor')) {
      const s = tensor('scaling_factor', [dSae]);
      for (let l = 0; l < dSae; l++) if (s[l] !== 1) for (let p = 0; p < dOut; p++) wDec[l * dOut + p] *= s[l];
    }
    let transcoder: TranscoderOutput | undefined;
    if (transcoderArchitecture) {
      const hasSkip = file.has('W_skip');
      if (hasSkip !== (transcoderArchitecture === 'skip_transcoder'))
        throw new AtlasError(
          'SOURCE_MALFORMED',
          hasSkip
            ? `${weightsPath}: holds W_skip but cfg.json's architecture is ${transcoderArchitecture}; set it to skip_transcoder`
            : `${weightsPath}: a skip_transcoder needs tensor W_skip [${dOut}, ${dIn}]; add it or set the architecture to transcoder`,
        );
      transcoder = {
        architecture: transcoderArchitecture,
        dOut,
        hookNameOut: cfg.hook_name_out || null,
        wSkip: hasSkip ? tensor('W_skip', [dOut, dIn]) : undefined,
      };
    }
    return {
      architecture,
      dIn,
      dSae,
      k,
      // SAELens' Transcoder never subtracts b_dec (it lives on the output side).
      applyBDecToInput: transcoder ? false : (cfg.apply_b_dec_to_input ?? true),
      wEnc: tensor('W_enc', [dIn, dSae]),
      wDec,
      bEnc: tensor('b_enc', [dSae]),
      bDec: tensor('b_dec', [dOut]),
      threshold: architecture === 'jumprelu' ? tensor('threshold', [dSae]) : undefined,
      transcoder,
      cfg: raw as Record<string, unknown>,
    };
  } finally {
    file.close();
  }
}

/** SAELens' encode for raw activations x [n, dIn] → dense feature activations [n, dSae]. */
export function encodeSaelens(sae: SaelensSae, x: Float32Array, n: number): Float32Array {
  const { dIn, dSae } = sae;
  const out = new Float32Array(n * dSae);
  const xi = new Float32Array(dIn);
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < dIn; p++) xi[p] = x[t * dIn + p] - (sae.applyBDecToInput ? sae.bDec[p] : 0);
    const row = out.subarray(t * dSae, (t + 1) * dSae);
    row.set(sae.bEnc);
    for (let p = 0; p < dIn; p++) {
      const v = xi[p];
      const w = p * dSae;
      for (let l = 0; l < dSae; l++) row[l] += v * sae.wEnc[w + l];
    }
    if (sae.architecture === 'topk') {
      // SAELens TopK: top-k of the pre-activations, then ReLU.
      const order = [...row.keys()].sort((a, b) => row[b] - row[a] || a - b);
      const keep = new Set(order.slice(0, sae.k));
      for (let l = 0; l < dSae; l++) row[l] = keep.has(l) ? Math.max(0, row[l]) : 0;
    } else if (sae.architecture === 'jumprelu') {
      for (let l = 0; l < dSae; l++) row[l] = row[l] > sae.threshold![l] ? Math.max(0, row[l]) : 0;
    } else {
      for (let l = 0; l < dSae; l++) row[l] = Math.max(0, row[l]);
    }
  }
  return out;
}

/**
 * Decode dense activations f [n, dSae] → reconstructions [n, dIn] (a transcoder's predictions [n, dOut]; a skip
 * transcoder also needs its input x [n, dIn] for the x·W_skipᵀ term).
 */
export function decodeSaelens(sae: SaelensSae, f: Float32Array, n: number, x?: Float32Array): Float32Array {
  const { dSae } = sae;
  const dOut = decoderWidth(sae);
  const out = new Float32Array(n * dOut);
  for (let t = 0; t < n; t++) {
    out.set(sae.bDec, t * dOut);
    for (let l = 0; l < dSae; l++) {
      const v = f[t * dSae + l];
      if (v !== 0) for (let p = 0; p < dOut; p++) out[t * dOut + p] += v * sae.wDec[l * dOut + p];
    }
  }
  addTranscoderSkip(sae, x, n, out);
  return out;
}

/** out [n, dOut] += x [n, dIn]·W_skipᵀ for a skip transcoder (nothing otherwise); x is required then. */
export function addTranscoderSkip(sae: SaelensSae, x: Float32Array | undefined, n: number, out: Float32Array): void {
  const wSkip = sae.transcoder?.wSkip;
  if (!wSkip) return;
  if (!x) throw new Error('a skip transcoder decodes from its input too: pass the input activations');
  const { dIn } = sae;
  const dOut = decoderWidth(sae);
  for (let t = 0; t < n; t++)
    for (let o = 0; o < dOut; o++) {
      let acc = 0;
      for (let p = 0; p < dIn; p++) acc += x[t * dIn + p] * wSkip[o * dIn + p];
      out[t * dOut + o] += acc;
    }
}

/**
 * A reader of a weights file's tensors that checks presence, shape (against what `expectedBy` implies) and
 * finiteness, with messages naming the file and tensor.
 */
export function checkedTensorReader(
  file: SafetensorsFile,
  weightsPath: string,
  expectedBy: string,
): (name: string, shape: number[]) => Float32Array {
  return (name, shape) => {
    const info = file.tensors.get(name);
    if (!info) throw new AtlasError('SOURCE_MALFORMED', `${weightsPath}: missing tensor ${name} [${shape.join(', ')}]`);
    if (info.shape.join(',') !== shape.join(','))
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${weightsPath}: ${name} is [${info.shape.join(', ')}] but ${expectedBy} needs [${shape.join(', ')}]`,
      );
    const data = file.read(name).data;
    assertFinite(weightsPath, name, data);
    return data;
  };
}

// The local replacement model of a GPT-2 on one prompt, in Float64 on the host: each MLP's output is replaced by its
// transcoder's output plus an error vector (true MLP output minus transcoder output), so the output is exactly the
// model's. With attention patterns and LayerNorm denominators frozen at this prompt's values, everything from the
// sources (feature activations, error vectors, token embeddings) to the logits and to every feature's pre-activation
// is linear plus bias terms; attribution.ts differentiates that map, `replacementForward` evaluates it.
import { AtlasError } from '../errors.js';
import type { Gpt2Config } from '../transformer/config.js';
import { gpt2Model, type LoadedModel } from '../transformer/modelFolder.js';
import type { TranscoderSet } from './attributionGraph.js';

/** One block's weights in Float64, laid out as the Hugging Face tensors (Conv1D weights are [in, out]). */
export interface HostBlock {
  ln1G: Float64Array;
  ln1B: Float64Array;
  /** [d, 3d]: q | k | v. */
  attnW: Float64Array;
  attnB: Float64Array;
  /** [d, d] */
  projW: Float64Array;
  projB: Float64Array;
  ln2G: Float64Array;
  ln2B: Float64Array;
  /** [d, dMlp] */
  fcW: Float64Array;
  fcB: Float64Array;
  /** [dMlp, d] */
  outW: Float64Array;
  outB: Float64Array;
}

/** A GPT-2's weights in Float64 on the host. */
export interface HostModel {
  config: Gpt2Config;
  /** [vocab, d] */
  wte: Float64Array;
  /** [nPositions, d] */
  wpe: Float64Array;
  blocks: HostBlock[];
  lnFG: Float64Array;
  lnFB: Float64Array;
  /** [vocab, d]: lm_head, or wte when tied. */
  unembed: Float64Array;
}

/** One layer's transcoder in Float64 (shapes as TranscoderWeights; `wSkipT` is W_skip transposed, [dIn, dOut]). */
export interface HostTranscoder {
  dSae: number;
  k: number;
  /** [dSae, d] */
  wEncT: Float64Array;
  bEnc: Float64Array;
  /** [dSae, d] */
  wDec: Float64Array;
  bDec: Float64Array;
  /** [d, d] = W_skipᵀ: out += x · W_skipᵀ, i.e. out[j] = Σ_i x[i] wSkipT[i·d + j]. */
  wSkipT?: Float64Array;
}

/** Active transcoder features of one layer, ordered by position then feature index. */
export interface LayerFeatures {
  positions: Int32Array;
  indices: Int32Array;
  activations: Float64Array;
  /** positionStart[q] .. positionStart[q + 1]: the features active at position q (length n + 1). */
  positionStart: Int32Array;
}

/** What the replacement model records on a prompt: the sources and the frozen quantities. */
export interface ReplacementRun {
  tokens: number[];
  /** [n, d]: wte[token] + wpe[position], the embedding sources. */
  embeddings: Float64Array;
  /** Per layer: active features. */
  features: LayerFeatures[];
  /** Per layer [n, d]: true MLP output minus transcoder output. */
  errors: Float64Array[];
  /** Per layer [n]: 1/σ of LN1 and LN2 at each position (frozen denominators). */
  ln1Inv: Float64Array[];
  ln2Inv: Float64Array[];
  /** [n]: 1/σ of ln_f. */
  lnFInv: Float64Array;
  /** Per layer [nHead, n, n]: attention patterns (row t: weights over positions s <= t). */
  patterns: Float64Array[];
  /** [n, d]: ln_f output; logits at position t are unembed · final[t]. */
  final: Float64Array;
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** Read a loaded model's TF.js tensors once into Float64 host arrays. */
export function hostModel(model: Pick<LoadedModel, 'name' | 'config' | 'params'>): HostModel {
  const gpt2 = gpt2Model(model, 'attribution graphs (the replacement model)');
  const p = gpt2.params;
  const read = (t: { dataSync(): ArrayLike<number> }) => f64(t.dataSync());
  const wte = p.wteHost ? f64(p.wteHost) : read(p.wte);
  return {
    config: gpt2.config,
    wte,
    wpe: read(p.wpe),
    blocks: p.blocks.map((b) => ({
      ln1G: read(b.ln1G),
      ln1B: read(b.ln1B),
      attnW: read(b.attnW),
      attnB: read(b.attnB),
      projW: read(b.projW),
      projB: read(b.projB),
      ln2G: read(b.ln2G),
      ln2B: read(b.ln2B),
      fcW: read(b.fcW),
      fcB: read(b.fcB),
      outW: read(b.outW),
      outB: read(b.outB),
    })),
    lnFG: read(p.lnFG),
    lnFB: read(p.lnFB),
    unembed: p.lmHead ? read(p.lmHead) : wte,
  };
}

/** Check a transcoder set against a model and convert it to Float64; the error names the field and the fix. */
export function hostTranscoders(set: TranscoderSet, config: Gpt2Config): HostTranscoder[] {
  const d = config.dModel;
  if (set.layers.length !== config.nLayer)
    throw new AtlasError(
      'SOURCE_SHAPE_MISMATCH',
      `transcoders for ${set.modelId}: ${set.layers.length} layer(s) but the model has ${config.nLayer}; an attribution graph needs one transcoder per layer`,
    );
  return set.layers.map((t, l) => {
    const where = `transcoders for ${set.modelId}, layer ${l}`;
    if (t.layer !== l)
      throw new AtlasError('SOURCE_MALFORMED', `${where}: layer is ${t.layer}; list the transcoders in layer order`);
    if (t.dIn !== d || t.dOut !== d)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${where}: dIn ${t.dIn}, dOut ${t.dOut} but the model's d_model is ${d}; the transcoder belongs to another model`,
      );
    if (!Number.isInteger(t.k) || t.k < 1 || t.k > t.dSae)
      throw new AtlasError('SOURCE_MALFORMED', `${where}: k ${t.k} is not an integer in 1..dSae (${t.dSae})`);
    const expect = (name: string, a: ArrayLike<number> | undefined, n: number) => {
      if (a && a.length !== n)
        throw new AtlasError('SOURCE_SHAPE_MISMATCH', `${where}: ${name} has ${a.length} values, expected ${n}`);
    };
    expect('wEncT', t.wEncT, t.dSae * d);
    expect('bEnc', t.bEnc, t.dSae);
    expect('wDec', t.wDec, t.dSae * d);
    expect('bDec', t.bDec, d);
    expect('wSkip', t.wSkip, d * d);
    let wSkipT: Float64Array | undefined;
    if (t.wSkip) {
      wSkipT = new Float64Array(d * d);
      for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) wSkipT[i * d + j] = t.wSkip[j * d + i];
    }
    return {
      dSae: t.dSae,
      k: t.k,
      wEncT: f64(t.wEncT),
      bEnc: f64(t.bEnc),
      wDec: f64(t.wDec),
      bDec: f64(t.bDec),
      wSkipT,
    };
  });
}

/** out[r, j] = b[j] + Σ_i x[r, i] w[i, j] for x [rows, nIn], w [nIn, nOut] (a Conv1D). */
function conv1d(x: Float64Array, rows: number, nIn: number, w: Float64Array, b: Float64Array | null, nOut: number) {
  const out = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    const o = r * nOut;
    if (b) out.set(b, o);
    for (let i = 0; i < nIn; i++) {
      const xi = x[r * nIn + i];
      if (xi === 0) continue;
      const wi = i * nOut;
      for (let j = 0; j < nOut; j++) out[o + j] += xi * w[wi + j];
    }
  }
  return out;
}

/** 1/sqrt(var + eps) of each row of x [rows, d] (biased variance, as torch.nn.LayerNorm). */
function layerNormInv(x: Float64Array, rows: number, d: number, eps: number): Float64Array {
  const inv = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < d; i++) m += x[r * d + i];
    m /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i] - m) ** 2;
    inv[r] = 1 / Math.sqrt(v / d + eps);
  }
  return inv;
}

/** LayerNorm with given denominators: γ ⊙ (x − mean(x)) · inv + β per row. */
function layerNormWith(x: Float64Array, rows: number, d: number, inv: Float64Array, g: Float64Array, b: Float64Array) {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < d; i++) m += x[r * d + i];
    m /= d;
    for (let i = 0; i < d; i++) out[r * d + i] = g[i] * (x[r * d + i] - m) * inv[r] + b[i];
  }
  return out;
}

/** Causal softmax attention patterns [nHead, n, n] from qkv [n, 3d]. */
function attentionPatterns(qkv: Float64Array, n: number, nHead: number, dHead: number): Float64Array {
  const d = nHead * dHead;
  const a = new Float64Array(nHead * n * n);
  const scale = 1 / Math.sqrt(dHead);
  for (let h = 0; h < nHead; h++)
    for (let t = 0; t < n; t++) {
      const row = (h * n + t) * n;
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let i = 0; i < dHead; i++) dot += qkv[t * 3 * d + h * dHead + i] * qkv[s * 3 * d + d + h * dHead + i];
        a[row + s] = dot * scale;
        if (a[row + s] > max) max = a[row + s];
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) sum += a[row + s] = Math.exp(a[row + s] - max);
      for (let s = 0; s <= t; s++) a[row + s] /= sum;
    }
  return a;
}

/** z [n, d]: per head, Σ_s pattern[t, s] · v[s] with v the third block of qkv [n, 3d]. */
function mixValues(patterns: Float64Array, qkv: Float64Array, n: number, nHead: number, dHead: number) {
  const d = nHead * dHead;
  const z = new Float64Array(n * d);
  for (let h = 0; h < nHead; h++)
    for (let t = 0; t < n; t++)
      for (let s = 0; s <= t; s++) {
        const w = patterns[(h * n + t) * n + s];
        for (let i = 0; i < dHead; i++) z[t * d + h * dHead + i] += w * qkv[s * 3 * d + 2 * d + h * dHead + i];
      }
  return z;
}

// Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7); only for models with exact GELU, whose MLP error terms absorb it.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

function mlpActivation(config: Gpt2Config, x: number): number {
  if (config.activation === 'relu') return x > 0 ? x : 0;
  if (config.activation === 'gelu') return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** Transcoder pre-activations [n, dSae] of inputs x [n, d]: x · W_enc + b_enc. */
function encode(tc: HostTranscoder, x: Float64Array, n: number, d: number): Float64Array {
  const hidden = new Float64Array(n * tc.dSae);
  for (let t = 0; t < n; t++)
    for (let f = 0; f < tc.dSae; f++) {
      let s = tc.bEnc[f];
      const w = f * d;
      for (let i = 0; i < d; i++) s += x[t * d + i] * tc.wEncT[w + i];
      hidden[t * tc.dSae + f] = s;
    }
  return hidden;
}

/** TopK then ReLU per position: the active (nonzero) features, ordered by position then index. */
function activeFeatures(hidden: Float64Array, n: number, tc: HostTranscoder): LayerFeatures {
  const positions: number[] = [];
  const indices: number[] = [];
  const acts: number[] = [];
  const positionStart = new Int32Array(n + 1);
  for (let t = 0; t < n; t++) {
    positionStart[t] = positions.length;
    const row = hidden.subarray(t * tc.dSae, (t + 1) * tc.dSae);
    // The k largest by value (ties by lower index), then ReLU drops the non-positive ones.
    const top: number[] = [];
    for (let f = 0; f < tc.dSae; f++) {
      const v = row[f];
      if (top.length === tc.k && v <= row[top[top.length - 1]]) continue;
      let at = top.length;
      while (at > 0 && row[top[at - 1]] < v) at--;
      top.splice(at, 0, f);
      if (top.length > tc.k) top.pop();
    }
    for (const f of top.filter((f) => row[f] > 0).sort((a, b) => a - b)) {
      positions.push(t);
      indices.push(f);
      acts.push(row[f]);
    }
  }
  positionStart[n] = positions.length;
  return {
    positions: Int32Array.from(positions),
    indices: Int32Array.from(indices),
    activations: Float64Array.from(acts),
    positionStart,
  };
}

/** The transcoder's output [n, d]: Σ act · W_dec + b_dec (+ x · W_skipᵀ), from given activations. */
function transcoderOutput(
  tc: HostTranscoder,
  features: LayerFeatures,
  activations: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
): Float64Array {
  const out = tc.wSkipT ? conv1d(x, n, d, tc.wSkipT, tc.bDec, d) : new Float64Array(n * d);
  if (!tc.wSkipT) for (let t = 0; t < n; t++) out.set(tc.bDec, t * d);
  for (let j = 0; j < features.indices.length; j++) {
    const a = activations[j];
    const o = features.positions[j] * d;
    const w = features.indices[j] * d;
    for (let i = 0; i < d; i++) out[o + i] += a * tc.wDec[w + i];
  }
  return out;
}

/** The embedding sources [n, d] of a prompt: wte[token] + wpe[position]; bad ids and lengths name the fix. */
function promptEmbeddings(model: HostModel, tokens: readonly number[]): Float64Array {
  const { dModel: d, nPositions, vocabSize } = model.config;
  if (tokens.length === 0 || tokens.length > nPositions)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `prompt: ${tokens.length} tokens; an attribution graph needs 1 to n_positions (${nPositions}) tokens, so shorten the prompt`,
    );
  const e = new Float64Array(tokens.length * d);
  tokens.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `prompt: token id ${id} at position ${t} is outside the vocabulary of ${vocabSize}`,
      );
    for (let i = 0; i < d; i++) e[t * d + i] = model.wte[id * d + i] + model.wpe[t * d + i];
  });
  return e;
}

/**
 * Run the model on `tokens` with every MLP replaced by its transcoder plus an error term, recording the sources
 * (embeddings, active features, errors) and the quantities attribution freezes (patterns, LayerNorm denominators).
 */
export function runReplacementModel(
  model: HostModel,
  transcoders: HostTranscoder[],
  tokens: readonly number[],
): ReplacementRun {
  const c = model.config;
  const d = c.dModel;
  const n = tokens.length;
  const dHead = d / c.nHead;
  const embeddings = promptEmbeddings(model, tokens);
  const x = Float64Array.from(embeddings);
  const run: ReplacementRun = {
    tokens: [...tokens],
    embeddings,
    features: [],
    errors: [],
    ln1Inv: [],
    ln2Inv: [],
    lnFInv: new Float64Array(0),
    patterns: [],
    final: new Float64Array(0),
  };
  for (let l = 0; l < c.nLayer; l++) {
    const b = model.blocks[l];
    const inv1 = layerNormInv(x, n, d, c.layerNormEpsilon);
    const qkv = conv1d(layerNormWith(x, n, d, inv1, b.ln1G, b.ln1B), n, d, b.attnW, b.attnB, 3 * d);
    const patterns = attentionPatterns(qkv, n, c.nHead, dHead);
    const attnOut = conv1d(mixValues(patterns, qkv, n, c.nHead, dHead), n, d, b.projW, b.projB, d);
    for (let i = 0; i < n * d; i++) x[i] += attnOut[i];
    const inv2 = layerNormInv(x, n, d, c.layerNormEpsilon);
    const h2 = layerNormWith(x, n, d, inv2, b.ln2G, b.ln2B);
    const pre = conv1d(h2, n, d, b.fcW, b.fcB, c.dMlp);
    for (let i = 0; i < pre.length; i++) pre[i] = mlpActivation(c, pre[i]);
    const mlpOut = conv1d(pre, n, c.dMlp, b.outW, b.outB, d);
    const tc = transcoders[l];
    const features = activeFeatures(encode(tc, h2, n, d), n, tc);
    const error = transcoderOutput(tc, features, features.activations, h2, n, d);
    for (let i = 0; i < n * d; i++) {
      error[i] = mlpOut[i] - error[i];
      x[i] += mlpOut[i];
    }
    run.features.push(features);
    run.errors.push(error);
    run.ln1Inv.push(inv1);
    run.ln2Inv.push(inv2);
    run.patterns.push(patterns);
  }
  run.lnFInv = layerNormInv(x, n, d, c.layerNormEpsilon);
  run.final = layerNormWith(x, n, d, run.lnFInv, model.lnFG, model.lnFB);
  return run;
}

/** Logits [vocab] of one ln_f output row. */
export function unembedRow(model: HostModel, finalRow: Float64Array): Float64Array {
  const { vocabSize: v, dModel: d } = model.config;
  const logits = new Float64Array(v);
  for (let t = 0; t < v; t++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += model.unembed[t * d + i] * finalRow[i];
    logits[t] = s;
  }
  return logits;
}

/** The sources a forward pass of the replacement model reads; shapes as in ReplacementRun. */
export interface ReplacementSources {
  embeddings: Float64Array;
  /** Per layer, the activations of run.features[l]'s features (same order). */
  featureActivations: Float64Array[];
  errors: Float64Array[];
}

/** The sources of a run, copied (so a caller may edit them). */
export function runSources(run: ReplacementRun): ReplacementSources {
  return {
    embeddings: Float64Array.from(run.embeddings),
    featureActivations: run.features.map((f) => Float64Array.from(f.activations)),
    errors: run.errors.map((e) => Float64Array.from(e)),
  };
}

/** What `replacementForward` returns: the targets' values. */
export interface ReplacementOutputs {
  /** Per layer, the pre-activations of run.features[l]'s features at this pass's residual stream. */
  preActivations: Float64Array[];
  /** [n, d]: ln_f output. */
  final: Float64Array;
}

/**
 * The replacement model run forward from given sources, with `frozen` (default) the attention patterns and
 * LayerNorm denominators of `run`, else recomputed (the unfrozen model; feature activations stay the given ones
 * unless `recomputeFeatures`, which re-encodes each layer's transcoder input). With frozen quantities this is the
 * affine map attribution differentiates; with every source zero it gives the bias terms.
 */
export function replacementForward(
  model: HostModel,
  transcoders: HostTranscoder[],
  run: ReplacementRun,
  sources: ReplacementSources,
  o: { frozen?: boolean; recomputeFeatures?: boolean } = {},
): ReplacementOutputs {
  const frozen = o.frozen ?? true;
  const c = model.config;
  const d = c.dModel;
  const n = run.tokens.length;
  const dHead = d / c.nHead;
  const eps = c.layerNormEpsilon;
  const x = Float64Array.from(sources.embeddings);
  const preActivations: Float64Array[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const b = model.blocks[l];
    const inv1 = frozen ? run.ln1Inv[l] : layerNormInv(x, n, d, eps);
    const qkv = conv1d(layerNormWith(x, n, d, inv1, b.ln1G, b.ln1B), n, d, b.attnW, b.attnB, 3 * d);
    const patterns = frozen ? run.patterns[l] : attentionPatterns(qkv, n, c.nHead, dHead);
    const attnOut = conv1d(mixValues(patterns, qkv, n, c.nHead, dHead), n, d, b.projW, b.projB, d);
    for (let i = 0; i < n * d; i++) x[i] += attnOut[i];
    const inv2 = frozen ? run.ln2Inv[l] : layerNormInv(x, n, d, eps);
    const h2 = layerNormWith(x, n, d, inv2, b.ln2G, b.ln2B);
    const tc = transcoders[l];
    const feats = run.features[l];
    const pre = new Float64Array(feats.indices.length);
    for (let j = 0; j < pre.length; j++) {
      let s = tc.bEnc[feats.indices[j]];
      const w = feats.indices[j] * d;
      const xo = feats.positions[j] * d;
      for (let i = 0; i < d; i++) s += h2[xo + i] * tc.wEncT[w + i];
      pre[j] = s;
    }
    preActivations.push(pre);
    let out: Float64Array;
    if (o.recomputeFeatures) {
      const active = activeFeatures(encode(tc, h2, n, d), n, tc);
      out = transcoderOutput(tc, active, active.activations, h2, n, d);
    } else out = transcoderOutput(tc, feats, sources.featureActivations[l], h2, n, d);
    const err = sources.errors[l];
    for (let i = 0; i < n * d; i++) x[i] += out[i] + err[i];
  }
  const invF = frozen ? run.lnFInv : layerNormInv(x, n, d, eps);
  return { preActivations, final: layerNormWith(x, n, d, invF, model.lnFG, model.lnFB) };
}

// Direct effects in the frozen replacement model (replacementModel.ts). For a batch of targets (a feature's
// pre-activation, read through its encoder row at its layer's LN2 input, or a demeaned logit read through ln_f at
// the last position), one backward pass through the frozen linear model gives each target's gradient with respect
// to the residual stream at every (layer, position); the edge from a source is the source's vector (activation ×
// decoder row, error vector or embedding) · that gradient where the source writes. MLPs are replaced by nodes, so
// only the residual, frozen attention and the transcoders' skip terms carry effects backward: edges are direct.
import type { HostModel, HostTranscoder, ReplacementRun } from './replacementModel.js';
import type { EdgeRows } from './edgeRows.js';
import { backwardKernels, type BackwardKernels } from './backwardKernels.js';

/**
 * Node indices of a run, before feature selection: every active feature (layer, then position, then index), then
 * errors (layer · n + position), embeddings (position) and logits.
 */
export interface SourceLayout {
  nFeatures: number;
  /** featureStart[l]: index of layer l's first feature (length nLayer + 1). */
  featureStart: Int32Array;
  errorStart: number;
  embeddingStart: number;
  /** Number of source nodes (features, errors, embeddings); logits follow. */
  nSources: number;
}

export function sourceLayout(run: ReplacementRun): SourceLayout {
  const featureStart = new Int32Array(run.features.length + 1);
  run.features.forEach((f, l) => (featureStart[l + 1] = featureStart[l] + f.indices.length));
  const nFeatures = featureStart[run.features.length];
  const n = run.tokens.length;
  const errorStart = nFeatures;
  const embeddingStart = errorStart + run.features.length * n;
  return { nFeatures, featureStart, errorStart, embeddingStart, nSources: embeddingStart + n };
}

/** A target node: `read` · (LayerNorm output) is its value, up to bias terms. */
export interface AttributionTarget {
  /** Node index the row is stored under. */
  node: number;
  /** A feature's layer (read at that layer's LN2), or nLayer for a logit (read at ln_f). */
  layer: number;
  position: number;
  /** [d]: the encoder row, or the demeaned unembedding row. */
  read: Float64Array;
}

/** What the backward passes share: the model, the run, the sources' vectors and the backward's matrices. */
export interface AttributionContext {
  model: HostModel;
  transcoders: HostTranscoder[];
  run: ReplacementRun;
  layout: SourceLayout;
  /** [nFeatures, d]: activation × decoder row of every active feature, in node order. */
  scaledDecoders: Float64Array;
  kernels: BackwardKernels;
  /** Per layer: W_Oᵀ, W_Vᵀ (each [d, d]), patterns transposed [nHead, n, n], W_skip [d, d] when present. */
  outT: Float64Array[];
  valueT: Float64Array[];
  patternsT: Float64Array[];
  skip: (Float64Array | undefined)[];
}

export async function attributionContext(
  model: HostModel,
  transcoders: HostTranscoder[],
  run: ReplacementRun,
): Promise<AttributionContext> {
  const layout = sourceLayout(run);
  const d = model.config.dModel;
  const nHead = model.config.nHead;
  const n = run.tokens.length;
  const scaledDecoders = new Float64Array(layout.nFeatures * d);
  run.features.forEach((f, l) => {
    const dec = transcoders[l].wDec;
    for (let j = 0; j < f.indices.length; j++) {
      const o = (layout.featureStart[l] + j) * d;
      const w = f.indices[j] * d;
      for (let i = 0; i < d; i++) scaledDecoders[o + i] = f.activations[j] * dec[w + i];
    }
  });
  // [d, d] slices of row-major matrices, transposed: t[j][i] = m[off + i · stride + j].
  const transpose = (m: Float64Array, off: number, stride: number) => {
    const t = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = m[off + i * stride + j];
    return t;
  };
  return {
    model,
    transcoders,
    run,
    layout,
    scaledDecoders,
    kernels: await backwardKernels(d, nHead),
    outT: model.blocks.map((b) => transpose(b.projW, 0, d)),
    valueT: model.blocks.map((b) => transpose(b.attnW, 2 * d, 3 * d)),
    patternsT: run.patterns.map((a) => {
      const t = new Float64Array(a.length);
      for (let h = 0; h < nHead; h++)
        for (let q = 0; q < n; q++) for (let s = 0; s <= q; s++) t[(h * n + s) * n + q] = a[(h * n + q) * n + s];
      return t;
    }),
    skip: transcoders.map((t) => t.wSkipT && transpose(t.wSkipT, 0, d)),
  };
}

/** g[o..o+d) += inv · (γ ⊙ u − mean(γ ⊙ u)): the gradient through a LayerNorm with a frozen denominator. */
function layerNormBackInto(
  g: Float64Array,
  o: number,
  u: Float64Array,
  uo: number,
  gain: Float64Array,
  inv: number,
  d: number,
) {
  let mean = 0;
  for (let i = 0; i < d; i++) mean += gain[i] * u[uo + i];
  mean /= d;
  for (let i = 0; i < d; i++) g[o + i] += inv * (gain[i] * u[uo + i] - mean);
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < d; i += 2) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
  }
  if (i < d) s0 += a[ao + i] * b[bo + i];
  return s0 + s1;
}

/** patternsT's first p positions: [nHead, p, p] (exact for targets at positions < p: attention is causal). */
function leadingPatterns(patternsT: Float64Array, nHead: number, n: number, p: number): Float64Array {
  if (p === n) return patternsT;
  const out = new Float64Array(nHead * p * p);
  for (let h = 0; h < nHead; h++)
    for (let s = 0; s < p; s++) out.set(patternsT.subarray((h * n + s) * n, (h * n + s) * n + p), (h * p + s) * p);
  return out;
}

/**
 * The incoming edges of a batch of targets, appended to `rows` in batch order (one row per target, over source
 * nodes as in SourceLayout). The gradients are dense [batch, positions, d]: rows past a target's position and
 * above its layer stay exactly zero, so batches whose targets share a layer and nearby positions waste the least.
 */
export async function attributeBatch(
  ctx: AttributionContext,
  targets: readonly AttributionTarget[],
  rows: EdgeRows,
): Promise<void> {
  const { model, run, layout, scaledDecoders, kernels } = ctx;
  const c = model.config;
  const d = c.dModel;
  const n = run.tokens.length;
  const nLayer = c.nLayer;
  const B = targets.length;
  if (B === 0) return;
  let P = 0;
  let top = 0;
  for (const t of targets) {
    P = Math.max(P, t.position + 1);
    top = Math.max(top, Math.min(t.layer, nLayer - 1));
  }
  const g = new Float64Array(B * P * d);
  const dense = new Float64Array(B * layout.nSources);
  const addLayerNormBack = (u: Float64Array, gain: Float64Array, inv: Float64Array) => {
    for (let r = 0; r < B * P; r++) layerNormBackInto(g, r * d, u, r * d, gain, inv[r % P], d);
  };

  for (let b = 0; b < B; b++) {
    const t = targets[b];
    if (t.layer === nLayer)
      layerNormBackInto(g, (b * P + t.position) * d, t.read, 0, model.lnFG, run.lnFInv[t.position], d);
  }
  for (let l = top; l >= 0; l--) {
    // g: the gradient at resid_post of layer l. Sources writing there: layer l's features and errors.
    const feats = run.features[l];
    const fStart = layout.featureStart[l];
    const err = run.errors[l];
    for (let b = 0; b < B; b++) {
      const t = targets[b];
      if (t.layer <= l) continue;
      const out = b * layout.nSources;
      for (let q = 0; q <= t.position; q++) {
        const go = (b * P + q) * d;
        for (let j = feats.positionStart[q]; j < feats.positionStart[q + 1]; j++)
          dense[out + fStart + j] = dot(scaledDecoders, (fStart + j) * d, g, go, d);
        dense[out + layout.errorStart + l * n + q] = dot(err, q * d, g, go, d);
      }
    }
    const block = model.blocks[l];
    const skip = ctx.skip[l];
    // The skip term reads LN2's output: g_mid = g_post + LN2ᵀ (g_post · W_skip). Zero below every target's layer.
    if (skip && targets.some((t) => t.layer > l))
      addLayerNormBack(await kernels.matmul(g, B, P, skip), block.ln2G, run.ln2Inv[l]);
    for (let b = 0; b < B; b++) {
      const t = targets[b];
      if (t.layer === l)
        layerNormBackInto(g, (b * P + t.position) * d, t.read, 0, block.ln2G, run.ln2Inv[l][t.position], d);
    }
    // Frozen attention: out[t] = Σ_h Σ_s A_h[t, s] v_h[s] W_O + b, v = LN1(x) W_V + b_V.
    const patterns = leadingPatterns(ctx.patternsT[l], c.nHead, n, P);
    addLayerNormBack(
      await kernels.attentionBack(g, B, P, ctx.outT[l], patterns, ctx.valueT[l]),
      block.ln1G,
      run.ln1Inv[l],
    );
  }
  // g: the gradient at the embeddings.
  for (let b = 0; b < B; b++) {
    const out = b * layout.nSources;
    for (let q = 0; q <= targets[b].position; q++)
      dense[out + layout.embeddingStart + q] = dot(run.embeddings, q * d, g, (b * P + q) * d, d);
  }
  for (let b = 0; b < B; b++) rows.appendDense(targets[b].node, dense, b * layout.nSources, layout.nSources);
}

// Direct effects in the frozen replacement model (replacementModel.ts). For a batch of targets (a feature's
// pre-activation, read through its encoder row at its layer's LN2 input, or a demeaned logit read through ln_f at
// the last position), one backward pass through the frozen linear model gives each target's gradient with respect
// to the residual stream at every (layer, position); the edge from a source is the source's vector (activation ×
// decoder row, error vector or embedding) · that gradient where the source writes. MLPs are replaced by nodes, so
// only the residual, frozen attention and the transcoders' skip terms carry effects backward: edges are direct.
import type { HostModel, HostTranscoder, ReplacementRun } from './replacementModel.js';
import type { EdgeRows } from './edgeRows.js';

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

/** What the backward passes share: the model, the run and the sources' vectors. */
export interface AttributionContext {
  model: HostModel;
  transcoders: HostTranscoder[];
  run: ReplacementRun;
  layout: SourceLayout;
  /** [nFeatures, d]: activation × decoder row of every active feature, in node order. */
  scaledDecoders: Float64Array;
}

export function attributionContext(
  model: HostModel,
  transcoders: HostTranscoder[],
  run: ReplacementRun,
): AttributionContext {
  const layout = sourceLayout(run);
  const d = model.config.dModel;
  const scaledDecoders = new Float64Array(layout.nFeatures * d);
  run.features.forEach((f, l) => {
    const dec = transcoders[l].wDec;
    for (let j = 0; j < f.indices.length; j++) {
      const o = (layout.featureStart[l] + j) * d;
      const w = f.indices[j] * d;
      for (let i = 0; i < d; i++) scaledDecoders[o + i] = f.activations[j] * dec[w + i];
    }
  });
  return { model, transcoders, run, layout, scaledDecoders };
}

/**
 * dst[r] (+)= M · src[r] for each listed row r (rows of width d), M read as rows i at mOff + i · mStride. Four rows
 * at a time, so each weight loaded feeds four products.
 */
function rowsTimesMatrix(
  src: Float64Array,
  dst: Float64Array,
  rows: Int32Array,
  nRows: number,
  m: Float64Array,
  mOff: number,
  mStride: number,
  d: number,
): void {
  let k = 0;
  for (; k + 3 < nRows; k += 4) {
    const a0 = rows[k] * d;
    const a1 = rows[k + 1] * d;
    const a2 = rows[k + 2] * d;
    const a3 = rows[k + 3] * d;
    for (let i = 0; i < d; i++) {
      const w = mOff + i * mStride;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d; j++) {
        const mij = m[w + j];
        s0 += mij * src[a0 + j];
        s1 += mij * src[a1 + j];
        s2 += mij * src[a2 + j];
        s3 += mij * src[a3 + j];
      }
      dst[a0 + i] = s0;
      dst[a1 + i] = s1;
      dst[a2 + i] = s2;
      dst[a3 + i] = s3;
    }
  }
  for (; k < nRows; k++) {
    const a = rows[k] * d;
    for (let i = 0; i < d; i++) {
      const w = mOff + i * mStride;
      let s = 0;
      for (let j = 0; j < d; j++) s += m[w + j] * src[a + j];
      dst[a + i] = s;
    }
  }
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

/**
 * The incoming edges of a batch of targets, appended to `rows` in batch order (one row per target, over source
 * nodes as in SourceLayout). Batches whose targets share a layer and nearby positions waste the least work.
 */
export function attributeBatch(ctx: AttributionContext, targets: readonly AttributionTarget[], rows: EdgeRows): void {
  const { model, transcoders, run, layout, scaledDecoders } = ctx;
  const c = model.config;
  const d = c.dModel;
  const n = run.tokens.length;
  const nLayer = c.nLayer;
  const nHead = c.nHead;
  const dHead = d / nHead;
  const B = targets.length;
  if (B === 0) return;
  let P = 0;
  let top = 0;
  for (const t of targets) {
    P = Math.max(P, t.position + 1);
    top = Math.max(top, Math.min(t.layer, nLayer - 1));
  }
  const g = new Float64Array(B * P * d);
  const t1 = new Float64Array(B * P * d);
  const t2 = new Float64Array(B * P * d);
  const dense = new Float64Array(B * layout.nSources);
  const rowList = new Int32Array(B * P);
  const listRows = (minLayer: number): number => {
    let count = 0;
    for (let b = 0; b < B; b++)
      if (targets[b].layer >= minLayer) for (let q = 0; q <= targets[b].position; q++) rowList[count++] = b * P + q;
    return count;
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
    const skip = transcoders[l].wSkipT;
    if (skip) {
      // The skip term reads LN2's output: g_mid += LN2ᵀ (W_skipᵀ g_post).
      const count = listRows(l + 1);
      rowsTimesMatrix(g, t1, rowList, count, skip, 0, d, d);
      for (let k = 0; k < count; k++) {
        const r = rowList[k];
        layerNormBackInto(g, r * d, t1, r * d, block.ln2G, run.ln2Inv[l][r % P], d);
      }
    }
    for (let b = 0; b < B; b++) {
      const t = targets[b];
      if (t.layer === l)
        layerNormBackInto(g, (b * P + t.position) * d, t.read, 0, block.ln2G, run.ln2Inv[l][t.position], d);
    }
    // Frozen attention: out[t] = Σ_h Σ_s A_h[t, s] v_h[s] W_O + b, v = LN1(x) W_V + b_V.
    const count = listRows(l);
    rowsTimesMatrix(g, t1, rowList, count, block.projW, 0, d, d); // t1 = ∂/∂z
    const a = run.patterns[l];
    for (let k = 0; k < count; k++) t2.fill(0, rowList[k] * d, rowList[k] * d + d);
    for (let b = 0; b < B; b++) {
      const pt = targets[b].position;
      if (targets[b].layer < l) continue;
      for (let h = 0; h < nHead; h++) {
        const ho = h * dHead;
        for (let tq = 0; tq <= pt; tq++) {
          const src = (b * P + tq) * d + ho;
          const arow = (h * n + tq) * n;
          for (let s = 0; s <= tq; s++) {
            const w = a[arow + s];
            const dst = (b * P + s) * d + ho;
            for (let i = 0; i < dHead; i++) t2[dst + i] += w * t1[src + i];
          }
        }
      }
    }
    rowsTimesMatrix(t2, t1, rowList, count, block.attnW, 2 * d, 3 * d, d); // t1 = ∂/∂LN1 output
    for (let k = 0; k < count; k++) {
      const r = rowList[k];
      layerNormBackInto(g, r * d, t1, r * d, block.ln1G, run.ln1Inv[l][r % P], d);
    }
  }
  // g: the gradient at the embeddings.
  for (let b = 0; b < B; b++) {
    const out = b * layout.nSources;
    for (let q = 0; q <= targets[b].position; q++)
      dense[out + layout.embeddingStart + q] = dot(run.embeddings, q * d, g, (b * P + q) * d, d);
  }
  for (let b = 0; b < B; b++) rows.appendDense(targets[b].node, dense, b * layout.nSources, layout.nSources);
}

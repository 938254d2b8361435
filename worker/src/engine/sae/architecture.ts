// What one SAE variant provides to the shared train loop. Each variant is one file; registry.ts lists them.
import type { z } from 'zod';
import type { Backend, SparseCodes } from '../backend.js';
import type { Rng } from '../rng.js';

/** Parameters every variant has, plus its own (`extra`, e.g. JumpReLU's log-threshold). Layouts are row-major. */
export interface SaeParams {
  /** wEncT: [dSae, dIn], the encoder stored transposed so encoder and decoder rows share a layout. */
  wEncT: Float32Array;
  /** bEnc: [dSae] */
  bEnc: Float32Array;
  /** wDec: [dSae, dOut]; dOut = dIn except for transcoders. */
  wDec: Float32Array;
  /**
   * bDec: [dOut], subtracted before encoding and added after decoding (b_pre of Gao et al. 2024); a transcoder
   * only adds it.
   */
  bDec: Float32Array;
  extra: Record<string, Float32Array>;
}

/** Inputs of one training step. */
export interface StepContext {
  backend: Backend;
  n: number;
  dIn: number;
  dSae: number;
  /** xIn: [n, dIn] = x − bDec (a transcoder's input x as it is), in backend memory. */
  xIn: Float32Array;
  params: SaeParams;
  /** Fraction of training done, in [0, 1] (for penalty warm-ups). */
  progress: number;
}

/** A forward pass: the codes that decode the batch, plus whatever backward needs. */
export interface Encoded extends SparseCodes {
  /** Dense pre-activations [n, dSae] where the variant needs them (ReLU, JumpReLU). */
  pre?: Float32Array;
}

/** What backward returns: the gradient on each code entry's pre-activation, and the variant's extra loss. */
export interface Backward {
  /** gPre: [n, width] like the codes. */
  gPre: Float32Array;
  /** Sparsity penalty added to the loss (0 for TopK). */
  penalty: number;
}

/** One SAE variant, registered by its architecture name. */
export interface Architecture<Cfg = Record<string, unknown>> {
  readonly name: string;
  /** Options this variant adds to the common ones (SAELens: a config subclass adds only its own fields). */
  readonly options: z.ZodType<Cfg>;
  /** Decoder rows kept at unit norm (gradient projected, rows renormalised after each step). */
  readonly unitNormDecoder: boolean;
  /** Uses the AuxK loss on dead latents (Gao et al. 2024, §A.2). */
  readonly auxK: boolean;
  /**
   * Reads one hook and predicts another (trained on a paired source): the input is not centred by b_dec, W_dec
   * and b_dec have the target's width dOut, and `extra.wSkip` [dOut, dIn], when the variant allocates it, adds
   * x·W_skipᵀ to the output.
   */
  readonly transcodes?: boolean;
  /**
   * Variant-specific initialisation after the common one (unit-norm decoder rows, encoder = decoderᵀ for SAEs);
   * dOut is the decoder's width (dIn except for transcoders).
   */
  init(
    params: SaeParams,
    cfg: Cfg,
    dIn: number,
    dSae: number,
    rng: Rng,
    alloc: (n: number) => Float32Array,
    dOut: number,
  ): void;
  /** Training forward pass. */
  encode(ctx: StepContext, cfg: Cfg): Promise<Encoded>;
  /**
   * Gradients on pre-activations from gValues (dLoss/d value of each code entry, from the reconstruction), plus
   * the variant's own penalty; may add to grads.wDec and grads.extra.
   */
  backward(ctx: StepContext, cfg: Cfg, codes: Encoded, gValues: Float32Array, grads: SaeParams): Backward;
  /** Called after the optimiser step with the batch's codes (e.g. BatchTopK's running threshold). */
  afterStep?(ctx: StepContext, cfg: Cfg, codes: Encoded): void;
  /** SAELens cfg.json fields of this variant (architecture and its own keys). */
  saelensConfig(cfg: Cfg, params: SaeParams): Record<string, unknown>;
  /** Extra tensors in sae_weights.safetensors (e.g. JumpReLU `threshold`). */
  saelensTensors(cfg: Cfg, params: SaeParams): Record<string, Float32Array>;
}

/** Gather the nonzero entries of dense rows [n, dSae] selected by `keep` into codes of width = max per row. */
export function compactRows(
  pre: Float32Array,
  n: number,
  dSae: number,
  keep: (v: number, latent: number) => boolean,
  value: (v: number, latent: number) => number,
): Encoded {
  let width = 1;
  const counts = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    let c = 0;
    const o = t * dSae;
    for (let l = 0; l < dSae; l++) if (keep(pre[o + l], l)) c++;
    counts[t] = c;
    if (c > width) width = c;
  }
  const indices = new Int32Array(n * width);
  const values = new Float32Array(n * width);
  for (let t = 0; t < n; t++) {
    let j = t * width;
    const o = t * dSae;
    for (let l = 0; l < dSae; l++)
      if (keep(pre[o + l], l)) {
        indices[j] = l;
        values[j++] = value(pre[o + l], l);
      }
  }
  return { n, width, indices, values, pre };
}

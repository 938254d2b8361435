// TopK transcoder (Dunefsky et al. 2024, "Transcoders find interpretable LLM feature circuits"; SAELens
// Transcoder/SkipTranscoder): reads the MLP's input, predicts its output. hidden = x·W_enc + b_enc with no input
// centring (b_dec is the output's bias), codes = ReLU(TopK_k(hidden)), out = codes·W_dec + b_dec (+ x·W_skipᵀ).
// The trainer does the paired data and the skip term (Architecture.transcodes); this file is the variant's own part.
import { z } from 'zod';
import type { Architecture } from './architecture.js';
import { topk } from './topk.js';

export const TranscoderOptions = z.object({
  /** Active latents per token. */
  k: z.number().int().positive(),
  /** Learn a linear skip term W_skip [dOut, dIn] (SAELens SkipTranscoder), initialised to zero. */
  skip: z.boolean().default(false),
});
export type TranscoderOptions = z.infer<typeof TranscoderOptions>;

export const transcoder: Architecture<TranscoderOptions> = {
  name: 'transcoder',
  options: TranscoderOptions,
  // Free decoder norms: the row is the feature's write into the MLP output, whose size is part of what is learned,
  // and TopK has no L1 penalty that shrinking codes against growing rows could game.
  unitNormDecoder: false,
  auxK: true,
  transcodes: true,
  init(params, cfg, dIn, _dSae, _rng, alloc, dOut) {
    if (cfg.skip) params.extra.wSkip = alloc(dOut * dIn);
  },
  encode: (ctx, cfg) => topk.encode(ctx, cfg),
  backward: (ctx, cfg, codes, gValues, grads) => topk.backward(ctx, cfg, codes, gValues, grads),
  saelensConfig(cfg) {
    return {
      architecture: cfg.skip ? 'skip_transcoder' : 'transcoder',
      k: cfg.k,
      activation_fn_str: 'topk',
      activation_fn_kwargs: { k: cfg.k },
    };
  },
  saelensTensors() {
    // W_skip is folded with both normalisation factors, so trainedWeights hands it over itself.
    return {};
  },
};

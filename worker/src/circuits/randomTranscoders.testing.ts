// Random TopK transcoders for a model's shape, for the circuits tests and the graph bench: seeded Gaussian weights
// scaled so each layer's pre-activations are of order one and about k features fire per position.
import { Rng } from '../engine/rng.js';
import type { Gpt2Config } from '../transformer/config.js';
import type { TranscoderSet } from './attributionGraph.js';

export interface RandomTranscoderOptions {
  dSae: number;
  k: number;
  seed: number;
  /** Add a random W_skip term. */
  skip?: boolean;
  modelId?: string;
}

export function randomTranscoders(
  config: Pick<Gpt2Config, 'dModel' | 'nLayer'>,
  o: RandomTranscoderOptions,
): TranscoderSet {
  const d = config.dModel;
  const rng = new Rng(o.seed);
  return {
    modelId: o.modelId ?? 'random',
    layers: Array.from({ length: config.nLayer }, (_, layer) => ({
      layer,
      dIn: d,
      dOut: d,
      dSae: o.dSae,
      k: o.k,
      wEncT: rng.normals(o.dSae * d, 1 / Math.sqrt(d)),
      bEnc: rng.normals(o.dSae, 0.1),
      wDec: rng.normals(o.dSae * d, 1 / Math.sqrt(o.k)),
      bDec: rng.normals(d, 0.1),
      wSkip: o.skip ? rng.normals(d * d, 0.5 / Math.sqrt(d)) : undefined,
    })),
  };
}

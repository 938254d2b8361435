// The schedule `worker train` uses when it is given no length (issue 15): small batches at a learning rate scaled
// with the dictionary's width, trained until the held-out FVU stops improving (plateauRule.ts), then decayed to
// zero. A user never has to guess a number of steps; --tokens or --epochs still give a fixed length.
import type { PlateauOptions } from './plateauRule.js';

/** Tokens per step: small batches reach the ground truth of synthetic sets in fewer seconds than 4,096. */
export const DEFAULT_BATCH_SIZE = 1024;

/** Default peak learning rate: Gao et al. 2024's scaling in dSae (§2.3), 1e-3·sqrt(2^14 / dSae). */
export function defaultLearningRate(dSae: number): number {
  return 1e-3 * Math.sqrt(2 ** 14 / dSae);
}

/** The longest a plateau-stopped run may take, in steps, unless one pass over the corpus is longer. */
export const PLATEAU_CAP_STEPS = 50_000;

/** Rows kept out of training to watch the FVU on (at most a tenth of the corpus, see ActivationStore). */
export const HOLD_OUT_ROWS = 8192;

/** The plateau rule's defaults for a batch size. */
export function defaultPlateau(batchSize: number): PlateauOptions {
  const evalEvery = Math.max(50, Math.round(262_144 / batchSize));
  return {
    evalEvery,
    minSteps: 4 * evalEvery,
    window: 0.25,
    tolerance: 0.01,
    deadTolerance: 0.005,
    decayFraction: 0.2,
    cuts: 1,
    cutFactor: 0.25,
    nominalSteps: 5000,
  };
}

/** The length-related settings of a run that stops at its plateau, for a corpus of `rows` rows. */
export function plateauSettings(
  rows: number,
  batchSize: number,
): { tokens: number; plateau: PlateauOptions; holdOutRows: number; warmupSteps: number; deadWindowTokens: number } {
  const capSteps = Math.max(Math.ceil(rows / batchSize), PLATEAU_CAP_STEPS);
  return {
    tokens: capSteps * batchSize,
    plateau: defaultPlateau(batchSize),
    holdOutRows: HOLD_OUT_ROWS,
    warmupSteps: Math.min(1000, Math.max(1, Math.round(131_072 / batchSize))),
    // The dead window of a fixed-length run of ~5,000 steps: AuxK must revive latents long before the cap.
    deadWindowTokens: Math.max(batchSize, Math.min(10_000_000, Math.floor(Math.max(rows, 5000 * batchSize) / 4))),
  };
}

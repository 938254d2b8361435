// When to stop a training run that has no set length: the held-out FVU is measured every few hundred steps, and
// once the best of it has improved by less than `tolerance` (relative) over the last `window` of the run, with the
// dead fraction no longer falling, the run has reached a plateau. A plateau at a high learning rate is a noise
// floor, not convergence (the decoder keeps aligning with the true directions while the FVU barely moves), so the
// first `cuts` plateaus cut the learning rate by `cutFactor` (as ReduceLROnPlateau does) and the next one starts
// the final linear decay to zero, over a stretch proportional to the steps taken. Pure bookkeeping: the trainer
// measures, this decides.
import { z } from 'zod';

export const PlateauOptions = z.object({
  /** Steps between held-out measurements. */
  evalEvery: z.number().int().positive(),
  /** No decision before this step. */
  minSteps: z.number().int().nonnegative(),
  /** Look-back as a fraction of the steps so far (a power-law curve gains about as much in each such window). */
  window: z.number().gt(0).lt(1),
  /** Relative gain of the best held-out FVU over the window below which the run has plateaued. */
  tolerance: z.number().nonnegative(),
  /** A fall of the dead fraction by more than this over the window still counts as progress. */
  deadTolerance: z.number().nonnegative(),
  /** The final decay's length as a fraction of the whole run (the steps before it are the rest). */
  decayFraction: z.number().gt(0).lt(1),
  /** Plateaus that cut the learning rate before the one that starts the final decay. */
  cuts: z.number().int().nonnegative(),
  /** The learning rate's factor at each cut. */
  cutFactor: z.number().gt(0).lt(1),
  /** The run's length where a fraction of it is needed before it is known (penalty warm-ups, curve logging). */
  nominalSteps: z.number().int().positive(),
});
export type PlateauOptions = z.infer<typeof PlateauOptions>;

/** One held-out measurement. */
export interface HeldOutPoint {
  step: number;
  fvu: number;
  deadFraction: number;
}

/** The final decay, once decided: the learning rate falls linearly from `start` to zero at `end`. */
export interface FinalDecay {
  start: number;
  end: number;
}

/** What a measurement decides: go on, cut the learning rate, or start the final decay. */
export type PlateauDecision = { kind: 'continue' } | { kind: 'cut' } | ({ kind: 'decay' } & FinalDecay);

/** The rule's state, saved in checkpoints. */
export interface PlateauState {
  history: HeldOutPoint[];
  /** Steps at which the learning rate was cut. */
  cutSteps: number[];
}

export class PlateauRule {
  readonly history: HeldOutPoint[];
  readonly cutSteps: number[];

  constructor(
    readonly options: PlateauOptions,
    state: PlateauState = { history: [], cutSteps: [] },
  ) {
    this.history = [...state.history];
    this.cutSteps = [...state.cutSteps];
  }

  /** The learning rate's factor from the cuts made by `step`. */
  factorAt(step: number): number {
    let f = 1;
    for (const s of this.cutSteps) if (step >= s) f *= this.options.cutFactor;
    return f;
  }

  /** Record a measurement and decide. */
  observe(point: HeldOutPoint): PlateauDecision {
    this.history.push(point);
    const o = this.options;
    // Each learning rate gets its own look-back: measurements from before the last cut do not count.
    const phaseStart = this.cutSteps.at(-1) ?? 0;
    if (point.step - phaseStart < o.minSteps) return { kind: 'continue' };
    const back = point.step - Math.max(o.evalEvery, Math.round(o.window * point.step));
    let bestThen = Infinity;
    let deadThen = NaN;
    let bestNow = Infinity;
    for (const p of this.history) {
      if (p.step <= phaseStart) continue;
      if (p.step <= back) {
        bestThen = Math.min(bestThen, p.fvu);
        deadThen = p.deadFraction;
      }
      bestNow = Math.min(bestNow, p.fvu);
    }
    if (!Number.isFinite(bestThen)) return { kind: 'continue' };
    const gain = bestThen > 0 ? (bestThen - bestNow) / bestThen : 0;
    const deadFalling = deadThen - point.deadFraction > o.deadTolerance;
    if (gain >= o.tolerance || deadFalling) return { kind: 'continue' };
    if (this.cutSteps.length < o.cuts) {
      this.cutSteps.push(point.step);
      return { kind: 'cut' };
    }
    const decaySteps = Math.max(o.evalEvery, Math.round((point.step * o.decayFraction) / (1 - o.decayFraction)));
    return { kind: 'decay', start: point.step, end: point.step + decaySteps };
  }

  get state(): PlateauState {
    return { history: this.history, cutSteps: this.cutSteps };
  }
}

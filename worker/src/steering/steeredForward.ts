// One steered forward pass over a window: interventions at one or several hooks of the model combined, each hook's
// steered value fed to everything downstream. The graph records a hook or feeds it, not both, so the pass runs
// the model up to each steered hook in turn (feeding the ones before it), then once more to the logits:
// (hooks + 1) partial passes. The result is that of one pass with every intervention in place.
import type { Backend } from '../engine/backend.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import type { KeyValueCache } from '../transformer/hookRunnerTypes.js';
import { HOOK_KINDS, parseHook } from '../transformer/hooks.js';
import { applyInterventions, type ResolvedIntervention } from './intervention.js';

/** Logits of a steered pass and, when asked, of the unsteered model on the same ids (at no extra pass). */
export interface SteeredLogits {
  /** [seq, vocab] */
  logits: Float32Array;
  /** [seq, vocab]; only with `withDefault` and at least one intervention (else `logits` is the default). */
  defaultLogits?: Float32Array;
  /** With `keyValues` or `past`: the steered model's keys and values through these rows. */
  keyValues?: KeyValueCache;
  /** With `defaultLogits` and (`keyValues` or `defaultPast`): the unsteered model's. */
  defaultKeyValues?: KeyValueCache;
}

/** Key/value cache options of a steered pass. */
export interface SteeredCacheOptions {
  /** Return the keys and values of every row (a full window, to continue incrementally from). */
  keyValues?: boolean;
  /** Incremental: `ids` is one new row after the rows the steered model cached here. */
  past?: KeyValueCache;
  /**
   * With `past` and `withDefault`: the unsteered model's cache of the same rows (the default logits are those of
   * the model never steered, so they continue from unsteered keys and values).
   */
  defaultPast?: KeyValueCache;
}

/** Hooks in the order the forward pass computes them: by layer, then by place in the block. */
export function hooksInForwardOrder(model: InferenceModel, hooks: Iterable<string>): string[] {
  const rank = (name: string) => {
    const h = parseHook(name, model.config);
    return h.layer * HOOK_KINDS.length + HOOK_KINDS.indexOf(h.kind);
  };
  return [...new Set(hooks)].sort((a, b) => rank(a) - rank(b));
}

/**
 * Run one window ids [seq] (batch 1) with `interventions`; `positionOf(row)` gives a row's position in the text,
 * null for BOS and padding (never steered). With `o.past`, `ids` is the one new row and the pass attends to the
 * cached rows: every intervention applies to the new row exactly as in the full pass (the cached rows were steered
 * when they were computed).
 */
export async function steeredForward(
  model: InferenceModel,
  ids: Int32Array,
  interventions: readonly ResolvedIntervention[],
  positionOf: (row: number) => number | null,
  backend: Backend,
  o: { withDefault?: boolean } & SteeredCacheOptions = {},
): Promise<SteeredLogits> {
  if (o.past && o.withDefault && interventions.length > 0 && !o.defaultPast)
    throw new RangeError('steeredForward: the default logits of an incremental pass need `defaultPast`');
  const cached = !!o.keyValues || !!o.past;
  const seq = ids.length;
  const hooks = hooksInForwardOrder(
    model,
    interventions.map((i) => i.hook),
  );
  const feed: Record<string, Float32Array> = {};
  let defaultLogits: Float32Array | undefined;
  let defaultKeyValues: KeyValueCache | undefined;
  for (const [k, hook] of hooks.entries()) {
    const withLogits = k === 0 && !!o.withDefault;
    // The first steered hook depends only on rows upstream of every intervention, where the steered and the
    // default caches agree; the default cache is the one that also gives the default logits.
    const past = k === 0 && o.past ? (o.defaultPast ?? o.past) : o.past;
    const run = await model.run(ids, 1, seq, {
      hooks: [hook],
      feed: { ...feed },
      logits: withLogits,
      keyValues: withLogits && cached,
      past,
    });
    if (withLogits) {
      defaultLogits = run.logits;
      defaultKeyValues = run.keyValues;
    }
    const here = interventions.filter((i) => i.hook === hook);
    const h = run.hooks[hook];
    const steered = await applyInterventions(h, seq, here, positionOf, backend);
    // An unchanged hook is not fed: the plain graph gives the default bit for bit (a fed graph fuses differently).
    if (steered !== h) feed[hook] = steered;
  }
  const run = await model.run(ids, 1, seq, { logits: true, feed, keyValues: cached, past: o.past });
  return { logits: run.logits!, defaultLogits, keyValues: run.keyValues, defaultKeyValues };
}

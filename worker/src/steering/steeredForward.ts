// One steered forward pass over a window: interventions at one or several hooks of the model combined, each hook's
// steered value fed to everything downstream. The graph records a hook or feeds it, not both, so the pass runs
// the model up to each steered hook in turn (feeding the ones before it), then once more to the logits:
// (hooks + 1) partial passes. The result is that of one pass with every intervention in place.
import type { Backend } from '../engine/backend.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import { HOOK_KINDS, parseHook } from '../transformer/hooks.js';
import { applyInterventions, type ResolvedIntervention } from './intervention.js';

/** Logits of a steered pass and, when asked, of the unsteered model on the same ids (at no extra pass). */
export interface SteeredLogits {
  /** [seq, vocab] */
  logits: Float32Array;
  /** [seq, vocab]; only with `withDefault` and at least one intervention (else `logits` is the default). */
  defaultLogits?: Float32Array;
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
 * null for BOS and padding (never steered).
 */
export async function steeredForward(
  model: InferenceModel,
  ids: Int32Array,
  interventions: readonly ResolvedIntervention[],
  positionOf: (row: number) => number | null,
  backend: Backend,
  o: { withDefault?: boolean } = {},
): Promise<SteeredLogits> {
  const seq = ids.length;
  const hooks = hooksInForwardOrder(
    model,
    interventions.map((i) => i.hook),
  );
  const feed: Record<string, Float32Array> = {};
  let defaultLogits: Float32Array | undefined;
  for (const [k, hook] of hooks.entries()) {
    const withLogits = k === 0 && !!o.withDefault;
    const run = await model.run(ids, 1, seq, { hooks: [hook], feed: { ...feed }, logits: withLogits });
    if (withLogits) defaultLogits = run.logits;
    const here = interventions.filter((i) => i.hook === hook);
    const h = run.hooks[hook];
    const steered = await applyInterventions(h, seq, here, positionOf, backend);
    // An unchanged hook is not fed: the plain graph gives the default bit for bit (a fed graph fuses differently).
    if (steered !== h) feed[hook] = steered;
  }
  const { logits } = await model.run(ids, 1, seq, { logits: true, feed });
  return { logits: logits!, defaultLogits };
}

// One steered forward pass over a window: interventions at one or several hooks of the model combined, each hook's
// steered value fed to everything downstream. The graph records a hook or feeds it, not both, so the pass runs
// the model up to each steered hook in turn (feeding the ones before it), then once more to the logits:
// (hooks + 1) partial passes. The result is that of one pass with every intervention in place.
import type { Backend } from '../engine/backend.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import { keyValueWidth } from '../transformer/config.js';
import type { HookRunOptions, KeyValueCache } from '../transformer/hookRunnerTypes.js';
import { HOOK_KINDS, hookWidth, parseHook } from '../transformer/hooks.js';
import { applyInterventions, type ResolvedIntervention } from './intervention.js';

/** Logits of a steered pass and, when asked, of the unsteered model on the same ids (at no extra pass). */
export interface SteeredLogits {
  /** [seq, vocab], or [1, vocab] with `lastRowLogits` */
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
  /** Logits of the last row only (what generation reads). */
  lastRowLogits?: boolean;
  /** Where the returned keys and values go (HookRunOptions.keyValuesInto): room for two rows' caches. */
  keyValuesInto?: HookRunOptions['keyValuesInto'];
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
  const hooks = hooksInForwardOrder(
    model,
    interventions.map((i) => i.hook),
  );
  // With the default beside it, the pass is a batch of two rows, default first: a token's forward pass is
  // memory-bound (every weight read once for one row), so the second row costs little where a separate default
  // pass would read every weight again.
  const both = !!o.withDefault && hooks.length > 0;
  const seq = ids.length;
  const batch = both ? 2 : 1;
  const batchIds = both ? Int32Array.from({ length: 2 * seq }, (_, j) => ids[j % seq]) : ids;
  const past = both && o.past ? stackCaches(o.defaultPast ?? o.past, o.past, keyValueWidth(model.config)) : o.past;
  const s: SteeringBatch = { model, ids, batchIds, batch, interventions, hooks, positionOf, backend, past, upstreamPast: o.defaultPast ?? o.past }; // prettier-ignore
  // ADD does not read the hook: its change is a fixed term the graph adds, so one pass serves every hook.
  const change = interventions.every((i) => i.kind === 'add') ? await addedTerms(s) : await fedHooks(s);
  const cached = !!o.keyValues || !!o.past;
  if (!change && (!both || !o.defaultPast || o.defaultPast === o.past)) {
    // Nothing moved, here or before: the plain graph, bit for bit the default's, gives both.
    const run = await model.run(ids, 1, seq, { logits: true, lastRowLogits: o.lastRowLogits, keyValues: cached, keyValuesInto: o.keyValuesInto, past: o.past }); // prettier-ignore
    return both
      ? { logits: run.logits!, defaultLogits: run.logits, keyValues: run.keyValues, defaultKeyValues: run.keyValues }
      : { logits: run.logits!, keyValues: run.keyValues };
  }
  const run = await model.run(batchIds, batch, seq, { logits: true, lastRowLogits: o.lastRowLogits, ...change, keyValues: cached, keyValuesInto: o.keyValuesInto, past }); // prettier-ignore
  if (!both) return { logits: run.logits!, keyValues: run.keyValues };
  const logits = run.logits!;
  const [defaultKeyValues, keyValues] = run.keyValues ? unstackCaches(run.keyValues) : [];
  return {
    logits: logits.subarray(logits.length / 2),
    defaultLogits: logits.subarray(0, logits.length / 2),
    keyValues,
    defaultKeyValues,
  };
}

/** What the steering passes share: the ids of the batch (one row, or default then steered) and its cache. */
interface SteeringBatch {
  model: InferenceModel;
  ids: Int32Array;
  batchIds: Int32Array;
  batch: 1 | 2;
  interventions: readonly ResolvedIntervention[];
  hooks: string[];
  positionOf: (row: number) => number | null;
  backend: Backend;
  past: KeyValueCache | undefined;
  /** Batch 1, upstream of every intervention (where the steered and default caches agree). */
  upstreamPast: KeyValueCache | undefined;
}

/** The batch's rows as one array: the default's (zeros for an added term) first when there are two. */
function batchRows(s: SteeringBatch, steered: Float32Array, defaultRow?: Float32Array): Float32Array {
  if (s.batch === 1) return steered;
  const out = new Float32Array(2 * steered.length);
  if (defaultRow) out.set(defaultRow);
  out.set(steered, steered.length);
  return out;
}

/** ADD only: the term each hook gets ([batch * seq, width]), or null when no row changes. */
async function addedTerms(s: SteeringBatch): Promise<{ add: Record<string, Float32Array> } | null> {
  const add: Record<string, Float32Array> = {};
  for (const hook of s.hooks) {
    const zero = new Float32Array(s.ids.length * hookWidth(parseHook(hook, s.model.config), s.model.config));
    const here = s.interventions.filter((i) => i.hook === hook);
    const term = await applyInterventions(zero, s.ids.length, here, s.positionOf, s.backend);
    if (term !== zero) add[hook] = batchRows(s, term);
  }
  return Object.keys(add).length > 0 ? { add } : null;
}

/**
 * The steered value of each hook, fed to everything downstream. The graph records a hook or feeds it, not both,
 * so the pass runs the model up to each steered hook in turn (feeding the ones before it): a pass per steered hook
 * before the one to the logits. Null when no row changes.
 */
async function fedHooks(s: SteeringBatch): Promise<{ feed: Record<string, Float32Array> } | null> {
  const seq = s.ids.length;
  const feed: Record<string, Float32Array> = {};
  let changed = false;
  for (const [k, hook] of s.hooks.entries()) {
    const here = s.interventions.filter((i) => i.hook === hook);
    // A transcoder's CLAMP reads its input hook, upstream of `hook`: recorded in the same pass, or taken from the
    // feed when steered itself (everything downstream sees the fed value).
    const reads = new Set(here.filter((i) => i.kind !== 'add').map((i) => i.readHook ?? hook));
    reads.delete(hook);
    const recorded = [hook, ...[...reads].filter((r) => !feed[r])];
    const twoRows = s.batch === 2 && k > 0;
    // The first steered hook lies upstream of every intervention: batch 1, on the cache both rows share there.
    const past = k === 0 ? s.upstreamPast : s.past;
    const { hooks } = await s.model.run(twoRows ? s.batchIds : s.ids, twoRows ? 2 : 1, seq, { hooks: recorded, feed: { ...feed }, past }); // prettier-ignore
    // The steered row's part of a two-row array (the default's comes first).
    const steeredRow = (rows: Float32Array, two: boolean) => (two ? rows.subarray(rows.length / 2) : rows);
    const def = hooks[hook].subarray(0, twoRows ? hooks[hook].length / 2 : undefined);
    const h = steeredRow(hooks[hook], twoRows);
    const inputs: Record<string, Float32Array> = {};
    for (const r of reads) inputs[r] = feed[r] ? steeredRow(feed[r], s.batch === 2) : steeredRow(hooks[r], twoRows);
    const steered = await applyInterventions(h, seq, here, s.positionOf, s.backend, inputs);
    changed ||= steered !== h;
    // Batch 1: an unchanged hook is not fed, so the plain graph gives the default bit for bit (a fed graph fuses
    // differently). Two rows: both are fed, the default row with its own value.
    if (s.batch === 2) feed[hook] = batchRows(s, steered, def);
    else if (steered !== h) feed[hook] = steered;
  }
  return changed ? { feed } : null;
}

/**
 * Two caches of the same rows as one batch-of-two cache: per layer [2, length, d], first then second. Two caches
 * that are the halves of one earlier batch-of-two output are passed back without a copy.
 */
export function stackCaches(first: KeyValueCache, second: KeyValueCache, width: number): KeyValueCache {
  if (first.length !== second.length) throw new RangeError('steeredForward: the two caches hold different rows');
  const n = first.length * width;
  const stack = (a: Float32Array, b: Float32Array) => {
    if (a.buffer === b.buffer && a.byteOffset + 4 * n === b.byteOffset)
      return new Float32Array(a.buffer, a.byteOffset, 2 * n);
    const out = new Float32Array(2 * n);
    out.set(a.subarray(0, n));
    out.set(b.subarray(0, n), n);
    return out;
  };
  return {
    length: first.length,
    keys: first.keys.map((k, l) => stack(k, second.keys[l])),
    values: first.values.map((v, l) => stack(v, second.values[l])),
  };
}

/** A batch-of-two cache as its two rows' caches (views, no copy). */
function unstackCaches(c: KeyValueCache): [KeyValueCache, KeyValueCache] {
  const half = (a: Float32Array, row: number) => a.subarray((row * a.length) / 2, ((row + 1) * a.length) / 2);
  const row = (r: number): KeyValueCache => ({
    length: c.length,
    keys: c.keys.map((k) => half(k, r)),
    values: c.values.map((v) => half(v, r)),
  });
  return [row(0), row(1)];
}

// One interface for "run the model on token ids, read hooks and logits back as host arrays, optionally with hooks
// replaced": what extraction, the analysis pass, CE loss and live text analysis need from a model. Two runners
// implement it: onnxruntime (onnxForward.ts) and TF.js (tfjsHookRunner.ts); hookRunner.ts picks one per model.

/** Hooks to record, whether to compute logits, and hooks to replace by given activations. */
export interface HookRunOptions {
  hooks?: readonly string[];
  logits?: boolean;
  /** With `logits`: each sequence's last row only, [batch, vocab] (generation needs no other). */
  lastRowLogits?: boolean;
  /**
   * Replace hooks by these activations ([batch * seq, width] each): everything downstream sees them (a
   * dictionary's reconstruction, zeros to ablate). A fed hook cannot also be recorded.
   */
  feed?: Readonly<Record<string, Float32Array>>;
  /**
   * Add these ([batch * seq, width] each) to hooks as they are computed: what steering by ADD needs, in one pass
   * (a feed would need a pass to read the hook first). A hook cannot be both fed and added to.
   */
  add?: Readonly<Record<string, Float32Array>>;
  /**
   * With `logits`: also return every layer's attention keys and values of these rows (`keyValues`), the
   * cache a later `past` run continues from. Only where `supportsKeyValueCache`.
   */
  keyValues?: boolean;
  /**
   * Incremental decoding: `ids` is one new token per batch row (seq 1) at position `past.length`, attending to the
   * cached keys and values of positions 0..past.length-1 as the full pass would. Hooks and feeds are of that one
   * row. With `logits`, `keyValues` comes back extended by the new row.
   */
  past?: KeyValueCache;
  /**
   * With `keyValues` or `past`: write the returned keys and values into these buffers (per layer, at least
   * batch × rows × dModel floats each; never `past`'s own), sparing a fresh buffer and its copy per token.
   */
  keyValuesInto?: { keys: Float32Array[]; values: Float32Array[] };
}

/**
 * Attention keys and values of the first `length` positions: per layer, [batch, length, dModel] each (heads side by
 * side; a batch-1 cache's arrays may run longer than `length` rows).
 */
export interface KeyValueCache {
  length: number;
  keys: Float32Array[];
  values: Float32Array[];
}

/** Each requested hook [batch * seq, width] and, when asked, logits [batch * seq, vocab] ([batch, vocab] for the last row). */
export interface HostForwardResult {
  hooks: Record<string, Float32Array>;
  logits?: Float32Array;
  /** Only with `keyValues` or `past` (and `logits`). */
  keyValues?: KeyValueCache;
}

export interface HookRunner {
  readonly description: string;
  /** Whether `run` takes `keyValues` and `past` (onnxruntime does; TF.js does not). */
  readonly supportsKeyValueCache?: boolean;
  /** ids: [batch, seq] token ids. */
  run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult>;
  dispose(): void;
}

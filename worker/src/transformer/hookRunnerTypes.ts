// One interface for "run the model on token ids, read hooks and logits back as host arrays, optionally with hooks
// replaced": what extraction, the analysis pass, CE loss and live text analysis need from a model. Two runners
// implement it: onnxruntime (onnxForward.ts) and TF.js (tfjsHookRunner.ts); hookRunner.ts picks one per model.

/** Hooks to record, whether to compute logits, and hooks to replace by given activations. */
export interface HookRunOptions {
  hooks?: readonly string[];
  logits?: boolean;
  /**
   * Replace hooks by these activations ([batch * seq, width] each): everything downstream sees them (a
   * dictionary's reconstruction, zeros to ablate). A fed hook cannot also be recorded.
   */
  feed?: Readonly<Record<string, Float32Array>>;
}

/** Each requested hook [batch * seq, width] and, when asked, logits [batch * seq, vocab]. */
export interface HostForwardResult {
  hooks: Record<string, Float32Array>;
  logits?: Float32Array;
}

export interface HookRunner {
  readonly description: string;
  /** ids: [batch, seq] token ids. */
  run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult>;
  dispose(): void;
}

// One interface for "run the model on token ids, read hooks and logits back as host arrays, optionally with hooks
// replaced": what extraction, the analysis pass, CE loss and live text analysis need from a model. onnxruntime
// implements it when it loads (onnxForward.ts); TF.js is the fallback, through the same `forward` training uses.
import { cpus } from 'node:os';
import { disposeResult, forwardTidy } from './gpt2.js';
import type { LoadedModel } from './modelFolder.js';
import { OnnxGpt2Forward } from './onnxForward.js';
import { tf } from './runtime.js';

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

/** The TF.js forward behind the same interface. */
class TfjsHookRunner implements HookRunner {
  readonly description = 'TensorFlow.js';
  constructor(private readonly model: LoadedModel) {}

  async run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult> {
    const feed = o.feed ?? {};
    const hooks = o.hooks ?? [];
    for (const h of hooks) if (h in feed) throw new RangeError(`forward: hook ${h} cannot be both recorded and fed`);
    const replace = Object.fromEntries(
      Object.entries(feed).map(([h, a]) => [h, (x: tf.Tensor2D) => tf.tensor2d(a, x.shape)] as const),
    );
    const result = forwardTidy(this.model.params, this.model.config, tf.tensor2d(ids, [batch, seq], 'int32'), {
      hooks,
      logits: o.logits,
      replace,
    });
    const out: HostForwardResult = { hooks: {} };
    for (const h of hooks) out.hooks[h] = result.hooks[h].dataSync() as Float32Array;
    if (o.logits) out.logits = result.logits!.dataSync() as Float32Array;
    disposeResult(result);
    return out;
  }

  dispose(): void {}
}

const runners = new WeakMap<LoadedModel, Promise<HookRunner>>();

/** The model's runner: onnxruntime on every core when onnxruntime-node loads here, else TF.js. One per model. */
export function hookRunner(model: LoadedModel): Promise<HookRunner> {
  let r = runners.get(model);
  if (!r) {
    r = (async () => {
      try {
        const ort = await import('onnxruntime-node');
        return new OnnxGpt2Forward(ort, model, Math.max(1, cpus().length));
      } catch {
        return new TfjsHookRunner(model);
      }
    })();
    runners.set(model, r);
  }
  return r;
}

/** The TF.js runner (tests compare the two). */
export function tfjsHookRunner(model: LoadedModel): HookRunner {
  return new TfjsHookRunner(model);
}

// The HookRunner on TF.js, through the same `forward` training uses: the inference fallback when onnxruntime-node
// does not load, and the second implementation tests compare onnxruntime against.
import { disposeResult, forwardTidy } from './gpt2.js';
import type { HookRunner, HookRunOptions, HostForwardResult } from './hookRunnerTypes.js';
import { gpt2Model, type Gpt2LoadedModel, type LoadedModel } from './modelFolder.js';
import { tf } from './runtime.js';

/** The TF.js forward behind the HookRunner interface. */
class TfjsHookRunner implements HookRunner {
  readonly description = 'TensorFlow.js';
  private readonly model: Gpt2LoadedModel;
  constructor(model: LoadedModel) {
    // The TF.js forward is GPT-2's; other families run on onnxruntime only.
    this.model = gpt2Model(model, 'the TensorFlow.js runner (used when onnxruntime-node does not load)');
  }

  async run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult> {
    const feed = o.feed ?? {};
    const hooks = o.hooks ?? [];
    for (const h of hooks) if (h in feed) throw new RangeError(`forward: hook ${h} cannot be both recorded and fed`);
    for (const h of Object.keys(o.add ?? {}))
      if (h in feed) throw new RangeError(`forward: hook ${h} cannot be both fed and added to`);
    const replace = Object.fromEntries([
      ...Object.entries(feed).map(([h, a]) => [h, (x: tf.Tensor2D) => tf.tensor2d(a, x.shape)] as const),
      ...Object.entries(o.add ?? {}).map(([h, a]) => [h, (x: tf.Tensor2D) => tf.add<tf.Tensor2D>(x, tf.tensor2d(a, x.shape))] as const), // prettier-ignore
    ]);
    const result = forwardTidy(this.model.params, this.model.config, tf.tensor2d(ids, [batch, seq], 'int32'), {
      hooks,
      logits: o.logits,
      replace,
    });
    const out: HostForwardResult = { hooks: {} };
    for (const h of hooks) out.hooks[h] = result.hooks[h].dataSync() as Float32Array;
    if (o.logits) {
      const logits = result.logits!.dataSync() as Float32Array;
      const vocab = this.model.config.vocabSize;
      out.logits = o.lastRowLogits
        ? Float32Array.from({ length: batch * vocab }, (_, j) => logits[(Math.floor(j / vocab) * seq + seq - 1) * vocab + (j % vocab)]) // prettier-ignore
        : logits;
    }
    disposeResult(result);
    return out;
  }

  dispose(): void {}
}

/** The TF.js runner of a model (the fallback of hookRunner.ts; tests and benches compare the two). */
export function tfjsHookRunner(model: LoadedModel): HookRunner {
  return new TfjsHookRunner(model);
}

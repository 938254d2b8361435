// A model loaded for inference: config, tokenizer, the window rule (context size and BOS), and one forward pass
// that records hooks and can replace them with given activations. Extraction, the analysis pass, CE loss and live
// text analysis all run a model through this; an intervention at a hook (steering) is a `feed` of `run`.
import { streamActivations, type ActivationBatch, type StreamOptions } from './streamActivations.js';
import { hookRunner } from '../transformer/hookRunner.js';
import type { HookRunOptions, HostForwardResult } from '../transformer/hookRunnerTypes.js';
import { hookWidth, parseHook, type HookPoint } from '../transformer/hooks.js';
import {
  disposeModel,
  loadModel,
  modelWindows,
  type LoadedModel,
  type ModelWindows,
} from '../transformer/modelFolder.js';

/** A hook point checked against the model, with the width of its activations. */
export interface ModelHook extends HookPoint {
  width: number;
}

/** What `activations` streams: documents through windows of the model's rule, rows of one hook. */
export type ActivationStreamOptions = Omit<StreamOptions, 'model' | 'contextSize' | 'bosId'> & {
  windows: ModelWindows;
};

export class InferenceModel {
  private constructor(readonly loaded: LoadedModel) {}

  /** Load `builtin` or a Hugging Face model folder of a supported family (starts TF.js if needed). */
  static async load(spec: string): Promise<InferenceModel> {
    return new InferenceModel(await loadModel(spec));
  }

  /** A model already loaded (the caller keeps ownership: dispose it once, here or there). */
  static of(loaded: LoadedModel): InferenceModel {
    return new InferenceModel(loaded);
  }

  get name(): string {
    return this.loaded.name;
  }

  get config(): LoadedModel['config'] {
    return this.loaded.config;
  }

  get tokenizer(): LoadedModel['tokenizer'] {
    return this.loaded.tokenizer;
  }

  /** The windows inputs are cut into (see `modelWindows`: the one BOS/context rule). */
  windows(o: { contextSize?: number; prependBos: boolean }): ModelWindows {
    return modelWindows(this.loaded, o);
  }

  /** `name` parsed and checked against this model (ARGUMENT_INVALID listing the valid names). */
  hook(name: string): ModelHook {
    const hook = parseHook(name, this.loaded.config);
    return { ...hook, width: hookWidth(hook, this.loaded.config) };
  }

  /**
   * Run token ids [batch, seq]: the hooks asked for and, when asked, logits, as host arrays; `feed` replaces a
   * hook's activations for everything downstream (a dictionary's reconstruction, zeros to ablate).
   */
  async run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult> {
    return (await hookRunner(this.loaded)).run(ids, batch, seq, o);
  }

  /** Whether `run` takes a key/value cache (`keyValues`, `past`): on onnxruntime, not on TF.js. */
  async supportsKeyValueCache(): Promise<boolean> {
    return !!(await hookRunner(this.loaded)).supportsKeyValueCache;
  }

  /** One hook's activations over documents, window by window, in corpus order. */
  activations(o: ActivationStreamOptions): AsyncGenerator<ActivationBatch> {
    const { windows, ...rest } = o;
    return streamActivations({ ...rest, model: this.loaded, ...windows });
  }

  /** Free the model's tensors. */
  dispose(): void {
    disposeModel(this.loaded);
  }
}

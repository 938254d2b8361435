// A dictionary loaded for inference: its weights and its encoder prepared once. The prepared encoder is
// read-only, so concurrent requests share one; each call centres its input in its own scratch.
import type { Backend } from '../engine/backend.js';
import { loadExternalSae, type ExternalSae } from '../engine/sae/loadExternalSae.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import type { ModelWindows } from '../transformer/modelFolder.js';
import type { CsrCodes } from './csrCodes.js';
import {
  decodeCodes,
  encodeBatch,
  prepareEncoder,
  type ArrayMemory,
  type EncodeScratch,
  type PreparedEncoder,
} from './encodeBatch.js';
import type { InferenceModel } from './inferenceModel.js';

/** `S`: the weights as loaded (an imported folder's ExternalSae also names its model and hook). */
export class InferenceDictionary<S extends SaelensSae = SaelensSae> {
  /** W_encᵀ laid out for the kernels. */
  readonly encoder: PreparedEncoder;

  /** `memory`: the backend's arena for a long pass; omitted, the JS heap (freed with the dictionary). */
  constructor(
    readonly sae: S,
    memory?: ArrayMemory,
  ) {
    this.encoder = prepareEncoder(sae, memory);
  }

  /** A SAELens or sparsify folder, on the JS heap. */
  static load(folder: string): InferenceDictionary<ExternalSae> {
    return new InferenceDictionary(loadExternalSae(folder));
  }

  /** Codes of raw activations x [n, dIn]. Pass `scratch` only from a caller whose calls never overlap. */
  encode(backend: Backend, x: Float32Array, n: number, scratch?: EncodeScratch): Promise<CsrCodes> {
    return encodeBatch(this.encoder, backend, x, n, scratch);
  }

  /**
   * The reconstruction b_dec + Σ f_l W_dec[l]: [rows, dIn]. A transcoder's is its prediction at the output hook
   * [rows, dOut]; a skip transcoder adds input·W_skipᵀ, so it needs the activations the codes came from.
   */
  decode(codes: CsrCodes, input?: Float32Array): Float32Array {
    return decodeCodes(this.sae, codes, input);
  }

  /**
   * The windows the dictionary was trained on, as its cfg.json states them (SAELens context_size, within the
   * model's n_positions; prepend_bos, BOS unless false), by the model's rule.
   */
  windowsOn(model: InferenceModel): ModelWindows {
    const { cfg } = this.sae;
    const nPositions = model.config.nPositions;
    return model.windows({
      contextSize: Math.min(typeof cfg.context_size === 'number' ? cfg.context_size : nPositions, nPositions),
      prependBos: cfg.prepend_bos !== false,
    });
  }
}

// What other workspaces (the api) use of the worker, named one by one. Importing this module starts nothing:
// TF.js is only initialised by an explicit initTfjs()/loadModel() call, backends by loadBackend().
export type { CsrCodes } from './inference/csrCodes.js';
export {
  decodeCodes,
  encodeBatch,
  EncodeScratch,
  prepareEncoder,
  type PreparedEncoder,
} from './inference/encodeBatch.js';
export {
  analyzeText,
  type AnalyzeTextOptions,
  type TextActivations,
  type TextDictionary,
  type TokenActivation,
} from './inference/analyzeText.js';
export { InferenceRefused } from './inference/errors.js';
export { InferenceDictionary } from './inference/inferenceDictionary.js';
export { InferenceModel, type ModelHook } from './inference/inferenceModel.js';
export type { Backend } from './engine/backend.js';
export { loadBackend } from './engine/backendRegistry.js';
export { saeContentHash } from './engine/sae/contentHash.js';
export { loadExternalSae, type ExternalSae } from './engine/sae/loadExternalSae.js';
export { encodeSaelens, writeSaelens, writeSaelensTranscoder, type SaelensSae } from './engine/sae/saelensFormat.js';
export { trainOnArray } from './engine/trainRun.js';
export { trainedWeights } from './engine/train.js';
export { dictionaryByContent, relocateDictionary, type ContentState } from './store/dictionaryByContent.js';
export { streamActivations, type ActivationBatch } from './inference/streamActivations.js';
export { hookWidth, parseHook } from './transformer/hooks.js';
export { BUILTIN_4L_MODEL_DIR } from './transformer/builtinModel.js';
export {
  disposeModel,
  loadModel,
  modelDir,
  modelWindows,
  type LoadedModel,
  type ModelWindows,
} from './transformer/modelFolder.js';
export { AtlasError as WorkerError } from './errors.js';
export { WorkerEnv } from './config.js';

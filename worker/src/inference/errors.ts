// The errors the inference core throws, for callers that tell them apart with `instanceof` (the api turns them
// into client errors). This file imports no model code, so the api can load it without starting TF.js.
import { AtlasError } from '../errors.js';

export { AtlasError };

/**
 * Input the loaded model and dictionaries cannot run (a text too long, a dictionary of another width or hook):
 * the message is written for whoever sent the input.
 */
export class InferenceRefused extends AtlasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ARGUMENT_INVALID', message, options);
    this.name = 'InferenceRefused';
  }
}

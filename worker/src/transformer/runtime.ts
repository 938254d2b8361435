// TensorFlow.js set-up shared by the transformer code: the wasm backend (XNNPACK kernels, ~20x the
// pure-JS cpu backend on this machine) with the full @tensorflow/tfjs import, because in Node the
// gradient functions are registered only when tfjs-layers (part of the full package) is loaded.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { AtlasError } from '../errors.js';

let ready: Promise<typeof tf> | null = null;

/** Initialise TF.js once on the wasm backend (falls back to cpu only when wasm cannot start). */
export function initTfjs(): Promise<typeof tf> {
  ready ??= (async () => {
    tf.env().set('IS_NODE', true);
    const ok = await tf.setBackend('wasm').catch(() => false);
    if (!ok && !(await tf.setBackend('cpu')))
      throw new AtlasError('BACKEND_UNAVAILABLE', 'TensorFlow.js could start neither the wasm nor the cpu backend; reinstall @tensorflow/tfjs-backend-wasm');
    await tf.ready();
    return tf;
  })();
  return ready;
}

export { tf };

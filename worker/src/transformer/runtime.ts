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
    // Emscripten's Node glue adds process handlers that rethrow any uncaught error from inside the
    // 100 kB minified wasm loader line, burying the real message; keep the process's own handlers.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    const ok = await tf.setBackend('wasm').catch(() => false);
    for (const l of process.listeners('uncaughtException'))
      if (!before.uncaughtException.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!before.unhandledRejection.includes(l)) process.removeListener('unhandledRejection', l);
    if (!ok && !(await tf.setBackend('cpu')))
      throw new AtlasError(
        'BACKEND_UNAVAILABLE',
        'TensorFlow.js could start neither the wasm nor the cpu backend; reinstall @tensorflow/tfjs-backend-wasm',
      );
    await tf.ready();
    return tf;
  })();
  return ready;
}

export { tf };

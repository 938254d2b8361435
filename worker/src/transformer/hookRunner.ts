// The runner of a loaded model: onnxruntime (onnxForward.ts) when onnxruntime-node loads here, else TF.js
// (tfjsHookRunner.ts). Both implement HookRunner (hookRunnerTypes.ts); this file only chooses, once per model.
import { cpus } from 'node:os';
import { AtlasError } from '../errors.js';
import type { HookRunner } from './hookRunnerTypes.js';
import type { LoadedModel } from './modelFolder.js';
import { OnnxForward } from './onnxForward.js';
import { tfjsHookRunner } from './tfjsHookRunner.js';

const runners = new WeakMap<LoadedModel, Promise<HookRunner>>();

/**
 * The model's runner: onnxruntime on every core when onnxruntime-node loads here, else TF.js (GPT-2 only: other
 * families get BACKEND_UNAVAILABLE). One per model.
 */
export function hookRunner(model: LoadedModel): Promise<HookRunner> {
  let r = runners.get(model);
  if (!r) {
    r = (async () => {
      try {
        const ort = await import('onnxruntime-node');
        return new OnnxForward(ort, model, Math.max(1, cpus().length));
      } catch (err) {
        if (model.config.family !== 'gpt2')
          throw new AtlasError(
            'BACKEND_UNAVAILABLE',
            `${model.name}: ${model.config.family} models run on onnxruntime only, and onnxruntime-node did not load here (${(err as Error).message}); reinstall onnxruntime-node`,
            { cause: err },
          );
        return tfjsHookRunner(model);
      }
    })();
    runners.set(model, r);
  }
  return r;
}

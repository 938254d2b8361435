// The runner of a loaded model: onnxruntime (onnxForward.ts) when onnxruntime-node loads here, else TF.js
// (tfjsHookRunner.ts). Both implement HookRunner (hookRunnerTypes.ts); this file only chooses, once per model.
import { cpus } from 'node:os';
import type { HookRunner } from './hookRunnerTypes.js';
import type { LoadedModel } from './modelFolder.js';
import { OnnxForward } from './onnxForward.js';
import { tfjsHookRunner } from './tfjsHookRunner.js';

const runners = new WeakMap<LoadedModel, Promise<HookRunner>>();

/** The model's runner: onnxruntime on every core when onnxruntime-node loads here, else TF.js. One per model. */
export function hookRunner(model: LoadedModel): Promise<HookRunner> {
  let r = runners.get(model);
  if (!r) {
    r = (async () => {
      try {
        const ort = await import('onnxruntime-node');
        return new OnnxForward(ort, model, Math.max(1, cpus().length));
      } catch {
        return tfjsHookRunner(model);
      }
    })();
    runners.set(model, r);
  }
  return r;
}

// The registry of backends by name and the `auto` choice among them. Kept apart from backend.ts because each backend
// file imports the interface: a registry beside it would close an import circle through every backend.
import { AtlasError } from '../errors.js';
import type { Backend, BackendName, BackendOptions } from './backend.js';

/** The registry: a new backend is one file in ./kernels plus one line here. */
export const backends: Record<BackendName, (opts: BackendOptions) => Promise<Backend>> = {
  reference: () => import('./kernels/reference.js').then((m) => m.createBackend()),
  cpu: (opts) => import('./kernels/cpu/index.js').then((m) => m.createBackend(opts)),
  tfjs: (opts) => import('./kernels/tfjs.js').then((m) => m.createBackend(opts)),
};

export const backendNames = Object.keys(backends) as BackendName[];

/**
 * The backend named, or the fastest that loads: tfjs first when an accelerated TensorFlow.js is installed
 * (tfjs-node-gpu, tfjs-node, or tfjs-backend-webgpu with the webgpu package and a GPU adapter), since its wasm
 * fallback is slower than `cpu`; then `cpu`; then `reference`.
 */
export async function loadBackend(name: BackendName | 'auto', opts: BackendOptions = {}): Promise<Backend> {
  if (name !== 'auto') {
    if (!(name in backends))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `--backend ${name} is unknown; use one of auto, ${backendNames.join(', ')}.`,
      );
    return backends[name](opts);
  }
  const order: BackendName[] = (await import('./kernels/tfjs.js')).hasAcceleratedTfjs()
    ? ['tfjs', 'cpu', 'reference']
    : ['cpu', 'reference'];
  let last: unknown;
  for (const candidate of order) {
    try {
      return await backends[candidate]({ ...opts, acceleratedOnly: true });
    } catch (err) {
      last = err;
    }
  }
  throw new AtlasError('BACKEND_UNAVAILABLE', `no backend loaded (${(last as Error)?.message})`, { cause: last });
}

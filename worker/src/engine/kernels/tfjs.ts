// TensorFlow.js for the dense encoder, with the CPU backend's SIMD kernels for the sparse parts. Optional: the
// tfjs packages are not dependencies (tfjs-node downloads libtensorflow at install, which these machines cannot),
// so they load at run time when a user has installed one. Preference: tfjs-node-gpu (CUDA), tfjs-node, WebGPU
// (tfjs-backend-webgpu over the `webgpu` package, when it finds an adapter), then tfjs-backend-wasm (portable,
// one thread, ~43 GFLOPS here: slower than `cpu`, so never chosen automatically).
import { createRequire } from 'node:module';
import { AtlasError } from '../../errors.js';
import type { Backend, BackendOptions } from '../backend.js';
import { availableParallelism } from 'node:os';
import { createSimdBackend, createSimdPool } from './cpu/index.js';
import type { DenseKernels } from './cpu/matmul.js';

const require = createRequire(import.meta.url);
const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const WEBGPU = ['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-core', 'webgpu'];

/** Whether a native (libtensorflow) tfjs or the WebGPU packages are installed (an adapter is checked at load). */
export function hasAcceleratedTfjs(): boolean {
  return NATIVE.some(resolvable) || WEBGPU.every(resolvable);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = any;

/**
 * tfjs on WebGPU through Dawn (the `webgpu` package), or null when no GPU adapter is found. `release` drops the
 * GPU (Node does not exit while Dawn is referenced) and restores the global navigator.
 */
async function loadWebGpuTf(): Promise<{ tf: Tf; release: () => void } | null> {
  const { create, globals } = await import('webgpu' as string);
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (!(await gpu.requestAdapter())) return null;
  // tfjs-backend-webgpu looks for navigator.gpu; Node 21+ defines navigator as a getter, hence defineProperty.
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const release = () => {
    if (previous) Object.defineProperty(globalThis, 'navigator', previous);
    else delete (globalThis as { navigator?: unknown }).navigator;
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const tf = await import('@tensorflow/tfjs-core' as string);
  await import('@tensorflow/tfjs-backend-webgpu' as string);
  if (!(await tf.setBackend('webgpu'))) {
    release();
    return null;
  }
  await tf.ready();
  return { tf, release };
}

async function loadTf(acceleratedOnly: boolean): Promise<{ tf: Tf; flavour: string; release?: () => void }> {
  for (const pkg of NATIVE) if (resolvable(pkg)) return { tf: await import(pkg), flavour: pkg };
  if (WEBGPU.every(resolvable)) {
    const webgpu = await loadWebGpuTf();
    if (webgpu) return { ...webgpu, flavour: '@tensorflow/tfjs-backend-webgpu' };
  }
  if (acceleratedOnly)
    throw new AtlasError(
      'BACKEND_UNAVAILABLE',
      'tfjs backend: no GPU or native TensorFlow.js loaded (tfjs-node-gpu, tfjs-node, or WebGPU with an adapter)',
    );
  if (resolvable('@tensorflow/tfjs-backend-wasm') && resolvable('@tensorflow/tfjs-core')) {
    const tf = await import('@tensorflow/tfjs-core' as string);
    await import('@tensorflow/tfjs-backend-wasm' as string);
    await tf.setBackend('wasm');
    await tf.ready();
    return { tf, flavour: '@tensorflow/tfjs-backend-wasm' };
  }
  throw new AtlasError(
    'BACKEND_UNAVAILABLE',
    'tfjs backend: no TensorFlow.js is installed; npm install -w worker @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node, or @tensorflow/tfjs-backend-webgpu and webgpu, or use --backend cpu',
  );
}

/** The tfjs backend (dense ops on tfjs, sparse ops in WebAssembly SIMD). */
export async function createBackend(opts: BackendOptions = {}): Promise<Backend> {
  const { tf, flavour, release } = await loadTf(opts.acceleratedOnly ?? false);
  const { arena, pool } = createSimdPool(opts.threads ?? availableParallelism());
  // tfjs copies typed arrays into its own tensors; with helper threads the arena is a SharedArrayBuffer, which
  // native bindings may refuse, so hand it a private copy.
  const own = (a: Float32Array): Float32Array => (a.buffer instanceof SharedArrayBuffer ? Float32Array.from(a) : a);
  const dense: DenseKernels = {
    async matmulT(a, bT, bias, m, kd, n) {
      return tf.tidy(() => {
        let y = tf.matMul(tf.tensor2d(own(a), [m, kd]), tf.tensor2d(own(bT), [n, kd]), false, true);
        if (bias) y = tf.add(y, tf.tensor1d(own(bias)));
        return y.dataSync() as Float32Array;
      });
    },
    async matmul(a, b, transA, m, kd, n) {
      return tf.tidy(
        () =>
          tf
            .matMul(tf.tensor2d(own(a), transA ? [kd, m] : [m, kd]), tf.tensor2d(own(b), [kd, n]), transA, false)
            .dataSync() as Float32Array,
      );
    },
    async encodeTopK(x, wT, bias, m, kd, n, k) {
      const [v, i] = tf.tidy(() => {
        // Functional ops only: tfjs-core without the chained-op registrations has no tensor.add().
        const pre = tf.add(
          tf.matMul(tf.tensor2d(own(x), [m, kd]), tf.tensor2d(own(wT), [n, kd]), false, true),
          tf.tensor1d(own(bias)),
        );
        const { values, indices } = tf.topk(pre, k, false);
        return [tf.relu(values).dataSync(), indices.dataSync()];
      });
      return { n: m, width: k, values: Float32Array.from(v), indices: Int32Array.from(i) };
    },
    dispose() {
      release?.();
    },
  };
  return createSimdBackend(
    'tfjs',
    `tfjs (${flavour} ${tf.version_core ?? ''} on ${tf.getBackend()}; WebAssembly SIMD sparse kernels)`,
    arena,
    pool,
    dense,
  );
}

// A graph whose weights go to an external-data file (what models past protobuf's 2 GB need) computes what the same
// graph held in memory computes, and its temporary folder is gone after dispose.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { modelSource, ONNX_FLOAT, onnxSessionOptions } from './onnxModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-onnx-model-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('external initializers: same result as in memory; the folder holds model.onnx and weights.bin until dispose', async () => {
  const [k, n] = [128, 160]; // 80 KB of weights: above the 64 KB from which an initializer goes external
  const w = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i));
  const bias = Float32Array.from({ length: n }, (_, i) => i / n);
  const graph = {
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'bias'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', elemType: ONNX_FLOAT, dims: [2, k] }],
    outputs: [{ name: 'y', elemType: ONNX_FLOAT, dims: [2, n] }],
    initializers: [
      { name: 'w', dims: [k, n], values: w },
      { name: 'bias', dims: [n], values: bias },
    ],
  };
  const x = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 2 * k }, (_, i) => Math.cos(i)),
    [2, k],
  );
  const inMemory = modelSource(graph);
  assert.ok(inMemory.source instanceof Uint8Array);
  const external = modelSource(graph, { limit: 0, tmpDir: scratch });
  assert.equal(typeof external.source, 'string');
  const path = external.source as string;
  assert.deepEqual(readdirSync(dirname(path)).sort(), ['model.onnx', 'weights.bin']);
  assert.ok(statSync(path).size < 4096, 'the weights are not in the protobuf');
  const a = await ort.InferenceSession.create(inMemory.source as Uint8Array, onnxSessionOptions(1));
  const b = await ort.InferenceSession.create(path, onnxSessionOptions(1));
  external.dispose();
  assert.equal(existsSync(dirname(path)), false);
  const ya = (await a.run({ x })).y.data as Float32Array;
  const yb = (await b.run({ x })).y.data as Float32Array;
  assert.deepEqual(yb, ya);
  // And against plain loops, so the two cannot agree on something wrong.
  for (const [r, c] of [
    [0, 0],
    [1, 77],
    [1, n - 1],
  ]) {
    let s = bias[c];
    for (let i = 0; i < k; i++) s += (x.data as Float32Array)[r * k + i] * w[i * n + c];
    assert.ok(Math.abs(yb[r * n + c] - s) < 1e-4 * (1 + Math.abs(s)), `y[${r}, ${c}] ${yb[r * n + c]} vs ${s}`);
  }
  await a.release();
  await b.release();
});

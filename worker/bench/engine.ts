// `npm run bench:engine`: the engine's figures on this machine, with the PyTorch peer in the same run when
// python3-torch is installed, and the encoder against a plain onnxruntime graph of the same size (plainGraph.ts)
// (machines are shared, so only a side-by-side ratio means much).
// Not a test: it prints, it does not assert.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { memorySource } from '../src/engine/activationSource.js';
import { ActivationStore, estimateNormScale, sampleRows } from '../src/engine/activationStore.js';
import type { Backend, BackendName } from '../src/engine/backend.js';
import { loadBackend } from '../src/engine/backendRegistry.js';
import { mmcs } from '../src/engine/metrics.js';
import { plainGraphMs } from './plainGraph.js';
import { Rng } from '../src/engine/rng.js';
import { syntheticArray } from '../src/engine/syntheticSet.js';
import { resolveTrainConfig, Trainer, type StepStats } from '../src/engine/train.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const backendName = (args.get('backend') ?? 'auto') as BackendName | 'auto';
const quick = args.has('quick');
const PEER = args.get('peer') ?? '/work/shared/peers/torch_topk_sae.py';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** Rows that are sparse sums of random unit directions (like the peer's data), [rows, d]. */
function superposed(rows: number, d: number, k: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const nDirs = 8192;
  const dirs = new Float32Array(nDirs * d);
  for (let i = 0; i < nDirs; i++) {
    const v = rng.normals(d);
    const inv = 1 / Math.hypot(...v);
    for (let p = 0; p < d; p++) dirs[i * d + p] = v[p] * inv;
  }
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < k; j++) {
      const f = rng.int(nDirs) * d;
      const c = rng.next();
      for (let p = 0; p < d; p++) out[r * d + p] += c * dirs[f + p];
    }
  return out;
}

function trainer(
  backend: Backend,
  data: Float32Array,
  rows: number,
  d: number,
  cfgIn: Parameters<typeof resolveTrainConfig>[0],
): Trainer {
  const source = memorySource(data, rows, d);
  const cfg = resolveTrainConfig(cfgIn, d);
  const scale = estimateNormScale(source);
  const store = new ActivationStore(source, {
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    scale,
    bufferRows: Math.min(rows, 4 * cfg.batchSize),
  });
  const s = sampleRows(source, 2048);
  for (let i = 0; i < s.rows.length; i++) s.rows[i] *= scale;
  return Trainer.create(backend, store, cfg, { medianSample: s.rows, medianRows: s.n });
}

/** Mean tokens/s and phase split over `steps` steps after `warmup`. */
async function throughput(
  backend: Backend,
  d: number,
  dSae: number,
  k: number,
  batch: number,
  warmup: number,
  steps: number,
  data: Float32Array,
  rows: number,
) {
  // Dead window of 10M tokens (Gao et al.): AuxK only runs for latents that are really dead, as in a long run.
  const t = trainer(backend, data, rows, d, {
    arch: 'topk',
    dSae,
    archOptions: { k },
    batchSize: batch,
    tokens: batch * (warmup + steps + 10),
    seed: 0,
    lr: 1e-4,
    deadWindowTokens: 10_000_000,
  });
  for (let i = 0; i < warmup; i++) await t.runStep();
  const stats: StepStats[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) stats.push(await t.runStep());
  const secs = (performance.now() - t0) / 1000;
  const avg = (f: (s: StepStats) => number) => stats.reduce((a, s) => a + f(s), 0) / stats.length;
  return {
    tokPerS: (steps * batch) / secs,
    stepMs: (secs * 1000) / steps,
    encoderMs: avg((s) => s.ms.encoder),
    sparseMs: avg((s) => s.ms.sparse),
    optimiserMs: avg((s) => s.ms.optimiser),
    otherMs: avg((s) => s.ms.other),
  };
}

function peer(): { tokPerS: number; line: string } | string {
  if (!existsSync(PEER)) return `skipped (no ${PEER})`;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return 'skipped (python3-torch not installed: apt-get install -y python3-torch libopenblas0-pthread)';
  // The environment's OpenBLAS overrides force an older kernel; the peer runs at its best without them.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(
    '/usr/bin/python3',
    [PEER, '512', '8192', '32', '4096', quick ? '3' : '5', String(Math.min(2, availableParallelism()))],
    { encoding: 'utf8', env, timeout: 300_000 },
  );
  const m = /([\d.]+) tokens\/s/.exec(r.stdout);
  if (!m) return `failed (${(r.stderr || r.stdout).trim().split('\n').pop()})`;
  return { tokPerS: Number(m[1]), line: r.stdout.trim() };
}

const backend = await loadBackend(backendName);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${mb(totalmem())} RAM, Node ${process.versions.node}`,
);
console.log(`backend: ${backend.description}`);
console.log('GPU: none on this machine (see README: Engine performance)');

// Reference config (issue 4): d_in=512, 8192 latents, TopK k=32, batch 4096, float32.
const d = 512;
const rows = 4096 * 4;
const data = superposed(rows, d, 32, 1);
const ref = await throughput(backend, d, 8192, 32, 4096, 2, quick ? 3 : 8, data, rows);
const gflops = (2 * 4096 * d * 8192) / (ref.encoderMs / 1000) / 1e9;
console.log(`engine: ${Math.round(ref.tokPerS)} tok/s  (d_in=512, 8192 latents, k=32, batch 4096; bar 15000)`);
console.log(`encoder: ${gflops.toFixed(0)} GFLOPS (Gemm+TopK ${ref.encoderMs.toFixed(0)} ms/step)`);
const refRss = peakRss(); // before the plain graph below, whose own buffers would count
// The yardstick, in the same run: one plain onnxruntime graph MatMul + Add + Relu + TopK(32) over the whole batch.
const plainMs = await plainGraphMs(4096, d, 8192, 32, quick ? 3 : 5);
console.log(
  `encoder vs plain graph: ${(ref.encoderMs / plainMs).toFixed(2)}x (goal <= 1.2x; plain onnxruntime MatMul+Add+Relu+TopK(32) ` +
    `over 4096x512x8192: ${plainMs.toFixed(0)} ms, ${((2 * 4096 * d * 8192) / (plainMs / 1000) / 1e9).toFixed(0)} GFLOPS)`,
);
console.log(
  `step: ${ref.stepMs.toFixed(0)} ms = encoder ${ref.encoderMs.toFixed(0)} + sparse ${ref.sparseMs.toFixed(0)} + optimiser ${ref.optimiserMs.toFixed(0)} + batch/metrics ${ref.otherMs.toFixed(0)}`,
);
console.log(`peak RSS: ${mb(refRss)} (reference config)`);

const p = peer();
if (typeof p === 'string') console.log(`peer (PyTorch TopK SAE, same config): ${p}`);
else console.log(`peer: ${p.line}\nratio: engine/peer = ${(ref.tokPerS / p.tokPerS).toFixed(1)}x`);

for (const dSae of quick ? [4096, 16384] : [4096, 16384, 65536]) {
  const s = await throughput(backend, d, dSae, 32, 4096, 1, dSae >= 65536 ? 2 : 3, data, rows);
  console.log(
    `scaling: ${dSae} latents: ${Math.round(s.tokPerS)} tok/s (encoder ${s.encoderMs.toFixed(0)} / sparse ${s.sparseMs.toFixed(0)} / optimiser ${s.optimiserMs.toFixed(0)} ms)`,
  );
}
console.log(`peak RSS: ${mb(peakRss())} (after scaling)`);

// Ground truth: d=64, 512 features, L0 5, 200k samples -> TopK with 512 latents; goal MMCS >= 0.97 within 60 s.
{
  const F = 512;
  const t0 = performance.now();
  const { data: synth, features } = syntheticArray({ d: 64, features: F, l0: 5, samples: 200_000, seed: 0 });
  const genS = (performance.now() - t0) / 1000;
  const t = trainer(backend, synth, 200_000, 64, {
    arch: 'topk',
    dSae: F,
    archOptions: { k: 5 },
    batchSize: 1024,
    tokens: 200_000 * 12,
    lr: 0.01,
    seed: 0,
  });
  const start = performance.now();
  let reached: { secs: number; step: number } | null = null;
  let score = 0;
  while (!t.done && (performance.now() - start) / 1000 < 60) {
    await t.runStep();
    if (t.step % 100 === 0 || t.done) {
      score = mmcs(features, F, t.params.wDec, F, 64);
      if (!reached && score >= 0.97) reached = { secs: (performance.now() - start) / 1000, step: t.step };
    }
  }
  score = mmcs(features, F, t.params.wDec, F, 64);
  const secs = (performance.now() - start) / 1000;
  console.log(
    `ground truth: MMCS ${score.toFixed(4)} after ${secs.toFixed(1)} s, ${t.step} steps (data generated in ${genS.toFixed(1)} s); ` +
      (reached
        ? `MMCS >= 0.97 at ${reached.secs.toFixed(1)} s (step ${reached.step})`
        : 'MMCS 0.97 not reached within 60 s'),
  );
}
backend.dispose();

if (!args.has('no-out-of-core')) {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, new URL('./outOfCore.ts', import.meta.url).pathname, backendName],
    { encoding: 'utf8', timeout: 900_000 },
  );
  console.log(
    r.status === 0 ? r.stdout.trim() : `out-of-core: failed (${(r.stderr || r.stdout).trim().split('\n').pop()})`,
  );
}

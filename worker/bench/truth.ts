// `npm run bench:truth`: does `worker train` recover the ground truth with its DEFAULT schedule on synthetic sets
// of many shapes, and how does that compare with the plain PyTorch peer on the same set in the same run?
// Each point writes a set with the synth command's code, trains as `worker train --acts ... --arch topk --latents L
// --k K` would (no other flag), and scores the decoder against the true features. Not a test: it prints.
// Flags: --quick (a few points), --d= / --features= / --l0= (only those grid points), --arch=NAME (topk, batchtopk,
// relu, jumprelu; the peer is TopK, so it runs for topk only), --peer-steps=N (default 6000, the peer's own
// schedule), --no-peer, --keep.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mmcs } from '../src/engine/metrics.js';
import { writeSyntheticSet } from '../src/engine/syntheticSet.js';
import { runTraining } from '../src/engine/trainRun.js';
import { readNpy } from '../src/formats/npy.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const quick = args.has('quick');
const PEER = args.get('peer') ?? '/work/shared/peers/torch_topk_truth.py';
const peerSteps = Number(args.get('peer-steps') ?? 6000);
const arch = args.get('arch') ?? 'topk';
/** Only TopK and BatchTopK take k; ReLU and JumpReLU reach their sparsity through their default penalties. */
const takesK = arch === 'topk' || arch === 'batchtopk';

interface GridPoint {
  d: number;
  features: number;
  l0: number;
  samples: number;
}

/** `--d=64,128` / `--features=512` / `--l0=4` keep the grid's points with those values (one row of it at a time). */
function kept(p: GridPoint): boolean {
  return (['d', 'features', 'l0'] as const).every((key) => {
    const only = args.get(key);
    return only === undefined || only.split(',').map(Number).includes(p[key]);
  });
}

/** The grid: d x true features x L0, with more samples for more features (200k..1M). */
function grid(): GridPoint[] {
  if (quick)
    return [
      { d: 64, features: 512, l0: 4, samples: 200_000 },
      { d: 128, features: 1024, l0: 8, samples: 300_000 },
      { d: 256, features: 1024, l0: 16, samples: 300_000 },
    ];
  const points: GridPoint[] = [];
  for (const d of [64, 128, 256])
    for (const features of [512, 1024, 4096])
      for (const l0 of [4, 8, 16])
        points.push({ d, features, l0, samples: features === 512 ? 200_000 : features === 1024 ? 500_000 : 1_000_000 });
  return points;
}

function peer(acts: string, truth: string, latents: number, k: number): { mmcs: number; secs: number } | string {
  if (args.has('no-peer')) return 'skipped (--no-peer)';
  if (arch !== 'topk') return `skipped (the peer is TopK, this is ${arch})`;
  if (!existsSync(PEER)) return `skipped (no ${PEER})`;
  // The environment's OpenBLAS overrides force an older kernel; the peer runs at its best without them.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(
    '/usr/bin/python3',
    [PEER, acts, truth, String(latents), String(k), String(peerSteps), String(Math.min(2, availableParallelism()))],
    { encoding: 'utf8', env, timeout: 1_800_000 },
  );
  const m = /time=([\d.]+)s MMCS=([\d.]+)/.exec(r.stdout);
  if (!m) return `failed (${(r.stderr || r.stdout || 'no output').trim().split('\n').pop()})`;
  return { secs: Number(m[1]), mmcs: Number(m[2]) };
}

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.versions.node}`,
);
console.log(`peer: ${PEER}, ${peerSteps} steps of 1024 (its own schedule)`);
console.log(`engine: worker train --arch ${arch} --latents L${takesK ? ' --k K' : ''}, default schedule`);
console.log(
  'd    | true | L0 | samples | MMCS   | FVU    | L0     | dead  | time    | steps  | lr cut | decay  | peer MMCS | peer time',
);
const work = mkdtempSync(join(tmpdir(), 'atlas-truth-'));
try {
  for (const p of grid().filter(kept)) {
    const set = join(work, `d${p.d}-f${p.features}-l${p.l0}`);
    writeSyntheticSet(set, { d: p.d, features: p.features, l0: p.l0, samples: p.samples, seed: 0 });
    const k = Math.max(1, Math.round(p.l0));
    const t0 = performance.now();
    // Exactly the CLI's defaults: only --acts --arch --latents --k (and its default checkpoint interval).
    const run = await runTraining({
      acts: join(set, 'acts.npy'),
      out: join(set, 'sae'),
      backend: 'auto',
      checkpointEvery: 500,
      resume: false,
      config: { arch, dSae: p.features, archOptions: takesK ? { k } : {} },
    });
    const secs = (performance.now() - t0) / 1000;
    const truth = readNpy(join(set, 'true_features.npy'));
    const score = mmcs(truth.data, p.features, run.sae!.wDec, p.features, p.d);
    const final = run.summary.final as { fvu: number; l0: number } | null;
    const dead = run.summary.deadFraction as number;
    const q = peer(join(set, 'acts.npy'), join(set, 'true_features.npy'), p.features, k);
    const peerCols = typeof q === 'string' ? q : `${q.mmcs.toFixed(4)}    | ${q.secs.toFixed(1)} s`;
    const cut = run.trainer.plateau?.cutSteps[0];
    const decay = run.trainer.finalDecay?.start;
    console.log(
      `${String(p.d).padEnd(4)} | ${String(p.features).padEnd(4)} | ${String(p.l0).padEnd(2)} | ${String(p.samples).padEnd(7)} | ` +
        `${score.toFixed(4)} | ${(final?.fvu ?? NaN).toFixed(4)} | ${(final?.l0 ?? NaN).toFixed(2).padStart(6)} | ` +
        `${(100 * dead).toFixed(1).padStart(4)}% | ${secs.toFixed(1).padStart(5)} s | ${String(run.trainer.step).padEnd(6)} | ` +
        `${String(cut ?? '-').padEnd(6)} | ${String(decay ?? 'cap').padEnd(6)} | ${peerCols}`,
    );
    if (!args.has('keep')) rmSync(set, { recursive: true, force: true });
  }
} finally {
  if (!args.has('keep')) rmSync(work, { recursive: true, force: true });
}

// Out-of-core check, run by engine.ts in its own process so its peak RSS is its own: write ~2 GiB of float32
// activation shards (d_in=512) with a manifest, train one pass over them through the same path as the CLI,
// and print the peak RSS, which should stay far below the corpus size (the bar: under 1 GiB).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpyWriter } from '../src/formats/npy.js';
import { Rng } from '../src/engine/rng.js';
import { runTraining } from '../src/engine/trainRun.js';

const d = 512;
const shards = 8;
const rowsPerShard = 131_072; // 8 × 131072 × 512 × 4 B = 2 GiB
const dir = mkdtempSync(join(tmpdir(), 'atlas-ooc-'));
try {
  const acts = join(dir, 'acts');
  mkdirSync(acts);
  const rng = new Rng(7);
  const dirs = rng.normals(4096 * d, 1 / Math.sqrt(d));
  const block = new Float32Array(4096 * d);
  const t0 = performance.now();
  for (let s = 0; s < shards; s++) {
    const w = new NpyWriter(join(acts, `shard${s}.npy`), 'float32', [d]);
    for (let r = 0; r < rowsPerShard; r += 4096) {
      block.fill(0);
      for (let t = 0; t < 4096; t++)
        for (let j = 0; j < 8; j++) {
          const f = rng.int(4096) * d;
          const c = rng.next();
          for (let p = 0; p < d; p++) block[t * d + p] += c * dirs[f + p];
        }
      w.append(block);
    }
    w.finish();
  }
  writeFileSync(
    join(acts, 'manifest.json'),
    JSON.stringify({
      format: 'atlas-activations/1',
      dIn: d,
      dtype: 'float32',
      totalRows: shards * rowsPerShard,
      shards: Array.from({ length: shards }, (_, s) => ({ acts: `shard${s}.npy`, rows: rowsPerShard })),
    }),
  );
  const writeS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await runTraining({
    acts,
    out: join(dir, 'sae'),
    backend: (process.argv[2] ?? 'auto') as 'auto',
    checkpointEvery: 0,
    resume: false,
    config: { arch: 'topk', dSae: 1024, archOptions: { k: 32 }, batchSize: 4096, epochs: 1, seed: 0 },
  });
  const secs = (performance.now() - t1) / 1000;
  const gib = (shards * rowsPerShard * d * 4) / 2 ** 30;
  const rss = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  console.log(
    `out-of-core: ${gib.toFixed(1)} GiB of shards (written in ${writeS.toFixed(0)} s), one pass with 1024 latents in ${secs.toFixed(0)} s, peak RSS ${rss.toFixed(0)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

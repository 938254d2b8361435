// `npm run bench:import-np [-- --features 100000 --activations 20 --tokens 64]`: import rate of a generated
// Neuronpedia export (features, activations, explanations as gzipped JSON lines in batches of 1,024, written the
// way Neuronpedia's exporter lays them out: features in text order of their index) into the database the tests use
// (a fresh embedded PGlite, or TEST_DATABASE_URL). Prints the machine, the generation time, records/s of the whole
// import (split pass + ingest + explanations) and the peak RSS sampled every 50 ms.
import { mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openTestDatabase } from '@atlas/migrations/testing';
import { importNeuronpedia } from '../src/archive/importNeuronpedia.js';
import { NP_BATCH_SIZE } from '../src/archive/neuronpediaFormat.js';
import { GzipJsonLinesWriter } from '../src/formats/jsonLines.js';
import { machineLine } from './machine.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: '100000' },
    activations: { type: 'string', default: '20' },
    tokens: { type: 'string', default: '64' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.features);
const A = Number(values.activations);
const T = Number(values.tokens);

let seed = 11;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const WORDS = [' the', ' of', ' and', ' to', ' a', ' in', ' "', ',', ' was', '\u0120he', "'s", ' café', '日本', '😀'];
const key = (i: number) => ({ modelId: 'gpt2-small', layer: '6-res-bench', index: String(i) });

async function generate(folder: string): Promise<void> {
  for (const dir of ['features', 'activations', 'explanations']) mkdirSync(join(folder, dir), { recursive: true });
  for (let b = 0; b * NP_BATCH_SIZE < N; b++) {
    // Text order inside a batch, as Neuronpedia's ORDER BY on its String index column leaves it.
    const indices = Array.from(
      { length: Math.min(NP_BATCH_SIZE, N - b * NP_BATCH_SIZE) },
      (_, i) => b * NP_BATCH_SIZE + i,
    )
      .map(String)
      .sort()
      .map(Number);
    const features = new GzipJsonLinesWriter(join(folder, 'features', `batch-${b}.jsonl.gz`));
    const activations = new GzipJsonLinesWriter(join(folder, 'activations', `batch-${b}.jsonl.gz`));
    const explanations = new GzipJsonLinesWriter(join(folder, 'explanations', `batch-${b}.jsonl.gz`));
    for (const i of indices) {
      await features.write({
        ...key(i),
        maxActApprox: 5 + rand() * 5,
        frac_nonzero: rand() * 0.01,
        freq_hist_data_bar_heights: Array.from({ length: 20 }, () => Math.floor(rand() * 100)),
        freq_hist_data_bar_values: Array.from({ length: 20 }, (_, j) => 0.25 + j * 0.5),
        logits_hist_data_bar_heights: Array.from({ length: 20 }, () => Math.floor(rand() * 100)),
        logits_hist_data_bar_values: Array.from({ length: 20 }, (_, j) => -1 + j * 0.1),
        pos_str: WORDS.slice(0, 10),
        pos_values: Array.from({ length: 10 }, (_, j) => 2 - j / 10),
        neg_str: WORDS.slice(4),
        neg_values: Array.from({ length: 10 }, (_, j) => -2 + j / 10),
        topkCosSimIndices: [(i + 1) % N, (i + 2) % N],
        topkCosSimValues: [0.5, 0.25],
        vector: [],
        hasVector: false,
      });
      for (let a = 0; a < A; a++) {
        const vals = Array.from({ length: T }, () => (rand() < 0.8 ? 0 : Math.round(rand() * 800) / 100));
        const max = Math.max(...vals);
        await activations.write({
          ...key(i),
          id: `a${i}-${a}`,
          tokens: Array.from({ length: T }, () => WORDS[Math.floor(rand() * WORDS.length)]),
          values: vals,
          maxValue: max,
          maxValueTokenIndex: vals.indexOf(max),
          minValue: 0,
          dataIndex: String(i * A + a),
          binMin: a < A / 2 ? -1 : Math.floor(a / 4) / 10,
          binMax: a < A / 2 ? -1 : Math.floor(a / 4) / 10 + 0.1,
          binContains: a < A / 2 ? -1 : 0.1,
        });
      }
      await explanations.write({
        ...key(i),
        authorId: 'bench',
        description: `feature ${i}`,
        typeName: 'oai_token-act-pair',
      });
    }
    await Promise.all([features.close(), activations.close(), explanations.close()]);
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    total += e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return total;
}

console.log(machineLine());
const root = join(tmpdir(), `atlas-bench-np-${N}x${A}x${T}`);
rmSync(root, { recursive: true, force: true });
const folder = join(root, 'gpt2-small', '6-res-bench');
let t = performance.now();
await generate(folder);
console.log(
  `generated ${N.toLocaleString('en-US')} features × ${A} activations × ${T} tokens in ${((performance.now() - t) / 1000).toFixed(1)} s: ${(folderBytes(folder) / 2 ** 20).toFixed(1)} MiB gzipped in ${folder}`,
);

const db = await openTestDatabase();
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
try {
  t = performance.now();
  let readDone = 0;
  const s = await importNeuronpedia(db, folder, {
    dIn: 768,
    weightsDir: (id) => join(root, 'weights', String(id)),
    spillDir: join(root, 'spill'),
    onProgress: (p) => {
      if (p.stage === 'ingest' && readDone === 0) readDone = performance.now();
    },
  });
  const seconds = (performance.now() - t) / 1000;
  const rows = s.features + s.examples + s.explanations;
  console.log(
    `imported ${s.features.toLocaleString('en-US')} features, ${s.examples.toLocaleString('en-US')} examples, ${s.explanations.toLocaleString('en-US')} explanations in ${seconds.toFixed(1)} s (split pass ${((readDone - t) / 1000).toFixed(1)} s): ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ${Math.round(s.examples / seconds).toLocaleString('en-US')} examples/s; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB; database ${process.env.TEST_DATABASE_URL ? 'native PostgreSQL' : 'embedded PGlite'}`,
  );
} finally {
  clearInterval(sampler);
  await db.close();
  if (!values.keep) rmSync(root, { recursive: true, force: true });
}

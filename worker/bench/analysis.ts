// `npm run bench:analysis`: analysis throughput (tokens/s through the tiny LM + a TopK dictionary + the evidence
// heaps) for a 2,048- and an 8,192-latent dictionary over Brown, the time split of the whole per-dictionary
// analysis, and ingest throughput into a fresh embedded database. Uses the demo's dictionaries when
// $ATLAS_DATA_DIR/demo has them, else builds data-initialised ones (decoder rows = the model's own activations,
// encoder = decoderᵀ: codes as sparse and as structured as a trained dictionary's, built in seconds).
// Not a test: it prints, it does not assert. Flags: --tokens=N (default 200000, what the demo analyses), --widths=2048,8192, --no-ingest.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { analyzeDictionary, type AnalysisResult } from '../src/analysis/analyzeDictionary.js';
import { loadBackend } from '../src/engine/backendRegistry.js';
import { Rng } from '../src/engine/rng.js';
import { loadExternalSae } from '../src/engine/sae/loadExternalSae.js';
import type { SaelensSae } from '../src/engine/sae/saelensFormat.js';
import { ingestDictionary } from '../src/ingest/ingestDictionary.js';
import { openCorpus } from '../src/sources/corpus.js';
import { tokenizeDocument, type TokenizedDocument } from '../src/sources/corpusCache.js';
import { streamActivations } from '../src/inference/streamActivations.js';
import { saeContentHash } from '../src/engine/sae/contentHash.js';
import { ensureDictionary } from '../src/store/dictionaryLifecycle.js';
import { loadModel, type LoadedModel } from '../src/transformer/modelFolder.js';
import { hookRunner } from '../src/transformer/hookRunner.js';
import { initTfjs } from '../src/transformer/runtime.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const tokens = Number(args.get('tokens') ?? 200000);
const widths = (args.get('widths') ?? '2048,8192').split(',').map(Number);
const withIngest = !args.has('no-ingest');
const HOOK = 'blocks.0.mlp.hook_post';
const K = 16;
const CONTEXT = 64;

const machine = () =>
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Decoder rows from the model's own activations (centred, unit norm), encoder = decoderᵀ, TopK k=16. */
async function dataInitialised(model: LoadedModel, documents: TokenizedDocument[], dSae: number): Promise<SaelensSae> {
  const rows: Float32Array[] = [];
  for await (const b of streamActivations({
    model,
    documents,
    hook: HOOK,
    contextSize: CONTEXT,
    bosId: model.tokenizer.eosId,
    batchSize: 32,
    maxRows: 8192,
  }))
    rows.push(b.acts);
  const acts = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  rows.reduce((o, r) => (acts.set(r, o), o + r.length), 0);
  const dIn = model.config.dMlp;
  const nRows = acts.length / dIn;
  const mean = new Float64Array(dIn);
  for (let r = 0; r < nRows; r++) for (let p = 0; p < dIn; p++) mean[p] += acts[r * dIn + p] / nRows;
  const rng = new Rng(7);
  const wDec = new Float32Array(dSae * dIn);
  for (let l = 0; l < dSae; l++) {
    const r = rng.int(nRows);
    const noise = rng.normals(dIn, 0.05);
    let norm = 0;
    for (let p = 0; p < dIn; p++) {
      const v = acts[r * dIn + p] - mean[p] + noise[p];
      wDec[l * dIn + p] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm || 1);
    for (let p = 0; p < dIn; p++) wDec[l * dIn + p] *= inv;
  }
  const wEnc = new Float32Array(dIn * dSae);
  for (let l = 0; l < dSae; l++) for (let p = 0; p < dIn; p++) wEnc[p * dSae + l] = wDec[l * dIn + p];
  const bDec = Float32Array.from(mean);
  return {
    architecture: 'topk',
    dIn,
    dSae,
    k: K,
    applyBDecToInput: true,
    wEnc,
    bEnc: new Float32Array(dSae),
    wDec,
    bDec,
    cfg: {},
  };
}

console.log(`bench:analysis on ${machine()}; node ${process.version}`);
await initTfjs();
const model = await loadModel('builtin');
const documents: TokenizedDocument[] = [];
let corpusTokens = 0;
for await (const doc of openCorpus('brown').documents()) {
  documents.push(tokenizeDocument(model.tokenizer, doc, documents.length));
  corpusTokens += documents.at(-1)!.tokens.length;
  if (corpusTokens >= tokens) break;
}
const backend = await loadBackend('auto');
console.log(
  `backend: ${backend.description}; model on ${(await hookRunner(model)).description}; ${tokens} Brown tokens, hook ${HOOK}, context ${CONTEXT}, k ${K}`,
);
const demoDir = process.env.ATLAS_DATA_DIR ? join(process.env.ATLAS_DATA_DIR, 'demo') : undefined;
const dataDir = withIngest ? mkdtempSync(join(tmpdir(), 'atlas-bench-analysis-')) : undefined;
const db = dataDir ? await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dataDir, ATLAS_DB_PORT: '0' })) : undefined;
try {
  for (const dSae of widths) {
    const demo = demoDir && join(demoDir, `topk-${dSae}`);
    const fromDemo = !!demo && existsSync(demo);
    const sae = fromDemo ? loadExternalSae(demo) : await dataInitialised(model, documents, dSae);
    const t0 = performance.now();
    const result: AnalysisResult = await analyzeDictionary({
      sae,
      model,
      documents,
      hook: HOOK,
      backend,
      contextSize: CONTEXT,
      prependBos: true,
      maxTokens: tokens,
    });
    const total = performance.now() - t0;
    const t = result.timings;
    const pass = t.forward + t.encode + t.evidence + t.labels;
    console.log(
      `\n${dSae} latents (${fromDemo ? `demo dictionary ${demo}` : 'data-initialised'}), ${result.tokens} tokens, ` +
        `map by ${result.mapMethod}, load ${loadavg()[0].toFixed(2)}`,
    );
    console.log(
      `  analysis: ${Math.round(result.tokens / (pass / 1000))} tokens/s through model + dictionary + heaps; ` +
        `whole per-dictionary analysis ${s(total)} (${Math.round(result.tokens / (total / 1000))} tokens/s)`,
    );
    console.log(
      `  corpus pass CPU time ${s(t.passCpu)} (all threads): ${Math.round(result.tokens / (t.passCpu / 1000))} tokens per CPU-second`,
    );
    console.log(
      `  split: ${Object.entries(t)
        .map(([phase, ms]) => `${phase} ${s(ms)}`)
        .join(', ')}`,
    );
    if (!db) continue;
    const folder = join(dataDir!, `dictionary-${dSae}`);
    const id = await ensureDictionary(db.dataSource, folder, sae, {
      name: `bench ${dSae}`,
      hook: HOOK,
      contentHash: saeContentHash({ ...sae, hookName: HOOK, modelName: model.name }),
    });
    const target = { id, dIn: sae.dIn, nLatents: sae.dSae };
    const nExamples = [...result.examples.values()].reduce((n, l) => n + l.length, 0);
    // Features alone (one decoder vector each), then features and examples: the difference is the examples' cost.
    let t1 = performance.now();
    await ingestDictionary(db, target, result.features, () => []);
    const featureMs = performance.now() - t1;
    t1 = performance.now();
    await ingestDictionary(db, target, result.features, (f) => result.examples.get(f) ?? []);
    const allMs = performance.now() - t1;
    const exampleMs = Math.max(1, allMs - featureMs);
    console.log(
      `  ingest (embedded database): ${sae.dSae} feature rows with vectors in ${s(featureMs)} ` +
        `(${Math.round(sae.dSae / (featureMs / 1000))} vector rows/s); with ${nExamples} example rows ${s(allMs)}: ` +
        `examples ${Math.round(nExamples / (exampleMs / 1000))} rows/s, ` +
        `${Math.round(sae.dSae / (allMs / 1000))} features/s overall`,
    );
  }
} finally {
  backend.dispose();
  await db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// A transcoder analysed like any dictionary: its examples come from its input hook (each token's activation equals
// a direct encode of the model's activations there), its logit effects and CE-loss splice from its output hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBackend } from '../engine/backendRegistry.js';
import { Rng } from '../engine/rng.js';
import { encodeSaelens, type SaelensSae } from '../engine/sae/saelensFormat.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { openCorpus } from '../sources/corpus.js';
import { tokenizeDocument, type TokenizedDocument } from '../sources/corpusCache.js';
import { loadModel } from '../transformer/modelFolder.js';
import { initTfjs } from '../transformer/runtime.js';
import { analyzeDictionary, type AnalyzeOptions } from './analyzeDictionary.js';
import { ceLossRecovered, meanCrossEntropy } from './ceLoss.js';

const IN = 'blocks.0.hook_resid_mid';
const OUT = 'blocks.0.hook_mlp_out';

/** A random TopK skip transcoder IN → OUT (d_model both sides). */
function randomTranscoder(d: number, dSae: number, k: number, o: { hookIn?: string; hookOut?: string } = {}) {
  const rng = new Rng(7);
  const sae: SaelensSae = {
    architecture: 'topk',
    dIn: d,
    dSae,
    k,
    applyBDecToInput: false,
    wEnc: rng.normals(d * dSae),
    bEnc: rng.normals(dSae, 0.1),
    wDec: rng.normals(dSae * d, 0.05),
    bDec: rng.normals(d, 0.05),
    transcoder: {
      architecture: 'skip_transcoder',
      dOut: d,
      hookNameOut: o.hookOut ?? OUT,
      wSkip: rng.normals(d * d, 0.01),
    },
    cfg: {},
  };
  return sae;
}

test('a transcoder analysed on the built-in model: examples at its input hook, logits and CE loss at its output hook', async () => {
  await initTfjs();
  const model = await loadModel('builtin');
  // Two documents cut to 6 windows each: the CE loss (the slowest step) reads 12 windows.
  const documents: TokenizedDocument[] = [];
  for await (const doc of openCorpus('brown').documents()) {
    const t = tokenizeDocument(model.tokenizer, doc, documents.length);
    documents.push({ ...t, tokens: t.tokens.slice(0, 384) });
    if (documents.length === 2) break;
  }
  const backend = await loadBackend('auto');
  try {
    const d = model.config.dModel;
    const sae = randomTranscoder(d, 32, 3);
    const o: AnalyzeOptions = {
      sae,
      model,
      documents,
      hook: IN,
      backend,
      contextSize: 64,
      prependBos: true,
      maxTokens: 768,
      batchWindows: 8,
      topN: 4,
    };
    const result = await analyzeDictionary(o);
    assert.deepEqual(result.notes, []);

    // The model's activations at the input hook, by (document, offset), read in the analysis' windows.
    const inference = InferenceModel.of(model);
    const rows = new Map<string, Float32Array>();
    const stream = inference.activations({
      documents,
      hook: IN,
      windows: inference.windows({ contextSize: 64, prependBos: true }),
      batchSize: 8,
      maxRows: 768,
    });
    for await (const batch of stream)
      for (let r = 0; r < batch.tokens.length; r++)
        rows.set(`${batch.positions[2 * r]}:${batch.positions[2 * r + 1]}`, batch.acts.slice(r * d, (r + 1) * d));
    let checked = 0;
    for (const [f, examples] of result.examples)
      for (const e of examples)
        e.activations.forEach((value, i) => {
          const x = rows.get(`${e.docIndex}:${e.tokenStart + i}`);
          assert.ok(x, `row ${e.docIndex}:${e.tokenStart + i} of an example of feature ${f}`);
          const direct = encodeSaelens(sae, x, 1)[f];
          assert.ok(Math.abs(value - direct) <= 1e-4 * (1 + Math.abs(direct)), `feature ${f}: ${value} vs ${direct}`);
          checked++;
        });
    assert.ok(checked > 200, `only ${checked} example tokens checked`);
    assert.ok(result.features.every((f) => f.logits !== null && f.logits!.positive.length === 10));

    // The splice replaces the output hook: a transcoder that predicts zero there loses what zeroing it loses,
    // measured here by feeding zeros at OUT directly.
    const silent: SaelensSae = {
      ...sae,
      wEnc: new Float32Array(d * 32),
      bEnc: new Float32Array(32).fill(-1),
      bDec: new Float32Array(d),
      transcoder: { ...sae.transcoder!, wSkip: new Float32Array(d * d) },
    };
    const few = { ...o, documents: documents.slice(0, 1) };
    const ce = (await ceLossRecovered({ ...few, sae: silent }))!;
    const windows = few.documents
      .flatMap((doc) =>
        Array.from({ length: Math.floor(doc.tokens.length / 64) }, (_, i) => doc.tokens.slice(i * 64, i * 64 + 64)),
      )
      .slice(0, 64);
    const ids = Int32Array.from(windows.flatMap((w) => w.slice(0, 63)));
    const targets = Int32Array.from(windows.flatMap((w) => w.slice(1)));
    const zeroed = await inference.run(ids, windows.length, 63, {
      logits: true,
      feed: { [OUT]: new Float32Array(windows.length * 63 * d) },
    });
    const expected = meanCrossEntropy(zeroed.logits!, targets, model.config.vocabSize);
    assert.ok(Math.abs(ce.spliced - expected) < 1e-5, `spliced ${ce.spliced} vs zeroed ${OUT} ${expected}`);
    assert.ok(Math.abs(ce.zeroAblated - expected) < 1e-5);
    assert.ok(ce.spliced > ce.clean + 0.01, `spliced ${ce.spliced} vs clean ${ce.clean}`);

    // An output hook upstream of the input hook cannot take the prediction: skipped, with the reason.
    const notes: string[] = [];
    const backwards = { ...few, hook: OUT, sae: randomTranscoder(d, 32, 3, { hookOut: IN }) };
    assert.equal(await ceLossRecovered(backwards, (n) => notes.push(n)), undefined);
    assert.match(
      notes.join(),
      /output hook blocks\.0\.hook_resid_mid comes before the input hook blocks\.0\.hook_mlp_out/,
    );
  } finally {
    backend.dispose();
  }
});

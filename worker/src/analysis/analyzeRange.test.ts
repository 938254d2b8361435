import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../engine/backendRegistry.js';
import { Rng } from '../engine/rng.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import { openCorpus } from '../sources/corpus.js';
import { tokenizeDocument, type TokenizedDocument } from '../sources/corpusCache.js';
import { loadGpt2Model } from '../transformer/modelFolder.js';
import { initTfjs, tf } from '../transformer/runtime.js';
import { readPartial, writePartial } from './analysisPartial.js';
import { analyzeDictionary, analyzeRange, mergePartials, type AnalyzeOptions } from './analyzeDictionary.js';
import { ceLossRecovered } from './ceLoss.js';
import { crossEntropy, disposeResult, forwardTidy } from '../transformer/gpt2.js';

/** A random TopK dictionary on the built-in model's MLP (encoder = decoderᵀ, so codes follow the activations). */
function randomTopK(dIn: number, dSae: number, k: number): SaelensSae {
  const wDec = new Rng(4).normals(dSae * dIn);
  const wEnc = new Float32Array(dIn * dSae);
  for (let l = 0; l < dSae; l++) for (let p = 0; p < dIn; p++) wEnc[p * dSae + l] = wDec[l * dIn + p];
  const bEnc = new Float32Array(dSae);
  const bDec = new Float32Array(dIn);
  return { architecture: 'topk', dIn, dSae, k, applyBDecToInput: false, wEnc, bEnc, wDec, bDec, cfg: {} };
}

test('a dictionary analysed in two token ranges and merged equals one pass (examples, stats, samples, labels)', async () => {
  await initTfjs();
  const model = await loadGpt2Model('builtin', 'this test');
  const documents: TokenizedDocument[] = [];
  let tokens = 0;
  for await (const doc of openCorpus('brown').documents()) {
    documents.push(tokenizeDocument(model.tokenizer, doc, documents.length));
    tokens += documents.at(-1)!.tokens.length;
    if (tokens > 3000) break;
  }
  const backend = await loadBackend('auto');
  const dir = mkdtempSync(join(tmpdir(), 'atlas-partial-'));
  try {
    const o: AnalyzeOptions = {
      sae: randomTopK(512, 48, 4),
      model,
      documents,
      hook: 'blocks.0.mlp.hook_post',
      backend,
      contextSize: 64,
      prependBos: true,
      maxTokens: 2500,
      batchWindows: 8,
      topN: 6,
    };
    const single = await analyzeDictionary(o);
    // 1,234 is inside a model window and a document: the ranges' edge windows need the other range's rows. Same
    // batch size as the single pass: GEMM rounding may depend on the batch shape (see analyzeRange).
    const files = [
      { start: 1234, end: 2500 },
      { start: 0, end: 1234 },
    ].map((range, i) => ({ range, file: join(dir, `part-${i}.bin`) }));
    for (const { range, file } of files) writePartial(file, await analyzeRange(o, range));
    const merged = await mergePartials(
      o,
      files.map((f) => readPartial(f.file)),
    );
    assert.equal(single.tokens, 2500);
    assert.equal(merged.tokens, 2500);
    let examples = 0;
    for (let f = 0; f < o.sae.dSae; f++) {
      const a = single.features[f];
      const b = merged.features[f];
      assert.deepEqual(
        [b.density, b.maxActivation, b.histogram, b.label, b.labelScores, b.neighbors, b.logits],
        [a.density, a.maxActivation, a.histogram, a.label, a.labelScores, a.neighbors, a.logits],
        `feature ${f}`,
      );
      // Sums of activations add in another order: equal up to float64 rounding.
      assert.ok(Math.abs(b.meanActivation - a.meanActivation) <= 1e-12 * a.meanActivation, `mean of ${f}`);
      assert.deepEqual(merged.examples.get(f), single.examples.get(f), `examples of feature ${f}`);
      examples += single.examples.get(f)!.length;
    }
    assert.ok(examples > o.sae.dSae * 20, `only ${examples} examples: the fixture should fill heaps and samples`);
    assert.ok(single.features.some((x) => x.density > 0 && x.label !== null));
    await assert.rejects(mergePartials(o, [readPartial(files[0].file)]), /rows \[0, 1234\) are missing/);
    await assert.rejects(
      mergePartials({ ...o, sae: randomTopK(512, 48, 3) }, [readPartial(files[1].file), readPartial(files[0].file)]),
      /another k \(4, here 3\)/,
    );
    const shifted = randomTopK(512, 48, 4);
    shifted.wDec[0] += 1;
    await assert.rejects(mergePartials({ ...o, sae: shifted }, [readPartial(files[0].file)]), /decoderChecksum/);
  } finally {
    backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CE loss recovered is 1 for a dictionary that reconstructs exactly; the clean loss matches the TF.js reference', async () => {
  await initTfjs();
  const model = await loadGpt2Model('builtin', 'this test');
  const documents: TokenizedDocument[] = [];
  for await (const doc of openCorpus('brown').documents()) {
    documents.push(tokenizeDocument(model.tokenizer, doc, documents.length));
    if (documents.length === 3) break;
  }
  // ReLU codes of [x, −x] decode to x⁺ − x⁻ = x.
  const dIn = 512;
  const dSae = 2 * dIn;
  const wEnc = new Float32Array(dIn * dSae);
  const wDec = new Float32Array(dSae * dIn);
  for (let p = 0; p < dIn; p++) {
    wEnc[p * dSae + p] = 1;
    wEnc[p * dSae + dIn + p] = -1;
    wDec[p * dIn + p] = 1;
    wDec[(dIn + p) * dIn + p] = -1;
  }
  const sae: SaelensSae = {
    architecture: 'standard',
    dIn,
    dSae,
    applyBDecToInput: false,
    wEnc,
    bEnc: new Float32Array(dSae),
    wDec,
    bDec: new Float32Array(dIn),
    cfg: {},
  };
  const backend = await loadBackend('auto');
  try {
    const hook = 'blocks.0.mlp.hook_post';
    const o = { sae, model, documents, hook, backend, contextSize: 64, prependBos: true };
    const ce = (await ceLossRecovered(o))!;
    assert.ok(Math.abs(ce.spliced - ce.clean) < 1e-4, `spliced ${ce.spliced} vs clean ${ce.clean}`);
    assert.ok(Math.abs(ce.recovered - 1) < 1e-3, `recovered ${ce.recovered}`);
    assert.ok(ce.zeroAblated > ce.clean + 0.05, `zero-ablated ${ce.zeroAblated} vs clean ${ce.clean}`);
    // Reference: TF.js logits and crossEntropy over the same windows (the first 64 whole windows of 64 tokens).
    const windows: number[][] = [];
    for (const doc of documents)
      for (let s = 0; s + 64 <= doc.tokens.length && windows.length < 64; s += 64)
        windows.push(doc.tokens.slice(s, s + 64));
    const ids = tf.tensor2d(windows.flat(), [windows.length, 64], 'int32');
    const inputs = ids.slice([0, 0], [windows.length, 63]) as tf.Tensor2D;
    const targets = ids.slice([0, 1], [windows.length, 63]) as tf.Tensor2D;
    const result = forwardTidy(model.params, model.config, inputs, { logits: true });
    const reference = tf.tidy(() => crossEntropy(result.logits!, targets).dataSync()[0]);
    disposeResult(result);
    tf.dispose([ids, inputs, targets]);
    assert.ok(Math.abs(ce.clean - reference) < 1e-4, `clean ${ce.clean} vs TF.js ${reference}`);
  } finally {
    backend.dispose();
  }
});

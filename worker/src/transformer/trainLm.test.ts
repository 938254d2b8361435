// A tiny end-to-end run: tokenizer + LM trained on a patterned corpus, saved in the Hugging Face layout,
// loaded back, and scored the same. The real run (Brown, README figures) is `npm run worker -- train-lm`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { folderCorpus } from '../sources/folderCorpus.js';
import { crossEntropy, disposeResult, forwardTidy } from './gpt2.js';
import { disposeModel, loadGpt2Model } from './modelFolder.js';
import { tf } from './runtime.js';
import { seededRandom, trainLm } from './trainLm.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-trainLm-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('train-lm learns a patterned corpus, beats its bigram baseline, and saves a folder that loads back', async () => {
  const corpus = mkdtempSync(join(scratch, 'lm-corpus-'));
  const rand = seededRandom(3);
  const animals = ['cat', 'dog', 'cow', 'hen'];
  const lines: string[] = [];
  for (let d = 0; d < 40; d++) {
    let text = '';
    // "the X saw the X" repeats its noun: predictable from context two tokens back, not from a bigram.
    for (let s = 0; s < 12; s++) {
      const a = animals[Math.floor(rand() * 4)];
      text += `the ${a} saw the ${a}. `;
    }
    lines.push(JSON.stringify({ text }));
  }
  writeFileSync(join(corpus, 'docs.jsonl'), lines.join('\n'));
  const out = join(mkdtempSync(join(scratch, 'lm-')), 'model');
  const report = (await trainLm(folderCorpus(corpus), {
    out,
    vocabSize: 280,
    dModel: 32,
    dMlp: 64,
    nHead: 2,
    nLayer: 1,
    contextSize: 16,
    tieEmbeddings: false,
    batchSize: 16,
    epochs: 20,
    lr: 1e-2,
    warmupSteps: 5,
    seed: 1,
    validationEvery: 5,
    log: () => {},
  }))!;
  assert.ok(report.epochs[0].validationLoss > report.validationLoss, 'validation loss fell over training');
  assert.ok(
    report.validationLoss < report.bigram.validationLoss,
    `LM ${report.validationLoss} vs bigram ${report.bigram.validationLoss}`,
  );
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'training.json'])
    assert.ok(existsSync(join(out, f)), f);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).tie_word_embeddings, false);

  const model = await loadGpt2Model(out, 'this test');
  assert.ok(model.params.lmHead, 'untied unembedding loaded from lm_head.weight');
  const ids = model.tokenizer.encode('the cat saw the cat. the dog saw the dog. the hen saw').ids;
  const n = Math.min(16, ids.length - 1);
  const x = tf.tensor2d(ids.slice(0, n), [1, n], 'int32');
  const y = tf.tensor2d(ids.slice(1, n + 1), [1, n], 'int32');
  const r = forwardTidy(model.params, model.config, x, { logits: true });
  const loss = tf.tidy(() => crossEntropy(r.logits!, y).dataSync()[0]);
  disposeResult(r);
  disposeModel(model);
  assert.ok(loss < report.unigramValidationLoss, `reloaded model scores ${loss} on in-pattern text`);
});

/** A corpus of 20 documents of random words and a 2-layer run's options over it (resume and init-from tests). */
function wordsRun(seed: number, words: string[]) {
  const corpus = mkdtempSync(join(scratch, 'words-corpus-'));
  const rand = seededRandom(seed);
  const lines: string[] = [];
  for (let d = 0; d < 20; d++)
    lines.push(JSON.stringify({ text: Array.from({ length: 40 }, () => words[Math.floor(rand() * 4)]).join(' ') }));
  writeFileSync(join(corpus, 'docs.jsonl'), lines.join('\n'));
  const options = {
    vocabSize: 270,
    dModel: 16,
    dMlp: 32,
    nHead: 2,
    nLayer: 2,
    contextSize: 8,
    tieEmbeddings: false,
    batchSize: 4,
    epochs: 2,
    lr: 1e-2,
    warmupSteps: 2,
    seed: 2,
    validationEvery: 5,
    log: () => {},
  };
  return { corpus, options };
}

test('a run stopped at a checkpoint and resumed ends with the weights of a run that never stopped', async () => {
  const { corpus, options } = wordsRun(5, ['red', 'blue', 'green', 'gold']);
  const straight = join(mkdtempSync(join(scratch, 'straight-')), 'model');
  const whole = (await trainLm(folderCorpus(corpus), { ...options, out: straight }))!;
  assert.ok(whole.steps >= 6, `enough steps to stop in the middle (${whole.steps})`);

  const resumed = join(mkdtempSync(join(scratch, 'resumed-')), 'model');
  const stopAt = Math.floor(whole.steps / 2) + 1; // inside the second epoch when steps are odd, else its first step
  const first = await trainLm(folderCorpus(corpus), { ...options, out: resumed, stopAfterSteps: stopAt });
  assert.equal(first, null, 'the first run stops early');
  assert.ok(existsSync(join(`${resumed}.checkpoint`, 'state.json')));
  const tokenizerBefore = readFileSync(join(`${resumed}.checkpoint`, 'tokenizer.json'), 'utf8');
  const rest = (await trainLm(folderCorpus(corpus), { ...options, out: resumed, resume: true }))!;
  assert.equal(rest.steps, whole.steps);
  assert.equal(rest.validationLoss, whole.validationLoss);
  assert.deepEqual(
    rest.epochs.map((e) => e.validationLoss),
    whole.epochs.map((e) => e.validationLoss),
  );
  assert.ok(
    readFileSync(join(resumed, 'model.safetensors')).equals(readFileSync(join(straight, 'model.safetensors'))),
    'resumed weights are byte-identical to the uninterrupted run',
  );
  assert.equal(readFileSync(join(resumed, 'tokenizer.json'), 'utf8'), tokenizerBefore);

  await assert.rejects(
    trainLm(folderCorpus(corpus), { ...options, lr: 2e-2, out: resumed, resume: true }),
    /other options/,
  );
});

test('--init-from continues from a saved model: at a negligible learning rate it scores what the saved model scores', async () => {
  const { corpus, options } = wordsRun(9, ['north', 'south', 'east', 'west']);
  const first = join(mkdtempSync(join(scratch, 'first-')), 'model');
  const base = (await trainLm(folderCorpus(corpus), { ...options, out: first }))!;
  const next = join(mkdtempSync(join(scratch, 'next-')), 'model');
  const continued = (await trainLm(folderCorpus(corpus), {
    ...options,
    out: next,
    epochs: 1,
    lr: 1e-12,
    initFrom: first,
    tokenizer: join(first, 'tokenizer.json'),
  }))!;
  assert.ok(
    Math.abs(continued.validationLoss - base.validationLoss) < 1e-4,
    `${continued.validationLoss} vs ${base.validationLoss}`,
  );
  const fresh = (await trainLm(folderCorpus(corpus), { ...options, out: next, epochs: 1, lr: 1e-12 }))!;
  assert.ok(fresh.validationLoss > base.validationLoss + 0.5, 'a fresh start scores far worse');
  await assert.rejects(
    trainLm(folderCorpus(corpus), { ...options, out: next, dModel: 8, initFrom: first }),
    /differs from this run's/,
  );
});

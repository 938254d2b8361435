// A dictionary from SAELens against the model folder it is analysed with: TransformerLens names fit their Hugging
// Face folders, a name of another family or a hook the model lacks is refused naming cfg.json's field, a d_in of
// another width is refused with both widths, and an unknown name is a note.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { disposeModel, loadModel, type LoadedModel } from '../transformer/modelFolder.js';
import { writeRandomModelFolder } from '../transformer/randomModelFolder.js';
import { checkSaeFitsModel, familyOfModelName } from './saeModelFit.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-sae-fit-'));
const sizes = { vocab: 300, ctx: 16, d: 32, heads: 4, mlp: 40, layers: 2 };
let llama: LoadedModel;
let gpt2: LoadedModel;
let neox: LoadedModel;

before(async () => {
  llama = await loadModel(writeRandomModelFolder(join(scratch, 'TinyLlama-1.1B-Chat'), 'llama', { ...sizes, kvHeads: 2 }).dir); // prettier-ignore
  gpt2 = await loadModel(writeRandomModelFolder(join(scratch, 'gpt2'), 'gpt2', sizes).dir);
  neox = await loadModel(
    writeRandomModelFolder(join(scratch, 'snapshot-1'), 'gpt_neox', sizes, {
      config: { _name_or_path: 'EleutherAI/pythia-70m-deduped' },
    }).dir,
  );
});
after(() => {
  for (const m of [llama, gpt2, neox]) if (m) disposeModel(m);
  rmSync(scratch, { recursive: true, force: true });
});

const sae = (modelName: string | null, dIn = 32) => ({ dIn, modelName });

test('the families public SAE releases name', () => {
  assert.deepEqual(
    ['gpt2-small', 'pythia-70m-deduped', 'meta-llama/Llama-3.1-8B', 'Qwen/Qwen2.5-7B', 'gemma-2-2b', 'my-model'].map(
      familyOfModelName,
    ),
    ['gpt2', 'neox', 'llama', 'llama', 'gemma2', undefined],
  );
});

test('names fit by folder, hub name, _name_or_path and TransformerLens alias', () => {
  assert.deepEqual(checkSaeFitsModel('/sae', sae('TinyLlama/TinyLlama-1.1B-Chat'), 'blocks.1.hook_resid_pre', llama), []); // prettier-ignore
  assert.deepEqual(checkSaeFitsModel('/sae', sae('gpt2-small'), 'blocks.0.hook_resid_pre', gpt2), []);
  assert.deepEqual(checkSaeFitsModel('/sae', sae('pythia-70m-deduped'), 'blocks.1.hook_mlp_out', neox), []);
  assert.deepEqual(checkSaeFitsModel('/sae', sae(null), 'blocks.0.hook_resid_post', neox), []);
});

test('another family, a missing hook or another width is refused naming which', () => {
  assert.throws(
    () => checkSaeFitsModel('/sae', sae('pythia-70m-deduped'), 'blocks.0.hook_resid_pre', llama),
    /\/sae\/cfg\.json: model_name pythia-70m-deduped is a neox model but .*TinyLlama-1\.1B-Chat is a llama model/,
  );
  assert.throws(
    () => checkSaeFitsModel('/sae', sae('gpt2-small'), 'blocks.5.hook_resid_pre', gpt2),
    /\/sae\/cfg\.json: hook_name blocks\.5\.hook_resid_pre is not a hook of .*gpt2 \(.*2 layer/,
  );
  assert.throws(
    () => checkSaeFitsModel('/sae', sae('pythia-70m-deduped'), 'blocks.0.hook_resid_mid', neox),
    /hook_name blocks\.0\.hook_resid_mid is not a hook of/,
  );
  assert.throws(
    () => checkSaeFitsModel('/sae', sae('gpt2-small', 768), 'blocks.0.hook_resid_pre', gpt2),
    /\/sae: d_in is 768 but blocks\.0\.hook_resid_pre of .*gpt2 is 32 wide/,
  );
  assert.throws(
    () => checkSaeFitsModel('/sae', sae('builtin:tiny-brown-4l'), 'blocks.0.hook_resid_pre', gpt2),
    /trained on activations of builtin:tiny-brown-4l, not .*gpt2; pass --model builtin:tiny-brown-4l/,
  );
});

test('an unknown name with a fitting hook and width is a note, not a refusal', () => {
  const notes = checkSaeFitsModel('/sae', sae('my-finetune'), 'blocks.0.hook_resid_pre', llama);
  assert.equal(notes.length, 1);
  assert.match(notes[0], /cfg\.json names model my-finetune and the model folder is TinyLlama-1\.1B-Chat/);
});

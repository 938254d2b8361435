import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AtlasError } from '../errors.js';
import { modelWindows } from '../transformer/modelFolder.js';
import { InferenceDictionary } from './inferenceDictionary.js';
import { InferenceModel } from './inferenceModel.js';
import { randomDictionary } from './randomDictionary.testing.js';

const HOOK = 'blocks.0.hook_resid_post';
let model: InferenceModel;

before(async () => {
  model = await InferenceModel.load('builtin');
});
after(() => model.dispose());

const invalid = (pattern: RegExp) => (err: unknown) =>
  err instanceof AtlasError && err.code === 'ARGUMENT_INVALID' && pattern.test(err.message);

test('the BOS token is a property of the loaded model: <|endoftext|>', () => {
  assert.equal(typeof model.tokenizer.eosId, 'number');
  assert.equal(model.loaded.bosId, model.tokenizer.eosId);
  assert.deepEqual(model.windows({ prependBos: true }), { contextSize: 64, bosId: model.tokenizer.eosId });
  assert.deepEqual(model.windows({ contextSize: 12, prependBos: false }), { contextSize: 12, bosId: undefined });
});

test('without <|endoftext|> the BOS is config.json bos_token_id; with neither, prepending BOS is refused', () => {
  const config = { ...model.config, bosTokenId: 7 };
  assert.deepEqual(modelWindows({ name: 'm', config, bosId: 7 }, { contextSize: 8, prependBos: true }), {
    contextSize: 8,
    bosId: 7,
  });
  const none = { name: 'no-bos', config, bosId: undefined };
  assert.throws(() => modelWindows(none, { prependBos: true }), invalid(/no-bos: .*--no-bos/));
  assert.deepEqual(modelWindows(none, { contextSize: 1, prependBos: false }), { contextSize: 1, bosId: undefined });
});

test('a window holds at most n_positions tokens and at least one besides the BOS', () => {
  assert.throws(() => model.windows({ contextSize: 65, prependBos: true }), invalid(/65 tokens .* n_positions 64/));
  assert.throws(() => model.windows({ contextSize: 1, prependBos: true }), invalid(/use 2 to n_positions 64/));
  assert.throws(() => model.windows({ contextSize: 2.5, prependBos: false }), invalid(/2.5 tokens/));
  assert.equal(model.windows({ contextSize: 1, prependBos: false }).contextSize, 1);
});

/** A dictionary on the model's residual stream whose cfg.json says `cfg`. */
const dictionaryWithCfg = (cfg: Record<string, unknown>) =>
  new InferenceDictionary(randomDictionary({ dIn: model.config.dModel, dSae: 8, seed: 1, cfg }));

test("a dictionary's windows are its cfg.json's context_size (within n_positions) and prepend_bos (default on)", () => {
  const bos = model.tokenizer.eosId;
  assert.deepEqual(dictionaryWithCfg({}).windowsOn(model), { contextSize: 64, bosId: bos });
  assert.deepEqual(dictionaryWithCfg({ context_size: 16 }).windowsOn(model), { contextSize: 16, bosId: bos });
  assert.deepEqual(dictionaryWithCfg({ context_size: 1024, prepend_bos: false }).windowsOn(model), {
    contextSize: 64,
    bosId: undefined,
  });
  assert.throws(() => dictionaryWithCfg({ context_size: 1 }).windowsOn(model), invalid(/use 2 to n_positions/));
});

test('streamed activations are cut by the windows: BOS first, its row not emitted, the next window restarts', async () => {
  const text = 'The jury said it did find that many of the election laws were outmoded or inadequate.';
  const ids = Array.from(model.tokenizer.encode(text).ids);
  assert.ok(ids.length > 6);
  const windows = model.windows({ contextSize: 4, prependBos: true });
  const width = model.hook(HOOK).width;
  const streamed: Float32Array[] = [];
  for await (const b of model.activations({
    documents: [{ doc: 0, tokens: ids }],
    hook: HOOK,
    windows,
    batchSize: 2,
  }))
    streamed.push(b.acts);
  const rows = Float32Array.from(streamed.flatMap((a) => Array.from(a)));
  assert.equal(rows.length, ids.length * width);
  // The second window: [BOS, ids[3], ids[4], ids[5]], rows 3..5.
  const run = await model.run(Int32Array.from([windows.bosId!, ids[3], ids[4], ids[5]]), 1, 4, { hooks: [HOOK] });
  const want = run.hooks[HOOK].subarray(width, 4 * width);
  const got = rows.subarray(3 * width, 6 * width);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `value ${i}`);
});

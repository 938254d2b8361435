import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { AtlasError } from '../errors.js';
import { analyzeText, type TextDictionary } from './analyzeText.js';
import { InferenceRefused } from './errors.js';
import { InferenceDictionary } from './inferenceDictionary.js';
import { InferenceModel } from './inferenceModel.js';
import { randomDictionary } from './randomDictionary.testing.js';

const HOOK = 'blocks.0.hook_resid_post';
const TEXT = 'He walked under the old bridge and then away from the river, past the dogs.';
let model: InferenceModel;
let backend: Backend;

before(async () => {
  model = await InferenceModel.load('builtin');
  backend = await loadBackend('auto', { threads: 2 });
});
after(() => {
  model.dispose();
  backend.dispose();
});

const topK = (dIn: number, dSae: number, seed: number, cfg: Record<string, unknown> = {}) =>
  new InferenceDictionary(randomDictionary({ dIn, dSae, seed, cfg }));

const options = (o: Partial<Parameters<typeof analyzeText>[3]> = {}) => ({
  hook: HOOK,
  topK: 4,
  maxTokens: 256,
  backend,
  ...o,
});

test('per token the strongest features of all dictionaries, capped at topK; concurrent requests equal serial ones', async () => {
  const d = model.config.dModel;
  const dictionaries: TextDictionary[] = [
    { id: 1, dictionary: topK(d, 32, 1, { context_size: 8 }) },
    { id: 2, dictionary: topK(d, 16, 2) },
  ];
  const serial = await analyzeText(model, dictionaries, TEXT, options());
  const ids = Array.from(model.tokenizer.encode(TEXT).ids);
  assert.equal(serial.modelName, 'builtin:tiny-brown');
  assert.deepEqual(
    serial.tokens.map((t) => t.text),
    ids.map((id) => model.tokenizer.tokenText(id)),
  );
  for (const t of serial.tokens) {
    assert.ok(t.features.length <= 4);
    for (let i = 1; i < t.features.length; i++) assert.ok(t.features[i - 1].activation >= t.features[i].activation);
  }
  assert.ok(serial.tokens.some((t) => new Set(t.features.map((f) => f.dictionaryId)).size === 2));
  const concurrent = await Promise.all([1, 2, 3].map(() => analyzeText(model, dictionaries, TEXT, options())));
  for (const c of concurrent) assert.deepEqual(c.tokens, serial.tokens);
});

test("windows follow the first dictionary's cfg.json: a shorter context gives other activations", async () => {
  const d = model.config.dModel;
  const long = await analyzeText(model, [{ id: 1, dictionary: topK(d, 32, 1) }], TEXT, options());
  const short = await analyzeText(model, [{ id: 1, dictionary: topK(d, 32, 1, { context_size: 4 }) }], TEXT, options());
  // The first window (BOS + 3 tokens) is the same; later tokens see less context.
  assert.deepEqual(short.tokens.slice(0, 3), long.tokens.slice(0, 3));
  assert.notDeepEqual(short.tokens.slice(3), long.tokens.slice(3));
});

test('inputs that do not fit are InferenceRefused (an AtlasError) with a message for the client', async () => {
  const d = model.config.dModel;
  const refused = (pattern: RegExp) => (err: unknown) =>
    err instanceof InferenceRefused && err instanceof AtlasError && pattern.test(err.message);
  const ok = { id: 1, dictionary: topK(d, 16, 1) };
  await assert.rejects(
    analyzeText(model, [ok, { id: 9, dictionary: topK(d + 1, 16, 3) }], TEXT, options()),
    refused(/dictionary 9 reads 129-wide activations but blocks.0.hook_resid_post of builtin:tiny-brown is 128 wide/),
  );
  await assert.rejects(
    analyzeText(model, [ok], TEXT, options({ hook: 'blocks.3.hook_resid_post' })),
    (err: unknown) =>
      refused(/dictionary 1's hook point does not fit builtin:tiny-brown: --hook 'blocks.3.hook_resid_post'/)(err) &&
      (err as Error).cause instanceof AtlasError,
  );
  await assert.rejects(analyzeText(model, [ok], TEXT, options({ maxTokens: 5 })), refused(/at most 5: split it/));
  await assert.rejects(analyzeText(model, [ok], '', options()), refused(/text has no tokens/));
  await assert.rejects(
    analyzeText(model, [{ id: 4, dictionary: topK(d, 16, 1, { context_size: 1 }) }], TEXT, options()),
    refused(/dictionary 4 cannot be run on builtin:tiny-brown: .*context of 1 tokens/),
  );
});

test('an aborted request stops between passes with the signal’s reason, not a refusal', async () => {
  const controller = new AbortController();
  controller.abort(new Error('timed out'));
  const d = model.config.dModel;
  await assert.rejects(
    analyzeText(model, [{ id: 1, dictionary: topK(d, 16, 1) }], TEXT, options({ signal: controller.signal })),
    (err: unknown) => !(err instanceof InferenceRefused) && (err as Error).message === 'timed out',
  );
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { brownCorpus } from '../sources/brown.js';
import { loadTokenizer, tokenizerFromJson } from './bpe.js';
import { trainBpe } from './trainBpe.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-bpe-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const texts: string[] = [];
for await (const d of brownCorpus({ limit: 20 }).documents()) texts.push(d.text);
const tok = trainBpe(texts, { vocabSize: 1024 });
const sample =
  'The jury said it did find that many of Georgia\'s laws "are outmoded" — naïve café 東京 1961. <|endoftext|>Next';

test('training on Brown gives the requested vocabulary with <|endoftext|> last', () => {
  assert.equal(tok.vocabSize, 1024);
  assert.equal(tok.eosId, 1023);
  assert.ok(tok.vocab.has('Ġthe'));
});

test('encode/decode round-trips, including non-ASCII text and special tokens', () => {
  for (const t of [sample, ...texts.slice(0, 3)]) assert.equal(tok.decode(tok.encode(t).ids), t);
  const ids = [...tok.encode(sample).ids];
  assert.equal(ids.filter((i) => i === tok.eosId).length, 1);
});

test('every token carries the character span it came from', () => {
  const e = tok.encode(sample);
  assert.equal(e.starts[0], 0);
  assert.equal(e.ends[e.ends.length - 1], sample.length);
  for (let i = 0; i < e.ids.length; i++) {
    assert.ok(e.starts[i] <= e.ends[i] && e.ends[i] <= sample.length);
    if (i > 0) assert.ok(e.starts[i] >= e.starts[i - 1]);
    const piece = sample.slice(e.starts[i], e.ends[i]);
    // ASCII tokens decode to exactly their span; tokens splitting a multi-byte character cover that character.
    // eslint-disable-next-line no-control-regex -- ASCII range test
    if (/^[\x00-\x7f]*$/.test(piece)) assert.equal(tok.tokenText(e.ids[i]), piece);
  }
  const cafe = sample.indexOf('café');
  const covering = [...e.ids.keys()].filter((i) => e.starts[i] < cafe + 5 && e.ends[i] > cafe);
  assert.equal(sample.slice(e.starts[covering[0]], e.ends[covering.at(-1)!]).trim(), 'café');
});

test('tokenizer.json round-trips and matches Hugging Face tokenizers.js id for id', () => {
  const json = JSON.parse(JSON.stringify(tok.toJSON()));
  const dir = mkdtempSync(join(scratch, 'tok-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  const loaded = loadTokenizer(join(dir, 'tokenizer.json'), 'test');
  assert.match(loaded.identity, /^test@[0-9a-f]{12}$/);
  const hf = new HfTokenizer(json, {});
  for (const t of [sample, texts[5].slice(0, 3000)]) {
    const ours = [...loaded.tokenizer.encode(t).ids];
    assert.deepEqual(ours, [...tok.encode(t).ids]);
    assert.deepEqual(ours, hf.encode(t, { add_special_tokens: false }).ids);
  }
});

test('a GPT-2 style tokenizer.json with [a, b] merges and no ByteLevel fallback is read; others are refused', () => {
  const json = tok.toJSON() as { model: { merges: string[] } };
  const arrayMerges = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => m.split(' ')) } };
  assert.deepEqual([...tokenizerFromJson(arrayMerges).encode(sample).ids], [...tok.encode(sample).ids]);
  assert.throws(
    () => tokenizerFromJson({ model: { type: 'WordPiece', vocab: {} } }, 'bert/tokenizer.json'),
    /bert\/tokenizer\.json: model.type is "WordPiece"; the atlas reads BPE tokenizers/,
  );
});

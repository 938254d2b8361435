import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as hfTokenizers from '@huggingface/tokenizers';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { tokenizerFromJson, type BpeTokenizer } from './bpe.js';
import { readBosRule } from './bosRule.js';
import { preTokenize, preTokenizerFromJson } from './preTokenizer.js';

// Tokenizers of each family's layout (worker/test-fixtures/tokenizers, written by writeTokenizerFixtures.ts) against
// @huggingface/tokenizers, which nobody here wrote.
const fixtures = new URL('../../test-fixtures/tokenizers/', import.meta.url).pathname;
const FAMILIES = ['pythia', 'llama3', 'qwen2', 'llama2', 'mistral'] as const;
const NFC = new Set(['pythia', 'qwen2']);
type Json = Record<string, unknown> & { model: Record<string, unknown>; added_tokens: Record<string, unknown>[] };
const readFixture = (family: string): Json =>
  JSON.parse(readFileSync(join(fixtures, family, 'tokenizer.json'), 'utf8')) as Json;

// Exported at run time; the package's type declarations lose it under NodeNext resolution (extensionless re-exports).
const { SplitPreTokenizer } = hfTokenizers as unknown as {
  SplitPreTokenizer: new (config: object) => { pre_tokenize_text(text: string): string[] };
};

const scratch = mkdtempSync(join(tmpdir(), 'atlas-tok-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const TEXTS = [
  'The jury said it did find that many of Georgia\'s laws "are outmoded".',
  "I'M sure they'RE here; we'll see, you'd know, it's 'quoted' and DON'T",
  "O'Reilly's 'Tis 'Twas 'Sorry' 'LLama' 'Dear'",
  'café naïve résumé — über straße, déjà vu',
  'cafe\u0301 nai\u0308ve: combining marks, and precomposed café',
  '東京は日本の首都です。北京是中国的首都。 한국어 문장',
  'مرحبا بالعالم — שלום עולם (RTL)',
  'Ελληνικά και Русский текст',
  'In 1961, 12,345 people paid $1,234.56; pi is 3.14159265358979 and 1234567890123',
  'emoji 😀 and a family 👨‍👩‍👧‍👦 and a flag 🇫🇷 and ✈️ ok',
  'spaces  two   three    four     and\ttabs\t\tand\nnewlines\n\n\nand\r\nwindows\r\n  indented',
  '   leading spaces and trailing   ',
  'odd spaces: a\u00a0b\u2003c\u0085d\ufeffe\u3000f\u2028g',
  'def main():\n    return x + y  # code\n\tindented',
  '<|endoftext|>Next document<|endoftext|> and <s>sentence</s> <unk> <|begin_of_text|>hi<|eot_id|>',
  'a',
  ' ',
  '',
  '\u{1F600}',
  'rare chars: ǂ ꙮ 𓀀 ᚠᛇᚻ',
];

/** Ours, or the library's ids without special tokens added. */
const hfIds = (hf: HfTokenizer, text: string) => hf.encode(text, { add_special_tokens: false }).ids;

/**
 * Each token's span holds the text it encodes: tokens whose spans overlap (bytes of one character, a character's
 * byte-fallback tokens) are decoded together and compared with the text under their joint span; a leading space the
 * normalizer or pre-tokenizer inserted may be the only difference, and only at the start of a section.
 */
function assertSpans(tok: BpeTokenizer, text: string, family: string) {
  const e = tok.encode(text);
  const n = e.ids.length;
  const added = new Set(tok.addedTokens.map((t) => t.id));
  if (n > 0) {
    assert.equal(e.starts[0], 0, `${family}: first token starts the text`);
    assert.equal(e.ends[n - 1], text.length, `${family}: last token ends the text`);
  }
  let i = 0;
  while (i < n) {
    let j = i + 1;
    let end = e.ends[i];
    while (j < n && e.starts[j] < end) end = Math.max(end, e.ends[j++]);
    const start = e.starts[i];
    if (i > 0) assert.equal(start, e.ends[i - 1], `${family}: no gap or overlap between token groups at ${start}`);
    const covered = text.slice(start, end);
    const decoded = tok.decode(e.ids.subarray(i, j));
    const expected = NFC.has(family) ? covered.normalize('NFC') : covered;
    if (decoded !== expected) {
      const sectionStart = i === 0 || added.has(e.ids[i - 1]);
      assert.ok(
        sectionStart && decoded === ' ' + expected,
        `${family}: tokens ${i}..${j} decode to ${JSON.stringify(decoded)} but cover ${JSON.stringify(covered)}`,
      );
    }
    i = j;
  }
}

for (const family of FAMILIES) {
  test(`${family}: ids equal @huggingface/tokenizers' on varied text, and spans cover what each token encodes`, () => {
    const json = readFixture(family);
    const tok = tokenizerFromJson(json, `${family}/tokenizer.json`);
    const hf = new HfTokenizer(json, {});
    for (const text of TEXTS) {
      assert.deepEqual([...tok.encode(text).ids], hfIds(hf, text), `${family}: ${JSON.stringify(text)}`);
      assertSpans(tok, text, family);
    }
  });

  test(`${family}: the BOS rule agrees with the library's encoding with special tokens`, () => {
    const rule = readBosRule(join(fixtures, family));
    const json = readFixture(family);
    const tok = tokenizerFromJson(json);
    const hf = new HfTokenizer(json, {});
    const text = 'Hello world';
    const ours = [...tok.encode(text).ids];
    assert.deepEqual(hf.encode(text).ids, rule.addBos ? [rule.bosId, ...ours] : ours);
    assert.equal(rule.addBos, family === 'llama3' || family === 'llama2' || family === 'mistral');
  });
}

test('the Split regexes of Llama 3 and Qwen2 cut text where @huggingface/tokenizers cuts it', () => {
  for (const family of ['llama3', 'qwen2']) {
    const split = (readFixture(family).pre_tokenizer as { pretokenizers: object[] }).pretokenizers[0];
    const theirs = new SplitPreTokenizer(split);
    const ours = preTokenizerFromJson(split, family);
    for (const text of TEXTS) {
      const pieces: string[] = [];
      preTokenize(ours, text, 0, 0, (piece, start) => {
        assert.equal(piece, text.slice(start, start + piece.length));
        pieces.push(piece);
      });
      assert.deepEqual(pieces, theirs.pre_tokenize_text(text), `${family}: ${JSON.stringify(text)}`);
    }
  }
});

test('SmolLM-style Digits before ByteLevel, and ByteLevel add_prefix_space, agree with the library; Split behaviors follow the Rust crate', () => {
  const json = readFixture('pythia');
  const smol = {
    ...json,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
  };
  const prefixed = { ...json, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, use_regex: true } };
  for (const variant of [smol, prefixed]) {
    const hf = new HfTokenizer(variant, {});
    const tok = tokenizerFromJson(variant);
    for (const text of TEXTS) assert.deepEqual([...tok.encode(text).ids], hfIds(hf, text), JSON.stringify(text));
  }
  // The inserted leading space belongs to no character of the text.
  for (const text of TEXTS) assertSpans(tokenizerFromJson(prefixed), text, 'pythia');

  // The library treats every behavior but Removed as Isolated, so these expectations are the Rust crate's, by hand.
  const pieces = (behavior: string, text: string) => {
    const out: string[] = [];
    const pre = preTokenizerFromJson({ type: 'Split', pattern: { String: ' ' }, behavior, invert: false }, 'x');
    preTokenize(pre, text, 0, 0, (piece) => out.push(piece));
    return out;
  };
  assert.deepEqual(pieces('Isolated', 'a b  c'), ['a', ' ', 'b', ' ', ' ', 'c']);
  assert.deepEqual(pieces('Removed', 'a b  c'), ['a', 'b', 'c']);
  assert.deepEqual(pieces('MergedWithPrevious', 'a b  c'), ['a ', 'b ', ' ', 'c']);
  assert.deepEqual(pieces('MergedWithNext', 'a b  c'), ['a', ' b', ' ', ' c']);
  assert.deepEqual(pieces('Contiguous', ' a b  c'), [' ', 'a', ' ', 'b', '  ', 'c']);
});

test('Gemma-style (Replace(" ", "▁") normalizer, no prefix, Split " " MergedWithPrevious) agrees with the library', () => {
  const json = readFixture('llama2');
  const gemma = {
    ...json,
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false },
    post_processor: null,
  };
  const hf = new HfTokenizer(gemma, {});
  const tok = tokenizerFromJson(gemma);
  for (const text of TEXTS) {
    assert.deepEqual([...tok.encode(text).ids], hfIds(hf, text), JSON.stringify(text));
    assertSpans(tok, text, 'gemma');
  }
});

test('byte fallback spells unknown characters as <0xXX> tokens; without it they become one fused <unk>', () => {
  const json = readFixture('mistral');
  const tok = tokenizerFromJson(json);
  const e = tok.encode('a😀b');
  const pieces = [...e.ids].map((id) => tok.idToToken[id]);
  assert.deepEqual(
    pieces.filter((p) => p.startsWith('<0x')),
    ['<0xF0>', '<0x9F>', '<0x98>', '<0x80>'],
  );
  const emojiAt = 'a😀b'.indexOf('😀') + 0;
  for (let i = 0; i < pieces.length; i++)
    if (pieces[i].startsWith('<0x')) assert.deepEqual([e.starts[i], e.ends[i]], [emojiAt, emojiAt + 2]);

  const noFallback = { ...json, model: { ...json.model, byte_fallback: false } };
  const tok2 = tokenizerFromJson(noFallback);
  const hf2 = new HfTokenizer(noFallback, {});
  for (const text of TEXTS) assert.deepEqual([...tok2.encode(text).ids], hfIds(hf2, text), JSON.stringify(text));
  const text = 'x 😀👍 y 𓀀';
  const e2 = tok2.encode(text);
  // "😀👍" is one fused <unk> spanning both emoji, "𓀀" another.
  const unks = [...e2.ids.keys()].filter((i) => e2.ids[i] === 0).map((i) => text.slice(e2.starts[i], e2.ends[i]));
  assert.deepEqual(unks, ['😀👍', '𓀀']);
});

test('Metaspace variants: prepend_scheme "always" before each section; split true splits words as the Rust crate does', () => {
  const json = readFixture('mistral');
  const always = {
    ...json,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
  };
  const hf = new HfTokenizer(always, {});
  for (const text of ['Hello</s>world <s> again', 'one two'])
    assert.deepEqual([...tokenizerFromJson(always).encode(text).ids], hfIds(hf, text));

  // @huggingface/tokenizers ignores `split`; the Rust crate splits before each "▁", so "▁▁" runs cannot form.
  const split = {
    ...json,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
  };
  const tok = tokenizerFromJson(split);
  const vocab = json.model.vocab as Record<string, number>;
  assert.ok(vocab['▁▁'] !== undefined, 'the fixture has a "▁▁" token');
  const ids = [...tok.encode('a  b').ids];
  assert.deepEqual(ids, [vocab['▁a'], vocab['▁'], vocab['▁b']]);
});

test('added tokens: lstrip/rstrip take the whitespace beside them; normalized ones match the normalized text', () => {
  const json = readFixture('qwen2');
  const n = Object.keys(json.model.vocab as object).length + json.added_tokens.length;
  const flag = (id: number, content: string, extra: object) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
    ...extra,
  });
  const withAdded = {
    ...json,
    added_tokens: [
      ...json.added_tokens,
      flag(n, '<mask>', { lstrip: true, rstrip: true }),
      flag(n + 1, 'naïve', { normalized: true, special: false }),
    ],
  };
  const tok = tokenizerFromJson(withAdded);
  const hf = new HfTokenizer(withAdded, {});
  const text = 'a  <mask>  b, nai\u0308ve and naïve<|im_end|>';
  const e = tok.encode(text);
  assert.deepEqual([...e.ids], hfIds(hf, text));
  const mask = [...e.ids].indexOf(n);
  assert.deepEqual([e.starts[mask], e.ends[mask]], [1, 11], '<mask> with the spaces on both sides');
  const naive = [...e.ids].flatMap((id, i) => (id === n + 1 ? [text.slice(e.starts[i], e.ends[i])] : []));
  assert.deepEqual(naive, ['nai\u0308ve', 'naïve'], 'the decomposed spelling is matched after NFC, with its own span');
});

test('Llama 3 splits digits by three, Qwen2 one by one; merges as strings or pairs read alike', () => {
  const digits = (family: string) => {
    const tok = tokenizerFromJson(readFixture(family));
    const e = tok.encode('1234567');
    return [...e.ids.keys()].map((i) => '1234567'.slice(e.starts[i], e.ends[i]));
  };
  assert.deepEqual(digits('qwen2'), ['1', '2', '3', '4', '5', '6', '7']);
  assert.ok(
    digits('llama3').every((p) => p.length <= 3),
    'no Llama 3 token spans more than three digits',
  );
  const json = readFixture('llama2');
  const asPairs = {
    ...json,
    model: { ...json.model, merges: (json.model.merges as string[]).map((m) => m.split(' ')) },
  };
  const text = TEXTS.join(' ');
  assert.deepEqual([...tokenizerFromJson(asPairs).encode(text).ids], [...tokenizerFromJson(json).encode(text).ids]);
});

test('unsupported tokenizer.json features are refused with the field named', () => {
  const json = readFixture('llama3');
  const cases: [unknown, RegExp][] = [
    [
      { ...json, model: { type: 'Unigram', vocab: [] } },
      /x\/tokenizer\.json: model.type is "Unigram"; the atlas reads BPE/,
    ],
    [{ ...json, model: { type: 'WordPiece', vocab: {} } }, /model.type is "WordPiece"/],
    [
      { ...json, pre_tokenizer: { type: 'BertPreTokenizer' } },
      /pre_tokenizer type "BertPreTokenizer" is not supported/,
    ],
    [{ ...json, normalizer: { type: 'BertNormalizer' } }, /normalizer type "BertNormalizer" is not supported/],
    [
      { ...json, pre_tokenizer: { type: 'Split', pattern: { Regex: 'a' }, behavior: 'Sideways' } },
      /Split has behavior "Sideways"/,
    ],
    [
      { ...json, pre_tokenizer: { type: 'Split', pattern: { Regex: '[[:alpha:]&&[a-z]]' }, behavior: 'Isolated' } },
      /the Split pattern .* uses a nested character class/,
    ],
    [
      { ...json, model: { ...json.model, merges: ['Ġ zzz'] } },
      /merge 0 "Ġ zzz" names a token missing from model\.vocab/,
    ],
  ];
  for (const [bad, message] of cases) assert.throws(() => tokenizerFromJson(bad, 'x/tokenizer.json'), message);
});

test('readBosRule: add_bos_token wins over the template, config.json names the id, bad values are refused', () => {
  const dir = mkdtempSync(join(scratch, 'bos-'));
  const json = readFixture('llama2');
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, post_processor: null }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, bos_token: '<s>' }));
  assert.deepEqual(readBosRule(dir), { bosId: 1, addBos: true });
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: false }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ bos_token_id: 2 }));
  assert.deepEqual(readBosRule(dir), { bosId: 2, addBos: false });
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: 'yes' }));
  assert.throws(() => readBosRule(dir), /add_bos_token is "yes"; expected true or false/);
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, bos_token: '<bos>' }));
  assert.throws(() => readBosRule(dir), /bos_token "<bos>" is neither an added token nor in model\.vocab/);
  assert.throws(() => readBosRule(join(dir, 'nowhere')), /tokenizer\.json: missing/);
  // Without add_bos_token, the tokenizer class's default decides (transformers rebuilds the template from it).
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'LlamaTokenizerFast', bos_token: '<s>' }),
  );
  assert.deepEqual(readBosRule(dir), { bosId: 1, addBos: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'GPTNeoXTokenizerFast' }));
  assert.deepEqual(readBosRule(dir), { bosId: 1, addBos: false }, "the template's token is the BOS, not added");
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast' }));
  assert.deepEqual(readBosRule(dir), { bosId: 1, addBos: true }, 'the template decides for other classes');
});

// Writes the tokenizer fixtures of worker/test-fixtures/tokenizers: small BPE vocabularies learnt on a little Brown and multilingual text,
// saved in the tokenizer.json layout each family ships (fields and their order as in the public files of GPT-2's
// successors Pythia, Llama 2 / TinyLlama, Mistral, Llama 3 and Qwen2), with its tokenizer_config.json.
// Run once: npx tsx worker/bench/writeTokenizerFixtures.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brownCorpus } from '../src/sources/brown.js';
import { byteAlphabet, GPT2_PATTERN, toByteChars } from '../src/tokenizer/byteLevel.js';
import { compileSplitPattern } from '../src/tokenizer/onigurumaPattern.js';
import { learnMerges } from '../src/tokenizer/trainBpe.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '../test-fixtures/tokenizers');
const MERGES = 500;

// Text with the scripts and shapes the tests feed: accents, Greek, Cyrillic, CJK, Arabic, digits, code.
const multilingual = [
  'café naïve résumé über straße façade élève où déjà été année',
  'Ελληνικά γλώσσα και πολιτισμός — Русский язык и литература',
  '東京は日本の首都です。日本語の文章と中文的句子。北京是中国的首都。',
  'مرحبا بالعالم هذه جملة عربية قصيرة',
  'In 1961, 12,345 people paid $1,234.56 each; call 555-0100 or 2024-12-06.',
  'def main():\n    return x + y  # two spaces\n\tindented\r\nwindows line',
];

const texts: string[] = [];
for await (const d of brownCorpus({ limit: 30 }).documents()) texts.push(d.text);
for (let i = 0; i < 20; i++) texts.push(...multilingual);

const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Byte-level merges learnt on pre-tokens of `pattern`; the vocabulary is `before`, the 256 bytes, the merges. */
function byteLevelModel(pattern: RegExp, before: string[] = []) {
  const counts = new Map<string, number>();
  for (const t of texts)
    for (const m of t.normalize('NFC').matchAll(pattern)) {
      const w = toByteChars(m[0]).chars;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  const merges = learnMerges(counts, byteAlphabet, MERGES);
  const vocab: Record<string, number> = {};
  for (const s of [...before, ...byteAlphabet, ...merges.map(([a, b]) => a + b)])
    vocab[s] ??= Object.keys(vocab).length;
  return { vocab, merges };
}

/** SentencePiece-style: characters seen 3+ times, merges within "▁word" pieces and within runs of "▁". */
function sentencePieceModel() {
  const charCounts = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const t of texts) {
    const s = '▁' + t.replaceAll(' ', '▁');
    for (const ch of s) charCounts.set(ch, (charCounts.get(ch) ?? 0) + 1);
    for (const m of s.matchAll(/▁▁+|▁?[^▁]+/gu)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  // Characters rarer than this are left to byte fallback, as SentencePiece's character_coverage leaves them.
  const alphabet = [...charCounts].filter(([, c]) => c >= 3).map(([ch]) => ch);
  alphabet.sort();
  const known = new Set(alphabet);
  for (const w of [...counts.keys()]) if (![...w].every((ch) => known.has(ch))) counts.delete(w);
  const merges = learnMerges(counts, alphabet, MERGES);
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const s of [...alphabet, ...merges.map(([a, b]) => a + b)]) vocab[s] ??= Object.keys(vocab).length;
  return { vocab, merges };
}

const added = (id: number, content: string, special = true, normalized = !special) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized,
  special,
});

const byteLevel = (prefix: boolean, trim: boolean, regex: boolean) => ({
  type: 'ByteLevel',
  add_prefix_space: prefix,
  trim_offsets: trim,
  use_regex: regex,
});

function bosTemplate(bos: string, bosId: number) {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
  };
}

function write(name: string, tokenizer: object, config: object) {
  const dir = join(here, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
}

// Pythia (GPT-NeoX-20B tokenizer): NFC, ByteLevel without use_regex (default true), specials first, runs of spaces
// as non-special normalized added tokens after the vocabulary.
{
  const { vocab, merges } = byteLevelModel(new RegExp(GPT2_PATTERN.source, 'gu'), ['<|endoftext|>', '<|padding|>']);
  const n = Object.keys(vocab).length;
  const spaces = Array.from({ length: 23 }, (_, i) => added(n + i, ' '.repeat(24 - i), false, true));
  write(
    'pythia',
    {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [added(0, '<|endoftext|>'), added(1, '<|padding|>'), ...spaces].map(({ special, ...t }) => ({
        id: t.id,
        special,
        content: t.content,
        single_word: t.single_word,
        lstrip: t.lstrip,
        rstrip: t.rstrip,
        normalized: t.normalized,
      })),
      normalizer: { type: 'NFC' },
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        vocab,
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
    {
      add_bos_token: false,
      add_eos_token: false,
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      tokenizer_class: 'GPTNeoXTokenizer',
    },
  );
}

// Llama 3: Split (digits by three) + ByteLevel without regex, ignore_merges, BOS by the post-processor's template.
{
  const { vocab, merges } = byteLevelModel(compileSplitPattern(LLAMA3_REGEX, 'llama3'));
  const n = Object.keys(vocab).length;
  const specials = [
    '<|begin_of_text|>',
    '<|end_of_text|>',
    '<|reserved_special_token_0|>',
    '<|reserved_special_token_1|>',
    '<|start_header_id|>',
    '<|end_header_id|>',
    '<|eot_id|>',
  ];
  write(
    'llama3',
    {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((s, i) => added(n + i, s)),
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: LLAMA3_REGEX }, behavior: 'Isolated', invert: false },
          byteLevel(false, true, false),
        ],
      },
      post_processor: {
        type: 'Sequence',
        processors: [byteLevel(true, false, true), bosTemplate('<|begin_of_text|>', n)],
      },
      decoder: byteLevel(true, true, true),
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: true,
        vocab,
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
    {
      bos_token: '<|begin_of_text|>',
      clean_up_tokenization_spaces: true,
      eos_token: '<|end_of_text|>',
      model_input_names: ['input_ids', 'attention_mask'],
      tokenizer_class: 'PreTrainedTokenizerFast',
    },
  );
}

// Qwen2: NFC, Split (single digits) + ByteLevel without regex, no BOS; merges as pairs (newer files).
{
  const { vocab, merges } = byteLevelModel(compileSplitPattern(QWEN2_REGEX, 'qwen2'));
  const n = Object.keys(vocab).length;
  write(
    'qwen2',
    {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'].map((s, i) => added(n + i, s)),
      normalizer: { type: 'NFC' },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: QWEN2_REGEX }, behavior: 'Isolated', invert: false },
          byteLevel(false, false, false),
        ],
      },
      post_processor: byteLevel(false, false, false),
      decoder: byteLevel(false, false, false),
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges,
      },
    },
    {
      add_prefix_space: false,
      bos_token: null,
      eos_token: '<|endoftext|>',
      errors: 'replace',
      model_max_length: 32768,
      pad_token: '<|endoftext|>',
      split_special_tokens: false,
      tokenizer_class: 'Qwen2Tokenizer',
      unk_token: null,
    },
  );
}

// Llama 2 / TinyLlama (legacy files): normalizer Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer, byte fallback,
// merges as strings.
const sp = sentencePieceModel();
const spModel = (merges: unknown) => ({
  type: 'BPE',
  dropout: null,
  unk_token: '<unk>',
  continuing_subword_prefix: null,
  end_of_word_suffix: null,
  fuse_unk: true,
  byte_fallback: true,
  vocab: sp.vocab,
  merges,
});
const spDecoder = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 },
  ],
};
const spAdded = [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')];
const spConfig = (legacy: boolean) => ({
  add_bos_token: true,
  add_eos_token: false,
  bos_token: {
    __type: 'AddedToken',
    content: '<s>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
  clean_up_tokenization_spaces: false,
  eos_token: {
    __type: 'AddedToken',
    content: '</s>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
  legacy,
  model_max_length: 2048,
  pad_token: null,
  padding_side: 'right',
  sp_model_kwargs: {},
  tokenizer_class: 'LlamaTokenizer',
  unk_token: {
    __type: 'AddedToken',
    content: '<unk>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
});
write(
  'llama2',
  {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: spAdded,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: bosTemplate('<s>', 1),
    decoder: spDecoder,
    model: spModel(sp.merges.map(([a, b]) => `${a} ${b}`)),
  },
  spConfig(true),
);

// Mistral / newer Llama files: no normalizer, Metaspace (prepend_scheme "first", split false), merges as pairs.
write(
  'mistral',
  {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: spAdded,
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    post_processor: bosTemplate('<s>', 1),
    decoder: spDecoder,
    model: spModel(sp.merges),
  },
  spConfig(false),
);
console.log('wrote pythia, llama3, qwen2, llama2, mistral under', here);

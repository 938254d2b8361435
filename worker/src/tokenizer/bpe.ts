// Byte-level BPE (GPT-2 style) with character offsets, read from and written to Hugging Face's
// tokenizer.json. Our own encoder rather than a library's because the atlas needs every token's
// character span (to map word-level POS tags onto tokens), which the JS tokenizer libraries do not return.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AtlasError } from '../errors.js';
import { byteToChar, charToByte, GPT2_PATTERN, toByteChars } from './byteLevel.js';

/** Token ids of a text with each token's character span text[starts[i], ends[i]). */
export interface Encoding {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

/** A special token such as `<|endoftext|>`: matched literally in text, never split. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

interface PieceCode {
  ids: number[];
  /** Byte length of each token. */
  byteLens: number[];
}

/** A byte-level BPE tokenizer: vocabulary, ranked merges, pre-tokenizer pattern, added tokens. */
export class BpeTokenizer {
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, PieceCode>();
  private readonly specialPattern: RegExp | null;
  private readonly addedByContent: Map<string, number>;

  constructor(
    vocab: Map<string, number>,
    readonly merges: [string, string][],
    readonly addedTokens: AddedToken[] = [],
    readonly pattern: RegExp = GPT2_PATTERN,
  ) {
    this.vocab = vocab;
    this.idToToken = [];
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    for (const t of addedTokens) this.idToToken[t.id] = t.content;
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
    this.addedByContent = new Map(addedTokens.map((t) => [t.content, t.id]));
    const escaped = addedTokens.map((t) => t.content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialPattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : null;
  }

  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** Id of a token string (vocabulary entry or added token), or undefined. */
  tokenId(token: string): number | undefined {
    return this.addedByContent.get(token) ?? this.vocab.get(token);
  }

  /** The usual end-of-text / BOS token of GPT-2-style vocabularies, if present. */
  get eosId(): number | undefined {
    return this.tokenId('<|endoftext|>');
  }

  private bpe(chars: string): PieceCode {
    const hit = this.cache.get(chars);
    if (hit) return hit;
    let symbols = Array.from(chars);
    while (symbols.length > 1) {
      let best = Infinity;
      let bestAt = -1;
      for (let i = 0; i < symbols.length - 1; i++) {
        const r = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (r !== undefined && r < best) {
          best = r;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const a = symbols[bestAt];
      const b = symbols[bestAt + 1];
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === a && symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(symbols[i]);
      }
      symbols = merged;
    }
    const ids: number[] = [];
    const byteLens: number[] = [];
    for (const s of symbols) {
      const id = this.vocab.get(s);
      if (id === undefined) throw new AtlasError('SOURCE_MALFORMED', `tokenizer: symbol '${s}' is not in the vocabulary; the merges and vocab disagree`);
      ids.push(id);
      byteLens.push(s.length);
    }
    const code = { ids, byteLens };
    if (this.cache.size > 200_000) this.cache.clear();
    this.cache.set(chars, code);
    return code;
  }

  private encodeOrdinary(text: string, offset: number, ids: number[], starts: number[], ends: number[]): void {
    const re = new RegExp(this.pattern.source, 'gu');
    for (const m of text.matchAll(re)) {
      const piece = m[0];
      const base = offset + m.index!;
      const { chars, charStart } = toByteChars(piece);
      const code = this.bpe(chars);
      let b = 0;
      for (let t = 0; t < code.ids.length; t++) {
        const b1 = b + code.byteLens[t];
        ids.push(code.ids[t]);
        if (charStart === null) {
          starts.push(base + b);
          ends.push(base + b1);
        } else {
          starts.push(base + charStart[b]);
          // End at the close of the character holding this token's last byte.
          let e = b1;
          while (e < charStart.length - 1 && charStart[e] === charStart[b1 - 1]) e++;
          ends.push(base + charStart[e]);
        }
        b = b1;
      }
    }
  }

  /** Encode text; special tokens written literally in the text become their ids. */
  encode(text: string): Encoding {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    if (this.specialPattern) {
      let last = 0;
      for (const m of text.matchAll(this.specialPattern)) {
        this.encodeOrdinary(text.slice(last, m.index), last, ids, starts, ends);
        ids.push(this.addedByContent.get(m[0])!);
        starts.push(m.index!);
        ends.push(m.index! + m[0].length);
        last = m.index! + m[0].length;
      }
      this.encodeOrdinary(text.slice(last), last, ids, starts, ends);
    } else this.encodeOrdinary(text, 0, ids, starts, ends);
    return { ids: Int32Array.from(ids), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
  }

  /** Text of a token sequence (bytes decoded as UTF-8, invalid sequences replaced). */
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    let out = '';
    const flush = () => {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    };
    for (let i = 0; i < ids.length; i++) {
      const tok = this.idToToken[ids[i]];
      if (tok === undefined) throw new RangeError(`tokenizer: id ${ids[i]} outside vocabulary of ${this.vocabSize}`);
      if (this.addedByContent.has(tok)) {
        flush();
        out += tok;
        continue;
      }
      for (const ch of tok) bytes.push(charToByte.get(ch) ?? 0x3f);
    }
    flush();
    return out;
  }

  /** Readable form of one token (its decoded text). */
  tokenText(id: number): string {
    return this.decode([id]);
  }

  /** Hugging Face tokenizer.json (the layout `tokenizers` writes for GPT-2). */
  toJSON(): object {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: this.addedTokens.map((t) => ({
        id: t.id,
        content: t.content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: t.special,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: Object.fromEntries(this.vocab),
        merges: this.merges.map(([a, b]) => `${a} ${b}`),
      },
    };
  }
}

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer?: { type?: string; use_regex?: boolean; add_prefix_space?: boolean; pretokenizers?: unknown[] } | null;
  normalizer?: unknown;
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
}

/** Parse a Hugging Face tokenizer.json holding a byte-level BPE model (GPT-2 and its relatives). */
export function tokenizerFromJson(json: unknown, where = 'tokenizer.json'): BpeTokenizer {
  const j = json as TokenizerJson;
  const unsupported = (what: string) =>
    new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: ${what}; the atlas reads byte-level BPE tokenizers (GPT-2 layout: model.type "BPE", pre_tokenizer "ByteLevel")`,
    );
  if (j.model?.type !== 'BPE' || !j.model.vocab || !j.model.merges) throw unsupported(`model type is ${JSON.stringify(j.model?.type)}`);
  let pattern = GPT2_PATTERN;
  const pre = j.pre_tokenizer;
  if (pre?.type === 'ByteLevel') {
    if (pre.add_prefix_space) throw unsupported('pre_tokenizer.add_prefix_space=true is not supported');
  } else if (pre?.type === 'Sequence') {
    // Llama-3 / Qwen style: Split(regex) then ByteLevel(use_regex=false).
    const parts = (pre.pretokenizers ?? []) as { type?: string; pattern?: { Regex?: string }; use_regex?: boolean }[];
    const split = parts.find((p) => p.type === 'Split');
    if (!parts.some((p) => p.type === 'ByteLevel')) throw unsupported('pre_tokenizer has no ByteLevel step');
    if (split?.pattern?.Regex) {
      try {
        pattern = new RegExp(split.pattern.Regex, 'gu');
      } catch {
        throw unsupported(`split pattern ${JSON.stringify(split.pattern.Regex)} is not a JavaScript regular expression`);
      }
    }
  } else throw unsupported(`pre_tokenizer type is ${JSON.stringify(pre?.type)}`);
  const vocab = new Map(Object.entries(j.model.vocab));
  const merges = j.model.merges.map((m) => {
    if (Array.isArray(m)) return [m[0], m[1]] as [string, string];
    const sp = m.indexOf(' ');
    return [m.slice(0, sp), m.slice(sp + 1)] as [string, string];
  });
  for (const b of byteToChar) if (!vocab.has(b)) throw unsupported(`byte symbol '${b}' is missing from the vocabulary`);
  const added = (j.added_tokens ?? []).map((t) => ({ id: t.id, content: t.content, special: t.special ?? true }));
  return new BpeTokenizer(vocab, merges, added, pattern);
}

/** A tokenizer loaded from disk with its identity for provenance: `<name>@<sha256 prefix of the file>`. */
export interface LoadedTokenizer {
  tokenizer: BpeTokenizer;
  identity: string;
}

/** Load tokenizer.json from a path. */
export function loadTokenizer(path: string, name = 'tokenizer'): LoadedTokenizer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AtlasError('SOURCE_NOT_FOUND', `${path}: cannot read the tokenizer (${(err as Error).message}); a model folder needs tokenizer.json`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AtlasError('SOURCE_MALFORMED', `${path}: not valid JSON; save it with tokenizer.save(path) from Hugging Face tokenizers`);
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { tokenizer: tokenizerFromJson(json, path), identity: `${name}@${hash}` };
}

// BPE tokenizers with character offsets, read from Hugging Face's tokenizer.json (and written, for those trained
// here). Our own encoder rather than a library's because the atlas needs every token's
// character span (to map word-level POS tags onto tokens), which the JS tokenizer libraries do not return.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AtlasError } from '../errors.js';
import { AddedTokenMatcher, type AddedToken } from './addedTokens.js';
import { BpeModel } from './bpeModel.js';
import { charToByte } from './byteLevel.js';
import { normalizerFromJson, type Normalize } from './normalizer.js';
import { preTokenize, preTokenizerFromJson, type PieceSink, type PreTokenizer } from './preTokenizer.js';

/** Token ids of a text with each token's character span text[starts[i], ends[i]). */
export interface Encoding {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

export type { AddedToken } from './addedTokens.js';

/** How text becomes pieces for the model: everything of tokenizer.json besides the vocabulary, merges and added tokens. */
export interface TokenizerPipeline {
  normalize: Normalize | null;
  preTokenizer: PreTokenizer;
  byteFallback: boolean;
  unkToken?: string;
  fuseUnk: boolean;
  ignoreMerges: boolean;
  /** The tokenizer.json this pipeline was read from, written back by toJSON. */
  source?: object;
}

/** GPT-2's pipeline: no normalizer, ByteLevel with its regex, plain BPE. */
export function gpt2Pipeline(): TokenizerPipeline {
  return {
    normalize: null,
    preTokenizer: preTokenizerFromJson({ type: 'ByteLevel', add_prefix_space: false, use_regex: true }, 'GPT-2'),
    byteFallback: false,
    fuseUnk: false,
    ignoreMerges: false,
  };
}

/** A BPE tokenizer (byte-level like GPT-2, Llama 3, Qwen2, Pythia; or SentencePiece-style like Llama 2) with spans. */
export class BpeTokenizer {
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  private readonly model: BpeModel;
  private readonly addedByContent: Map<string, AddedToken>;
  private readonly addedById = new Map<number, AddedToken>();
  /** Added tokens matched in the raw text, and those matched after normalization. */
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;
  private readonly unkId: number | undefined;
  /** Character the SentencePiece style writes for a space (decoded back to one). */
  private readonly spaceSymbol: string | null;

  constructor(
    vocab: Map<string, number>,
    readonly merges: [string, string][],
    readonly addedTokens: AddedToken[] = [],
    readonly pipeline: TokenizerPipeline = gpt2Pipeline(),
    where = 'tokenizer.json',
  ) {
    this.vocab = vocab;
    this.idToToken = [];
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    for (const t of addedTokens) {
      this.idToToken[t.id] = t.content;
      this.addedById.set(t.id, t);
    }
    this.unkId = pipeline.unkToken !== undefined ? vocab.get(pipeline.unkToken) : undefined;
    if (pipeline.unkToken !== undefined && this.unkId === undefined)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${where}: model.unk_token ${JSON.stringify(pipeline.unkToken)} is not in model.vocab; add it or set unk_token null`,
      );
    this.model = new BpeModel(
      vocab,
      merges,
      {
        byteLevel: pipeline.preTokenizer.byteLevel,
        byteFallback: pipeline.byteFallback,
        unkId: this.unkId,
        ignoreMerges: pipeline.ignoreMerges,
      },
      where,
    );
    this.addedByContent = new Map(addedTokens.map((t) => [t.content, t]));
    const normalize = pipeline.normalize;
    // Tokens marked normalized are looked for in the normalized text, as their normalized content.
    this.rawMatcher = new AddedTokenMatcher(
      addedTokens.filter((t) => !(t.normalized && normalize)).map((t) => [t.content, t]),
    );
    this.normalizedMatcher = new AddedTokenMatcher(
      normalize ? addedTokens.filter((t) => t.normalized).map((t) => [normalize(t.content).text, t]) : [],
    );
    this.spaceSymbol = pipeline.preTokenizer.byteLevel ? null : '\u2581';
  }

  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** Id of a token string (vocabulary entry or added token), or undefined. */
  tokenId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.vocab.get(token);
  }

  /** The usual end-of-text / BOS token of GPT-2-style vocabularies, if present. */
  get eosId(): number | undefined {
    return this.tokenId('<|endoftext|>');
  }

  /** Encode text; added tokens written literally in the text become their ids. No BOS (see bosRule.ts). */
  encode(text: string): Encoding {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const sections = this.rawMatcher.split(text);
    for (let s = 0; s < sections.length; s++) {
      const { token, start, end } = sections[s];
      if (token) {
        ids.push(token.id);
        starts.push(start);
        ends.push(end);
      } else if (end > start) this.encodeSection(text.slice(start, end), start, s, ids, starts, ends);
    }
    return { ids: Int32Array.from(ids), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
  }

  /** One stretch of text between raw-matched added tokens: normalize, find normalized added tokens, pre-tokenize, BPE. */
  private encodeSection(
    section: string,
    base: number,
    sectionIndex: number,
    ids: number[],
    starts: number[],
    ends: number[],
  ): void {
    const normalized = this.pipeline.normalize ? this.pipeline.normalize(section) : null;
    const text = normalized ? normalized.text : section;
    const from = normalized?.from ?? null;
    const to = normalized?.to ?? null;
    const n = text.length;
    // Normalized span [a, b) to a span of the input text.
    const original = (a: number, b: number): [number, number] => {
      if (!from) return [base + a, base + b];
      if (a === b) {
        const p = a < n ? from[a] : n > 0 ? to![n - 1] : section.length;
        return [base + p, base + p];
      }
      return [base + from[a], base + to![b - 1]];
    };
    const fuseUnk = this.pipeline.fuseUnk && this.unkId !== undefined;
    let lastUnk = false;
    const sink: PieceSink = (piece, start, offsets) => {
      const code = this.model.encodePiece(piece);
      for (let t = 0; t < code.ids.length; t++) {
        const id = code.ids[t];
        let a: number;
        let b: number;
        if (!offsets) {
          a = start + code.starts[t];
          b = start + code.ends[t];
        } else [a, b] = pieceSpan(offsets, code.starts[t], code.ends[t]);
        const [oa, ob] = from ? original(a, b) : [base + a, base + b];
        if (fuseUnk && id === this.unkId && lastUnk) {
          ends[ends.length - 1] = ob;
          continue;
        }
        lastUnk = id === this.unkId;
        ids.push(id);
        starts.push(oa);
        ends.push(ob);
      }
    };
    for (const sub of this.normalizedMatcher.split(text)) {
      if (sub.token) {
        const [oa, ob] = original(sub.start, sub.end);
        ids.push(sub.token.id);
        starts.push(oa);
        ends.push(ob);
        lastUnk = false;
      } else if (sub.end > sub.start)
        preTokenize(this.pipeline.preTokenizer, text.slice(sub.start, sub.end), sub.start, sectionIndex, sink);
    }
  }

  /** Text of a token sequence (bytes decoded as UTF-8, invalid sequences replaced). */
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    let out = '';
    const flush = () => {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    };
    const byteLevel = this.pipeline.preTokenizer.byteLevel;
    for (let i = 0; i < ids.length; i++) {
      const tok = this.idToToken[ids[i]];
      if (tok === undefined) throw new RangeError(`tokenizer: id ${ids[i]} outside vocabulary of ${this.vocabSize}`);
      if (this.addedById.has(ids[i])) {
        flush();
        out += tok;
      } else if (byteLevel) for (const ch of tok) bytes.push(charToByte.get(ch) ?? 0x3f);
      else {
        const byte = /^<0x([0-9A-F]{2})>$/.exec(tok);
        if (byte) bytes.push(parseInt(byte[1], 16));
        else for (const b of Buffer.from(this.spaceSymbol ? tok.replaceAll(this.spaceSymbol, ' ') : tok)) bytes.push(b);
      }
    }
    flush();
    return out;
  }

  /** Readable form of one token (its decoded text). */
  tokenText(id: number): string {
    return this.decode([id]);
  }

  /** Hugging Face tokenizer.json: the file it was read from, or GPT-2's layout for a tokenizer trained here. */
  toJSON(): object {
    if (this.pipeline.source) return this.pipeline.source;
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

/** A span [u0, u1) of piece units to normalized text, through per-unit offsets (-1: inserted by the pre-tokenizer). */
function pieceSpan(offsets: Int32Array, u0: number, u1: number): [number, number] {
  let a = -1;
  let b = -1;
  for (let u = u0; u < u1; u++)
    if (offsets[u] >= 0) {
      if (a < 0) a = offsets[u];
      b = offsets[u] + 1;
    }
  if (a >= 0) return [a, b];
  // Only inserted units (a prepended "▁"): an empty span where the next real unit is.
  for (let u = u1; u < offsets.length; u++) if (offsets[u] >= 0) return [offsets[u], offsets[u]];
  for (let u = u0 - 1; u >= 0; u--) if (offsets[u] >= 0) return [offsets[u] + 1, offsets[u] + 1];
  return [0, 0];
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    merges?: (string | [string, string])[];
    unk_token?: string | null;
    byte_fallback?: boolean;
    fuse_unk?: boolean;
    ignore_merges?: boolean;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    dropout?: number | null;
  };
}

/**
 * Parse a Hugging Face tokenizer.json holding a BPE model: byte-level (GPT-2, Pythia, Llama 3, Qwen2) or
 * SentencePiece-style with byte fallback (Llama 2, TinyLlama, Mistral).
 */
export function tokenizerFromJson(json: unknown, where = 'tokenizer.json'): BpeTokenizer {
  const j = json as TokenizerJson;
  const refuse = (what: string) =>
    new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: ${what}; the atlas reads BPE tokenizers (model.type "BPE": byte-level like GPT-2, Llama 3, Qwen2 ` +
        'and Pythia, or SentencePiece-style with byte_fallback like Llama 2 and Mistral)',
    );
  if (typeof json !== 'object' || json === null) throw refuse('the file holds no JSON object');
  const model = j.model;
  if (model?.type !== 'BPE' && !(model?.type === undefined && model?.merges))
    throw refuse(`model.type is ${JSON.stringify(model?.type)}`);
  if (!model.vocab || typeof model.vocab !== 'object') throw refuse('model.vocab is missing');
  if (!Array.isArray(model.merges)) throw refuse('model.merges is missing');
  if (model.continuing_subword_prefix || model.end_of_word_suffix)
    throw refuse('model.continuing_subword_prefix / end_of_word_suffix are set (a WordPiece-like BPE)');
  if (model.dropout) throw refuse(`model.dropout is ${model.dropout} (BPE dropout is for training; set it to null)`);
  const vocab = new Map(Object.entries(model.vocab));
  const merges = model.merges.map((m, i) => {
    if (Array.isArray(m)) return [m[0], m[1]] as [string, string];
    const sp = typeof m === 'string' ? m.indexOf(' ') : -1;
    if (sp < 0) throw refuse(`model.merges[${i}] is ${JSON.stringify(m)}, not "a b" or ["a", "b"]`);
    return [m.slice(0, sp), m.slice(sp + 1)] as [string, string];
  });
  const pipeline: TokenizerPipeline = {
    normalize: normalizerFromJson(j.normalizer, where),
    preTokenizer: preTokenizerFromJson(j.pre_tokenizer, where),
    byteFallback: model.byte_fallback ?? false,
    unkToken: model.unk_token ?? undefined,
    fuseUnk: model.fuse_unk ?? false,
    ignoreMerges: model.ignore_merges ?? false,
    source: json as object,
  };
  const added = (j.added_tokens ?? []).map((t) => ({
    id: t.id,
    content: t.content,
    special: t.special ?? false,
    lstrip: t.lstrip ?? false,
    rstrip: t.rstrip ?? false,
    // The Rust crate's default: special tokens are matched in the raw text.
    normalized: t.normalized ?? !(t.special ?? false),
  }));
  return new BpeTokenizer(vocab, merges, added, pipeline, where);
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
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${path}: cannot read the tokenizer (${(err as Error).message}); a model folder needs tokenizer.json`,
      {
        cause: err,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: not valid JSON; save it with tokenizer.save(path) from Hugging Face tokenizers`,
    );
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { tokenizer: tokenizerFromJson(json, path), identity: `${name}@${hash}` };
}

// The BPE model of tokenizer.json: ranked merges applied to one pre-token at a time, lowest rank first and, among
// equal ranks, leftmost first (the order of the Rust crate and of @huggingface/tokenizers). Symbols are vocabulary
// ids and merges live in an open-addressing table keyed by the id pair, so no strings are built while merging.
// Two symbol alphabets: GPT-2's 256 byte stand-ins (byte-level BPE), or characters with unknown ones spelled as
// `<0xXX>` byte tokens (SentencePiece-style byte fallback).
import { AtlasError } from '../errors.js';
import { byteToChar, toByteChars } from './byteLevel.js';

/** Tokens of one pre-token: ids and each token's span [starts[i], ends[i]) in the pre-token's UTF-16 units. */
export interface PieceCode {
  ids: number[];
  starts: number[];
  ends: number[];
}

export interface BpeModelOptions {
  /** Symbols are the UTF-8 bytes of the piece in GPT-2's byte alphabet; otherwise its characters. */
  byteLevel: boolean;
  /** Characters missing from the vocabulary become their UTF-8 bytes as `<0xXX>` tokens. */
  byteFallback: boolean;
  /** Id of the unknown token, when the vocabulary has one. */
  unkId?: number;
  /** A pre-token that is itself in the vocabulary is one token, merges or not (Llama 3). */
  ignoreMerges: boolean;
}

/** Pre-tokens longer than this (UTF-16 units) are not cached: they are rare, and a long text is one in Llama 2. */
const MAX_CACHED_LENGTH = 256;
const CACHE_ENTRIES = 200_000;
/** Words up to this many symbols merge by rescanning (fast for short words); longer ones use a heap. */
const SCAN_LIMIT = 48;

const encoder = new TextEncoder();

export class BpeModel {
  /** Open-addressing table: slot k holds left id, right id, merge rank (-1: empty). */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly rank: Int32Array;
  /** Id of the token each merge (by rank) produces. */
  private readonly result: Int32Array;
  private readonly mask: number;
  private readonly byteIds: Int32Array;
  private readonly cache = new Map<string, PieceCode>();
  // Scratch buffers for one word, grown as needed.
  private sym = new Int32Array(64);
  private width = new Int32Array(64);

  constructor(
    readonly vocab: Map<string, number>,
    merges: [string, string][],
    readonly options: BpeModelOptions,
    where: string,
  ) {
    let size = 16;
    while (size < merges.length * 2) size *= 2;
    this.mask = size - 1;
    this.left = new Int32Array(size);
    this.right = new Int32Array(size);
    this.rank = new Int32Array(size).fill(-1);
    this.result = new Int32Array(merges.length);
    merges.forEach(([a, b], r) => {
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      const im = vocab.get(a + b);
      if (ia === undefined || ib === undefined || im === undefined)
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${where}: merge ${r} ${JSON.stringify(`${a} ${b}`)} names a token missing from model.vocab ` +
            `(${JSON.stringify(ia === undefined ? a : ib === undefined ? b : a + b)}); the merges and the vocabulary disagree`,
        );
      this.result[r] = im;
      // A pair listed twice keeps its last rank, as the Rust crate and @huggingface/tokenizers do.
      let k = this.slot(ia, ib);
      while (this.rank[k] >= 0 && !(this.left[k] === ia && this.right[k] === ib)) k = (k + 1) & this.mask;
      this.left[k] = ia;
      this.right[k] = ib;
      this.rank[k] = r;
    });
    this.byteIds = new Int32Array(256).fill(-1);
    if (options.byteLevel) {
      for (let b = 0; b < 256; b++) {
        const id = vocab.get(byteToChar[b]);
        if (id === undefined)
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `${where}: byte-level BPE needs all 256 byte symbols in model.vocab; '${byteToChar[b]}' (byte ${b}) is missing`,
          );
        this.byteIds[b] = id;
      }
    } else if (options.byteFallback) {
      for (let b = 0; b < 256; b++) {
        const id = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (id !== undefined) this.byteIds[b] = id;
      }
    }
  }

  private slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
  }

  /** Rank of merging a with b, or -1. */
  private pairRank(a: number, b: number): number {
    if (a < 0 || b < 0) return -1;
    let k = this.slot(a, b);
    for (;;) {
      const r = this.rank[k];
      if (r < 0) return -1;
      if (this.left[k] === a && this.right[k] === b) return r;
      k = (k + 1) & this.mask;
    }
  }

  private ensure(n: number) {
    if (this.sym.length >= n) return;
    let size = this.sym.length;
    while (size < n) size *= 2;
    this.sym = new Int32Array(size);
    this.width = new Int32Array(size);
  }

  /** Merge sym[0..n) in place (widths summed); returns the new length. */
  private merge(n: number): number {
    const { sym, width } = this;
    if (n > SCAN_LIMIT) return this.mergeWithHeap(n);
    while (n > 1) {
      let best = -1;
      let bestAt = -1;
      for (let i = 0; i < n - 1; i++) {
        const r = this.pairRank(sym[i], sym[i + 1]);
        if (r >= 0 && (best < 0 || r < best)) {
          best = r;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      sym[bestAt] = this.result[best];
      width[bestAt] += width[bestAt + 1];
      sym.copyWithin(bestAt + 1, bestAt + 2, n);
      width.copyWithin(bestAt + 1, bestAt + 2, n);
      n--;
    }
    return n;
  }

  /** The same merges for long words: a linked list of symbols and a min-heap of (rank, position) candidates. */
  private mergeWithHeap(n: number): number {
    const { sym, width } = this;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Heap keys rank * 2^24 + position: exact in a double for ranks < 2^28 and words < 2^24 symbols.
    const POS = 16_777_216;
    const heap: number[] = [];
    const push = (key: number) => {
      let i = heap.push(key) - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p] <= key) break;
        heap[i] = heap[p];
        i = p;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= heap.length) break;
          const c = l + 1 < heap.length && heap[l + 1] < heap[l] ? l + 1 : l;
          if (heap[c] >= last) break;
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = last;
      }
      return top;
    };
    const consider = (i: number) => {
      const j = next[i];
      if (j < 0) return;
      const r = this.pairRank(sym[i], sym[j]);
      if (r >= 0) push(r * POS + i);
    };
    for (let i = 0; i < n - 1; i++) consider(i);
    const alive = new Uint8Array(n).fill(1);
    while (heap.length > 0) {
      const key = pop();
      const i = key % POS;
      const r = (key - i) / POS;
      const j = next[i];
      // Stale candidates: the left symbol was merged away, or either symbol changed since it was queued.
      if (!alive[i] || j < 0 || this.pairRank(sym[i], sym[j]) !== r) continue;
      sym[i] = this.result[r];
      width[i] += width[j];
      alive[j] = 0;
      next[i] = next[j];
      if (next[j] >= 0) prev[next[j]] = i;
      if (prev[i] >= 0) consider(prev[i]);
      consider(i);
    }
    let m = 0;
    for (let i = 0; i >= 0; i = next[i]) {
      sym[m] = sym[i];
      width[m] = width[i];
      m++;
    }
    return m;
  }

  /** Tokens of one pre-token (its text before any byte mapping). Cached by text. */
  encodePiece(text: string): PieceCode {
    const hit = this.cache.get(text);
    if (hit) return hit;
    const code = this.options.byteLevel ? this.encodeBytes(text) : this.encodeChars(text);
    if (text.length < MAX_CACHED_LENGTH) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
      this.cache.set(text, code);
    }
    return code;
  }

  private encodeBytes(text: string): PieceCode {
    let ascii = true;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) ascii = false;
    // charStart[b]: the UTF-16 offset of the character holding byte b; charStart[nBytes] = text.length.
    let charStart: number[] | null = null;
    let n: number;
    if (ascii) {
      n = text.length;
      this.ensure(n);
      for (let i = 0; i < n; i++) {
        this.sym[i] = this.byteIds[text.charCodeAt(i)];
        this.width[i] = 1;
      }
    } else {
      const bytes = encoder.encode(text);
      n = bytes.length;
      this.ensure(n);
      charStart = [];
      let u = 0;
      for (const cp of text) {
        const len =
          cp.codePointAt(0)! < 0x80 ? 1 : cp.codePointAt(0)! < 0x800 ? 2 : cp.codePointAt(0)! < 0x10000 ? 3 : 4;
        for (let k = 0; k < len; k++) charStart.push(u);
        u += cp.length;
      }
      charStart.push(text.length);
      for (let i = 0; i < n; i++) {
        this.sym[i] = this.byteIds[bytes[i]];
        this.width[i] = 1;
      }
    }
    if (this.options.ignoreMerges && n > 1) {
      const whole = this.vocab.get(toByteChars(text).chars);
      if (whole !== undefined) return { ids: [whole], starts: [0], ends: [text.length] };
    }
    const m = this.merge(n);
    const code: PieceCode = { ids: [], starts: [], ends: [] };
    let b = 0;
    for (let t = 0; t < m; t++) {
      const b1 = b + this.width[t];
      code.ids.push(this.sym[t]);
      if (!charStart) {
        code.starts.push(b);
        code.ends.push(b1);
      } else {
        code.starts.push(charStart[b]);
        // A token ending inside a character ends where that character does.
        let e = b1;
        while (e < n && charStart[e] === charStart[b1 - 1]) e++;
        code.ends.push(charStart[e]);
      }
      b = b1;
    }
    return code;
  }

  private encodeChars(text: string): PieceCode {
    if (this.options.ignoreMerges) {
      const whole = this.vocab.get(text);
      if (whole !== undefined) return { ids: [whole], starts: [0], ends: [text.length] };
    }
    this.ensure(text.length);
    let n = 0;
    for (const ch of text) {
      this.sym[n] = this.vocab.get(ch) ?? -1;
      this.width[n] = ch.length;
      n++;
    }
    const m = this.merge(n);
    const code: PieceCode = { ids: [], starts: [], ends: [] };
    let u = 0;
    for (let t = 0; t < m; t++) {
      const u1 = u + this.width[t];
      const id = this.sym[t];
      if (id >= 0) {
        code.ids.push(id);
        code.starts.push(u);
        code.ends.push(u1);
      } else {
        // An unknown character (merges never touch one): its bytes, if the vocabulary has them all, else unk.
        const bytes = this.options.byteFallback ? encoder.encode(text.slice(u, u1)) : null;
        if (bytes && bytes.every((x) => this.byteIds[x] >= 0))
          for (const x of bytes) {
            code.ids.push(this.byteIds[x]);
            code.starts.push(u);
            code.ends.push(u1);
          }
        else if (this.options.unkId !== undefined) {
          code.ids.push(this.options.unkId);
          code.starts.push(u);
          code.ends.push(u1);
        }
      }
      u = u1;
    }
    return code;
  }
}

// Train a byte-level BPE vocabulary (Sennrich et al. 2016; GPT-2's byte variant) on a corpus.
// Pair counts are kept incrementally with an index pair -> words, so each merge touches only the words
// that contain the pair: Brown (~60k distinct pre-tokens) trains a 4,096 vocabulary in seconds.
import { byteAlphabet, GPT2_PATTERN, toByteChars } from './byteLevel.js';
import { BpeTokenizer } from './bpe.js';

export interface TrainBpeOptions {
  /** Final vocabulary size including the 256 bytes and the special tokens. */
  vocabSize: number;
  /** Appended after the merges, e.g. `<|endoftext|>`. */
  specialTokens?: string[];
  /** Pairs seen fewer times than this are never merged. */
  minFrequency?: number;
}

/** Learn merges from texts (any iterable, consumed once). Deterministic: ties break on the pair's text. */
export function trainBpe(texts: Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
  const specials = options.specialTokens ?? ['<|endoftext|>'];
  const wordFreq = new Map<string, number>();
  for (const text of texts)
    for (const m of text.matchAll(GPT2_PATTERN)) {
      const chars = toByteChars(m[0]).chars;
      wordFreq.set(chars, (wordFreq.get(chars) ?? 0) + 1);
    }
  const symbols: string[] = [...byteAlphabet];
  const merges = learnMerges(
    wordFreq,
    symbols,
    options.vocabSize - symbols.length - specials.length,
    options.minFrequency,
  );
  for (const [a, b] of merges) symbols.push(a + b);
  const vocab = new Map(symbols.map((s, i) => [s, i]));
  const added = specials.map((content, i) => ({ id: symbols.length + i, content, special: true }));
  return new BpeTokenizer(vocab, merges, added);
}

/**
 * Merges learnt from pre-token counts (pre-tokens written in the symbols of `alphabet`, each character one symbol),
 * at most `maxMerges`, most frequent pair first. Every character of every pre-token must be in `alphabet`.
 */
export function learnMerges(
  wordFreq: Map<string, number>,
  alphabet: string[],
  maxMerges: number,
  minFrequency = 2,
): [string, string][] {
  const symbols = [...alphabet];
  const symbolId = new Map(symbols.map((s, i) => [s, i]));
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [w, f] of [...wordFreq].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    words.push(Array.from(w, (c) => symbolId.get(c)!));
    freqs.push(f);
  }

  // Pair key: a * 2^16 + b (vocabularies stay far below 65,536 symbols here).
  const key = (a: number, b: number) => a * 65536 + b;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addWord = (wi: number, sign: number) => {
    const w = words[wi];
    for (let i = 0; i < w.length - 1; i++) {
      const k = key(w[i], w[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freqs[wi]);
      if (sign > 0) {
        let s = pairWords.get(k);
        if (!s) pairWords.set(k, (s = new Set()));
        s.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addWord(wi, 1);

  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    let bestKey = -1;
    let bestCount = 0;
    let bestText = '';
    for (const [k, c] of pairCount) {
      if (c < bestCount || c < minFrequency) continue;
      const text = `${symbols[Math.floor(k / 65536)]} ${symbols[k % 65536]}`;
      if (c > bestCount || text < bestText) {
        bestKey = k;
        bestCount = c;
        bestText = text;
      }
    }
    if (bestKey < 0) break;
    const a = Math.floor(bestKey / 65536);
    const b = bestKey % 65536;
    const merged = symbols.length;
    symbols.push(symbols[a] + symbols[b]);
    merges.push([symbols[a], symbols[b]]);
    for (const wi of pairWords.get(bestKey) ?? []) {
      const w = words[wi];
      addWord(wi, -1);
      const out: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i < w.length - 1 && w[i] === a && w[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(w[i]);
      }
      words[wi] = out;
      addWord(wi, 1);
    }
    pairCount.delete(bestKey);
    pairWords.delete(bestKey);
    for (const [k, c] of pairCount) if (c <= 0) pairCount.delete(k);
  }

  return merges;
}

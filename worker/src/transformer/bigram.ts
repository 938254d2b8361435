// The baseline a trained LM must beat: an add-k smoothed bigram model. k is tuned on the validation
// split (add-one is a weak baseline on a 4,096-token vocabulary; the best k is typically ~0.01).

/** Bigram counts over a token stream (pairs never cross a -1 separator). */
export interface BigramCounts {
  vocabSize: number;
  /** pairs.get(a * vocabSize + b) = count of b after a. */
  pairs: Map<number, number>;
  /** Count of a as the left side of a pair. */
  left: Float64Array;
}

/** Count bigrams in a stream of token ids. */
export function countBigrams(stream: ArrayLike<number>, vocabSize: number): BigramCounts {
  const pairs = new Map<number, number>();
  const left = new Float64Array(vocabSize);
  for (let i = 0; i + 1 < stream.length; i++) {
    const a = stream[i];
    const b = stream[i + 1];
    if (a < 0 || b < 0) continue;
    const k = a * vocabSize + b;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
    left[a]++;
  }
  return { vocabSize, pairs, left };
}

/** Mean cross-entropy (nats) of add-k bigram predictions for (prev, next) pairs. */
export function bigramCrossEntropy(counts: BigramCounts, prev: ArrayLike<number>, next: ArrayLike<number>, k: number): number {
  let total = 0;
  const v = counts.vocabSize;
  for (let i = 0; i < prev.length; i++) {
    const c = counts.pairs.get(prev[i] * v + next[i]) ?? 0;
    total -= Math.log((c + k) / (counts.left[prev[i]] + k * v));
  }
  return total / prev.length;
}

/** The k (from a log-spaced grid) with the lowest validation cross-entropy, and that loss. */
export function tuneAddK(counts: BigramCounts, prev: ArrayLike<number>, next: ArrayLike<number>): { k: number; loss: number; addOneLoss: number } {
  let best = { k: 1, loss: Infinity };
  for (let e = -5; e <= 0; e += 0.25) {
    const k = 10 ** e;
    const loss = bigramCrossEntropy(counts, prev, next, k);
    if (loss < best.loss) best = { k, loss };
  }
  return { ...best, addOneLoss: bigramCrossEntropy(counts, prev, next, 1) };
}

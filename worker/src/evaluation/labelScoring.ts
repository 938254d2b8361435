// Label scoring without a language model: an auto-label (a POS tag, a genre, a peak token) is a predicate on
// tokens, and the feature a detector of it; scored on held-out tokens by precision, recall and F1 of "fires" vs
// "holds" and by ROC-AUC of the activation as the score (the detection score of autointerp, with a rule as judge).

/** How well one feature's activation predicts one predicate on held-out tokens. */
export interface DetectionScore {
  precision: number;
  recall: number;
  f1: number;
  /** P(activation on a token where it holds > on one where it does not), ties counted half; NaN without both. */
  rocAuc: number;
  /** Held-out tokens where the predicate holds. */
  positives: number;
  /** Held-out tokens scored. */
  tokens: number;
}

/**
 * Score a feature as a detector of `holds` [tokens] (1: the predicate holds), from the tokens it fires on
 * (`firingTokens`, ascending or not, with activations > 0 alongside); every other token's activation is 0.
 */
export function detectionScore(
  holds: Uint8Array,
  firingTokens: Int32Array,
  firingValues: Float32Array,
): DetectionScore {
  const tokens = holds.length;
  let positives = 0;
  for (let t = 0; t < tokens; t++) positives += holds[t];
  const negatives = tokens - positives;
  let firedPositive = 0;
  const order = Array.from(firingTokens.keys()).sort((a, b) => firingValues[a] - firingValues[b]);
  for (const i of order) firedPositive += holds[firingTokens[i]];
  const fired = firingTokens.length;
  const precision = fired > 0 ? firedPositive / fired : 0;
  const recall = positives > 0 ? firedPositive / positives : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  // Mann-Whitney over groups of equal activation, the silent tokens (activation 0) the lowest group.
  const silentPositive = positives - firedPositive;
  let negativesBelow = negatives - (fired - firedPositive);
  let wins = 0.5 * silentPositive * negativesBelow;
  for (let g = 0; g < order.length;) {
    const value = firingValues[order[g]];
    let groupPositive = 0;
    let groupNegative = 0;
    for (; g < order.length && firingValues[order[g]] === value; g++)
      if (holds[firingTokens[order[g]]]) groupPositive++;
      else groupNegative++;
    wins += groupPositive * (negativesBelow + 0.5 * groupNegative);
    negativesBelow += groupNegative;
  }
  const rocAuc = positives > 0 && negatives > 0 ? wins / (positives * negatives) : NaN;
  return { precision, recall, f1, rocAuc, positives, tokens };
}

// What a feature's label says, decided when it is read, from what the analysis stored: the label column
// (`vbd (F1 0.81)`, `news (genre) (F1 0.41)`, `"the" "a"`, or a label a person or an import wrote) and the
// association scores behind it. Read time keeps every existing atlas right without re-analysis, and the rule
// lives here once, in TypeScript for what the api returns and in SQL for what search and filters match.
import { BROWN_TAGS, brownTagLabel } from './brownTags.js';

/** An association is a label only from this F1 up (the analysis' `shortLabel` uses the same). */
export const MIN_LABEL_F1 = 0.3;

/**
 * Fewer firings than this and a feature gets no label. With n firings a precision is known to about
 * ±0.5/√n; at 10 that is ±0.16, past which a label would be a guess that reads like a finding.
 */
export const MIN_FIRINGS_TO_LABEL = 10;

/** One association as the analysis stores it in `label_scores.scores` (best F1 first). */
export interface StoredLabelScore {
  family: string;
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The label as the atlas shows it. */
export interface FeatureLabel {
  /** "verb, past tense (vbd)", `news (genre)`, `"the" "a"`, a person's label; null when unlabelled. */
  text: string | null;
  /** The label's own score (F1 of the association it names); null for token labels and labels from elsewhere. */
  score: number | null;
  /** The Brown tag the label names, lower case. */
  tag: string | null;
  /** Tokens the feature fired on in the analysis, when the stored evidence tells. */
  firings: number | null;
  /** Why there is no label: "too rare to label: 2 firings". */
  unlabelledReason: string | null;
}

/** `<key> (F1 0.81)`: a label the analysis made from an association. */
const FROM_ASSOCIATION = /^(.+) \(F1 (\d+(?:\.\d+)?)\)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The best stored association, when label_scores has the analysis' shape. */
function bestScore(labelScores: unknown): Partial<StoredLabelScore> | undefined {
  const scores = isRecord(labelScores) ? labelScores.scores : undefined;
  return Array.isArray(scores) && isRecord(scores[0]) ? (scores[0] as Partial<StoredLabelScore>) : undefined;
}

/** Firings: stored by the analysis since issue 13; before, support / precision of any association gives it. */
export function firingsOf(labelScores: unknown): number | null {
  if (isRecord(labelScores) && typeof labelScores.fires === 'number') return labelScores.fires;
  const best = bestScore(labelScores);
  if (best && typeof best.support === 'number' && typeof best.precision === 'number' && best.precision > 0)
    return Math.round(best.support / best.precision);
  return null;
}

export function tooRareReason(firings: number): string {
  return `too rare to label: ${firings} firing${firings === 1 ? '' : 's'}`;
}

/** The label to show for a feature's stored label and label scores. */
export function featureLabel(label: string | null, labelScores: unknown): FeatureLabel {
  const firings = firingsOf(labelScores);
  if (firings !== null && firings < MIN_FIRINGS_TO_LABEL)
    return { text: null, score: null, tag: null, firings, unlabelledReason: tooRareReason(firings) };
  const plain = { text: label, score: null, tag: null, firings, unlabelledReason: null };
  const parsed = label === null ? null : FROM_ASSOCIATION.exec(label);
  if (!parsed) return plain;
  const key = parsed[1];
  const best = bestScore(labelScores);
  // The stored F1 has two digits; the association's own is exact and breaks ties.
  const score = best?.label === key && typeof best.f1 === 'number' ? best.f1 : Number(parsed[2]);
  const tag = key.toLowerCase();
  if (BROWN_TAGS.includes(tag)) return { text: brownTagLabel(tag), score, tag, firings, unlabelledReason: null };
  return { text: key, score, tag: null, firings, unlabelledReason: null };
}

/**
 * The same rule in SQL over a `features` row aliased `f`, for search and filters: the key of a label made from an
 * association (`vbd`, `news (genre)`; NULL for other labels), its score, and the firings (NULL when unknown).
 */
export const LABEL_KEY_SQL = `substring(f.label from '^(.+) \\(F1 [0-9]+(?:\\.[0-9]+)?\\)$')`;

const BEST_SQL = `f.label_scores->'scores'->0`;
const NUMBER_SQL = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json})::float8 END`;

export const LABEL_SCORE_SQL = `CASE WHEN ${BEST_SQL}->>'label' = ${LABEL_KEY_SQL} THEN ${NUMBER_SQL(`${BEST_SQL}->'f1'`)}
  ELSE substring(f.label from ' \\(F1 ([0-9]+(?:\\.[0-9]+)?)\\)$')::float8 END`;

export const FIRINGS_SQL = `coalesce(${NUMBER_SQL(`f.label_scores->'fires'`)},
  round(${NUMBER_SQL(`${BEST_SQL}->'support'`)} / nullif(${NUMBER_SQL(`${BEST_SQL}->'precision'`)}, 0)))`;

/** True for a feature whose label is shown (not hidden as too rare). */
export const LABEL_SHOWN_SQL = `(f.label IS NOT NULL AND coalesce(${FIRINGS_SQL} >= ${MIN_FIRINGS_TO_LABEL}, true))`;

/** A stored association with the name a person reads: "verb, past tense (vbd)", "news (genre)". */
export interface NamedLabelScore extends StoredLabelScore {
  name: string;
}

/** The associations of label_scores, best first as stored, named; malformed entries are left out. */
export function namedLabelScores(labelScores: unknown): NamedLabelScore[] {
  const scores = isRecord(labelScores) ? labelScores.scores : undefined;
  if (!Array.isArray(scores)) return [];
  return scores.flatMap((s: unknown) => {
    if (!isRecord(s) || typeof s.family !== 'string' || typeof s.label !== 'string') return [];
    const numbers = [s.precision, s.recall, s.f1, s.support];
    if (!numbers.every((n) => typeof n === 'number')) return [];
    const name = s.family === 'pos' ? brownTagLabel(s.label) : s.family === 'genre' ? `${s.label} (genre)` : s.label;
    return [{ ...(s as unknown as StoredLabelScore), name }];
  });
}

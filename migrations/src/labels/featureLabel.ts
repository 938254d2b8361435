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
  /** Tokens where the feature fires and the label holds. */
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

/** Where the SQL form of the rule reads a row: the label, the best association (jsonb) and the stored firings. */
export interface LabelColumns {
  label: string;
  best: string;
  fires: string;
}

/** The columns of a `features` row aliased `f`. */
export const FEATURE_LABEL_COLUMNS: LabelColumns = {
  label: 'f.label',
  best: "f.label_scores->'scores'->0",
  fires: "f.label_scores->'fires'",
};

/**
 * The same rule in SQL, for search and filters: the key of a label made from an association (`vbd`,
 * `news (genre)`; NULL for other labels), its score, the firings (NULL when unknown) and whether it is shown.
 * Searches select `best` and `fires` once per candidate (each `->` on label_scores reads the whole jsonb again).
 */
export function labelSql(c: LabelColumns = FEATURE_LABEL_COLUMNS) {
  const number = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json})::float8 END`;
  // LIKE first: far cheaper than the regular expression on the labels it rules out.
  const key = `CASE WHEN ${c.label} LIKE '% (F1 %' THEN substring(${c.label} from '^(.+) \\(F1 [0-9]+(?:\\.[0-9]+)?\\)$') END`;
  const score = `CASE WHEN ${c.best}->>'label' = ${key} THEN ${number(`${c.best}->'f1'`)}
    ELSE substring(${c.label} from ' \\(F1 ([0-9]+(?:\\.[0-9]+)?)\\)$')::float8 END`;
  const firings = `coalesce(${number(c.fires)},
    round(${number(`${c.best}->'support'`)} / nullif(${number(`${c.best}->'precision'`)}, 0)))`;
  const shown = `(${c.label} IS NOT NULL AND coalesce(${firings} >= ${MIN_FIRINGS_TO_LABEL}, true))`;
  return { key, score, firings, shown };
}

/** A stored association with the name a person reads: "verb, past tense (vbd)", "news (genre)". */
export interface NamedLabelScore extends StoredLabelScore {
  name: string;
}

/** The name a person reads for a label of `family` (pos, genre, token): "verb, past tense (vbd)", "news (genre)". */
export function labelName(family: string, label: string): string {
  return family === 'pos' ? brownTagLabel(label) : family === 'genre' ? `${label} (genre)` : label;
}

/** The associations of label_scores, best first as stored, named; malformed entries are left out. */
export function namedLabelScores(labelScores: unknown): NamedLabelScore[] {
  const scores = isRecord(labelScores) ? labelScores.scores : undefined;
  if (!Array.isArray(scores)) return [];
  return scores.flatMap((s: unknown) => {
    if (!isRecord(s) || typeof s.family !== 'string' || typeof s.label !== 'string') return [];
    const numbers = [s.precision, s.recall, s.f1, s.support];
    if (!numbers.every((n) => typeof n === 'number')) return [];
    return [{ ...(s as unknown as StoredLabelScore), name: labelName(s.family, s.label) }];
  });
}

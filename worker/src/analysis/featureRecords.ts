// The records an analysis hands to ingest: per feature its statistics, label, logit effects, map position and
// neighbours, and its example windows with token texts Postgres can store.
import { MIN_FIRINGS_TO_LABEL } from '@atlas/migrations';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import type { ExampleRecord, FeatureRecord } from '../ingest/ingestDictionary.js';
import type { FeatureEvidenceCollector, FeatureExampleWindow } from './featureEvidence.js';
import { shortLabel, type LabelAssociation } from './labelAssociation.js';
import type { Neighbours } from '../ingest/featureLinks.js';

/**
 * Token text that Postgres can store: NUL and other control characters (byte-level tokens) become visible
 * escapes such as `\x00`; tab and newline stay (the atlas shows them).
 */
export function storableToken(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/**
 * A token's storable text by id, each decoded once (examples repeat tokens many times). Ids the tokenizer lacks
 * are `<id>`: models pad the unembedding past the tokenizer (Pythia: 50,304 rows for 50,277 tokens), so logit
 * effects can name such a row.
 */
export function storableTokenText(tokenizer: {
  vocabSize: number;
  tokenText(id: number): string;
}): (id: number) => string {
  const texts: (string | undefined)[] = [];
  return (id) => (texts[id] ??= id < tokenizer.vocabSize ? storableToken(tokenizer.tokenText(id)) : `<${id}>`);
}

function toExample(
  e: FeatureExampleWindow,
  f: number,
  kind: 'top' | 'quantile',
  bin: number,
  rank: number,
  tokenText: (id: number) => string,
): ExampleRecord {
  return {
    featureIndex: f,
    kind,
    bin,
    rank,
    maxActivation: e.value,
    docIndex: e.docIndex,
    tokenStart: e.tokenStart,
    maxPosition: e.position,
    tokens: Array.from(e.tokenIds, tokenText),
    activations: Array.from(e.activations),
  };
}

/** The per-dictionary summaries a feature record carries besides its evidence. */
export interface DictionarySummaries {
  /** Per feature; undefined when the hook has no logit effects. */
  logits: FeatureRecord['logits'][] | undefined;
  /** Exact decoder neighbours, self excluded, best first (the first 10 are stored). */
  neighbours: Neighbours;
  /** [dSae, 2] map coordinates. */
  coords: Float32Array;
}

/**
 * The records ingest stores: per feature its statistics, label, logit effects, map position and neighbours, and
 * its top and quantile examples. `labelMs`: the part of the time spent scoring labels.
 */
export function featureRecords(
  sae: SaelensSae,
  evidence: FeatureEvidenceCollector,
  labels: LabelAssociation,
  summaries: DictionarySummaries,
  tokenText: (id: number) => string,
): { features: FeatureRecord[]; examples: Map<number, ExampleRecord[]>; labelMs: number } {
  const { logits, neighbours, coords } = summaries;
  const features: FeatureRecord[] = [];
  const examples = new Map<number, ExampleRecord[]>();
  let labelMs = 0;
  for (let f = 0; f < sae.dSae; f++) {
    const ev = evidence.evidence(f);
    const list: ExampleRecord[] = ev.top.map((e, rank) => toExample(e, f, 'top', 0, rank, tokenText));
    ev.quantiles.forEach((bin, b) =>
      bin.forEach((e, rank) => list.push(toExample(e, f, 'quantile', b, rank, tokenText))),
    );
    examples.set(f, list);
    const t = performance.now();
    const scores = labels.scores(f).slice(0, 10);
    const fires = labels.firings(f);
    labelMs += performance.now() - t;
    const peakTokens = ev.top.map((e) => tokenText(e.tokenIds[e.position]));
    const describe = (family: string, label: string) => (family === 'genre' ? `${label} (genre)` : label);
    const nb: FeatureRecord['neighbors'] = [];
    for (let r = 0; r < Math.min(10, neighbours.k); r++) {
      const index = neighbours.indices[f * neighbours.k + r];
      if (index >= 0) nb.push({ index, cosine: neighbours.cosines[f * neighbours.k + r] });
    }
    features.push({
      index: f,
      decoder: sae.wDec.subarray(f * sae.dIn, (f + 1) * sae.dIn),
      density: ev.density,
      meanActivation: ev.meanActivation,
      maxActivation: ev.maxActivation,
      histogram: ev.histogram,
      // A feature that fired a handful of times gets no label: its scores would be noise (featureLabel.ts).
      label: fires >= MIN_FIRINGS_TO_LABEL && ev.top.length ? (shortLabel(scores, peakTokens, describe) ?? null) : null,
      labelScores: { scores, topTokens: peakTokens.slice(0, 10), fires },
      logits: logits?.[f] ?? null,
      mapX: coords[2 * f],
      mapY: coords[2 * f + 1],
      neighbors: nb,
    });
  }
  return { features, examples, labelMs };
}

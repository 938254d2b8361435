// Automatic labels without a language model: how well a feature's firing predicts each token label we know
// (Brown part-of-speech tags, document genres). Precision, recall and F1 of "fires" versus "has label".
import { MIN_LABEL_F1, type StoredLabelScore } from '@atlas/migrations';
import { AtlasError } from '../errors.js';
import type { CsrCodes } from '../inference/csrCodes.js';

/** A family of token labels, e.g. `pos` with its tag names; each token carries at most one label per family. */
export interface LabelFamily {
  name: string;
  values: string[];
}

/** One association's scores: the shape the atlas stores (`label_scores.scores`) and reads. */
export type LabelScore = StoredLabelScore;

/** The counts behind the scores: joint [nLatents, labels of every family], per-label tokens, per-latent fires. */
export interface LabelState {
  families: LabelFamily[];
  joint: Uint32Array;
  labelTokens: Float64Array;
  fires: Float64Array;
}

export class LabelAssociation {
  private readonly offsets: number[];
  private readonly nLabels: number;
  private readonly joint: Uint32Array;
  private readonly labelTokens: Float64Array;
  private readonly fires: Float64Array;

  constructor(
    readonly nLatents: number,
    readonly families: LabelFamily[],
  ) {
    this.offsets = [];
    let n = 0;
    for (const fam of families) {
      this.offsets.push(n);
      n += fam.values.length;
    }
    this.nLabels = n;
    this.joint = new Uint32Array(nLatents * n);
    this.labelTokens = new Float64Array(n);
    this.fires = new Float64Array(nLatents);
  }

  /**
   * `labels[family][row]` is the label id of that row in that family, or -1 for none. Only rows [from, to) of
   * the batch count (default: all), so a token range can skip the context rows around it.
   */
  observe(codes: CsrCodes, labels: Int32Array[], from = 0, to = codes.rows): void {
    if (labels.length !== this.families.length)
      throw new RangeError(`label association: ${labels.length} label arrays for ${this.families.length} families`);
    for (const ids of labels)
      if (ids.length !== codes.rows)
        throw new RangeError(`label association: ${ids.length} labels for ${codes.rows} rows`);
    const L = this.nLabels;
    for (let r = from; r < to; r++) {
      for (let fam = 0; fam < labels.length; fam++) {
        const id = labels[fam][r];
        if (id >= 0) this.labelTokens[this.offsets[fam] + id]++;
      }
      for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) {
        if (!(codes.values[j] > 0)) continue;
        const f = codes.indices[j];
        this.fires[f]++;
        const base = f * L;
        for (let fam = 0; fam < labels.length; fam++) {
          const id = labels[fam][r];
          if (id >= 0) this.joint[base + this.offsets[fam] + id]++;
        }
      }
    }
  }

  /** The counts, for a partial-analysis file. */
  state(): LabelState {
    return { families: this.families, joint: this.joint, labelTokens: this.labelTokens, fires: this.fires };
  }

  /** Add the counts of another token range (same latents and label families). */
  merge(other: LabelState): void {
    if (JSON.stringify(other.families) !== JSON.stringify(this.families) || other.fires.length !== this.nLatents)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `cannot merge label counts over different label families or widths (${other.fires.length} vs ${this.nLatents} latents); analyse every range over the same corpus`,
      );
    for (let i = 0; i < this.joint.length; i++) this.joint[i] += other.joint[i];
    for (let i = 0; i < this.labelTokens.length; i++) this.labelTokens[i] += other.labelTokens[i];
    for (let i = 0; i < this.fires.length; i++) this.fires[i] += other.fires[i];
  }

  /** Tokens on which feature f fired. */
  firings(f: number): number {
    return this.fires[f];
  }

  /** Every label the feature co-occurs with, best F1 first. */
  scores(f: number): LabelScore[] {
    const out: LabelScore[] = [];
    const fires = this.fires[f];
    if (fires === 0) return out;
    this.families.forEach((fam, fi) => {
      fam.values.forEach((label, li) => {
        const l = this.offsets[fi] + li;
        const both = this.joint[f * this.nLabels + l];
        if (both === 0) return;
        const precision = both / fires;
        const recall = both / this.labelTokens[l];
        out.push({
          family: fam.name,
          label,
          precision,
          recall,
          f1: (2 * precision * recall) / (precision + recall),
          support: both,
        });
      });
    });
    return out.sort((a, b) => b.f1 - a.f1 || b.support - a.support);
  }
}

/**
 * A short label: the best association when it is convincing (`past-tense verb (F1 0.81)`), else the most frequent
 * top tokens (`"the" "a"`), else undefined.
 */
export function shortLabel(
  scores: LabelScore[],
  topTokens: string[],
  describe: (family: string, label: string) => string = (_f, l) => l,
  minF1 = MIN_LABEL_F1,
): string | undefined {
  const best = scores[0];
  if (best && best.f1 >= minF1) return `${describe(best.family, best.label)} (F1 ${best.f1.toFixed(2)})`;
  const counts = new Map<string, number>();
  for (const t of topTokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const frequent = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([t]) => JSON.stringify(t.trim() || t));
  if (frequent.length) return frequent.join(' ');
  if (best) return `${describe(best.family, best.label)} (F1 ${best.f1.toFixed(2)})`;
  return undefined;
}

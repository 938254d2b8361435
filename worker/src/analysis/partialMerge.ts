// Merging the partials of a split analysis: check that they were analysed like this one (same dictionary, hook,
// windows, token limit) and tile the corpus exactly, then fold their evidence and label counts together.
import { AtlasError } from '../errors.js';
import type { AnalysisPartial, PartialSubject } from './analysisPartial.js';
import { totalRows, type AnalyzeOptions } from './analysisOptions.js';
import { corpusLabels, evidenceCollector } from './corpusPass.js';
import { LabelAssociation } from './labelAssociation.js';

/** A cheap checksum of the decoder (a strided sample of its bits), so partials of different dictionaries differ. */
function decoderChecksum(wDec: Float32Array): number {
  const bits = new Int32Array(wDec.buffer, wDec.byteOffset, wDec.length);
  const stride = Math.max(1, Math.floor(bits.length / 4096));
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i += stride) h = Math.imul(h ^ bits[i], 0x01000193);
  return h >>> 0;
}

/** What an analysis with these options covers: partials merge only when theirs agree. */
export function subjectOf(o: AnalyzeOptions): PartialSubject {
  return {
    dIn: o.sae.dIn,
    dSae: o.sae.dSae,
    architecture: o.sae.architecture,
    k: o.sae.k ?? null,
    decoderChecksum: decoderChecksum(o.sae.wDec),
    hook: o.hook,
    contextSize: o.contextSize,
    prependBos: o.prependBos,
    totalRows: totalRows(o),
  };
}

/** Partials sorted by range, after checking they were analysed like `o` and tile [0, total) exactly. */
export function checkPartials(o: AnalyzeOptions, partials: AnalysisPartial[]): AnalysisPartial[] {
  const subject = subjectOf(o);
  for (const p of partials) {
    const differs = (Object.keys(subject) as (keyof PartialSubject)[]).filter((k) => p.subject[k] !== subject[k]);
    if (differs.length)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `partial of rows [${p.range.start}, ${p.range.end}) was analysed with another ${differs.map((k) => `${k} (${p.subject[k]}, here ${subject[k]})`).join(', ')}; merge partials of this dictionary, hook, context and token limit only`,
      );
  }
  const sorted = [...partials].sort((a, b) => a.range.start - b.range.start);
  let covered = 0;
  for (const p of sorted) {
    if (p.range.start !== covered)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `partials must tile rows [0, ${subject.totalRows}) but ${p.range.start > covered ? `rows [${covered}, ${p.range.start}) are missing` : `rows [${p.range.start}, ${covered}) are covered twice`}; analyse the missing range or drop the duplicate`,
      );
    covered = p.range.end;
  }
  if (covered !== subject.totalRows)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `partials must tile rows [0, ${subject.totalRows}) but end at ${covered}; analyse rows [${covered}, ${subject.totalRows}) too`,
    );
  return sorted;
}

/** The evidence and label counts of partials that tile the corpus, merged: what one pass over it would hold. */
export function mergeEvidence(o: AnalyzeOptions, partials: AnalysisPartial[]) {
  const sorted = checkPartials(o, partials);
  const evidence = evidenceCollector(o);
  const labels = new LabelAssociation(o.sae.dSae, corpusLabels(o.documents).families);
  const timings: Record<string, number> = {};
  for (const p of sorted) {
    evidence.merge(p.evidence);
    labels.merge(p.labels);
    for (const [k, v] of Object.entries(p.timings)) timings[k] = (timings[k] ?? 0) + v;
  }
  return { evidence, labels, timings };
}

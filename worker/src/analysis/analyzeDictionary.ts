// The analysis of one dictionary, start to finish: the corpus pass (corpusPass.ts) or the merge of a split
// analysis's partials (partialMerge.ts), then the per-dictionary steps (logit effects, exact neighbours, map,
// records, CE loss recovered), each timed and reported as a phase.
import type { AnalysisPartial } from './analysisPartial.js';
import type { AnalysisResult, AnalyzeOptions, TokenRange } from './analysisOptions.js';
import { ceLossRecovered } from './ceLoss.js';
import { corpusPass } from './corpusPass.js';
import type { FeatureEvidenceCollector } from './featureEvidence.js';
import { mapDecoders } from './featureMap.js';
import { featureRecords, storableTokenText } from './featureRecords.js';
import type { LabelAssociation } from './labelAssociation.js';
import { logitEffects, logitsSkippedReason } from './logitEffects.js';
import { mergeEvidence, subjectOf } from './partialMerge.js';
import { topCosineNeighboursOn } from './similarity.js';

export { totalRows, type AnalysisResult, type AnalyzeOptions, type TokenRange } from './analysisOptions.js';
export { checkPartials } from './partialMerge.js';

/**
 * Analyse corpus rows [range.start, range.end) only (default: all): the part of an analysis one worker does when
 * a dictionary is split by token range. Merge the partials of a tiling of [0, total) with `mergePartials`. Any
 * split point works (rows around the range are read as context). Use the same `batchWindows` in every range: the
 * model's and GEMM's float rounding can depend on the batch shape, and the merge is bit-exact given equal inputs.
 */
export async function analyzeRange(o: AnalyzeOptions, range?: TokenRange): Promise<AnalysisPartial> {
  const pass = await corpusPass(o, range ?? { start: 0, end: Infinity });
  return {
    subject: subjectOf(o),
    range: pass.range,
    evidence: pass.evidence.state(),
    labels: pass.labels.state(),
    timings: pass.timings,
  };
}

/**
 * Merge the partials of ranges that tile [0, total) and finish the analysis (logit effects, map, neighbours,
 * labels, CE loss) once: the result equals `analyzeDictionary` over the whole corpus.
 */
export async function mergePartials(o: AnalyzeOptions, partials: AnalysisPartial[]): Promise<AnalysisResult> {
  const merged = mergeEvidence(o, partials);
  return completeAnalysis(o, merged.evidence, merged.labels, merged.timings);
}

/** The whole analysis in one process: one corpus pass, then the per-dictionary steps. */
export async function analyzeDictionary(o: AnalyzeOptions): Promise<AnalysisResult> {
  const pass = await corpusPass(o, { start: 0, end: Infinity });
  return completeAnalysis(o, pass.evidence, pass.labels, pass.timings);
}

/** The per-dictionary steps after the corpus pass, and the records ingest stores. */
async function completeAnalysis(
  o: AnalyzeOptions,
  evidence: FeatureEvidenceCollector,
  labels: LabelAssociation,
  passTimings: Record<string, number>,
): Promise<AnalysisResult> {
  const { sae, model } = o;
  const timings: Record<string, number> = { ...passTimings };
  const timed = async <T>(phase: string, step: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const out = await step();
    timings[phase] = (timings[phase] ?? 0) + performance.now() - t;
    return out;
  };
  const tokenText = storableTokenText(model.tokenizer);

  o.onProgress?.({ done: 0, total: 4, phase: 'logits' });
  const logits = await timed('logits', () => logitEffects(o, tokenText));
  o.onProgress?.({ done: 1, total: 4, phase: 'neighbours' });
  // One GEMM pass gives the atlas' 10 neighbours and UMAP's 15-neighbour graph (self + 14).
  const neighbours = await timed('neighbours', () =>
    topCosineNeighboursOn(o.backend, sae.wDec, sae.dSae, sae.wDec, sae.dSae, sae.dIn, 14, { excludeSelf: true }),
  );
  o.onProgress?.({ done: 2, total: 4, phase: 'map' });
  const { coords, method } = await timed('map', () =>
    mapDecoders(sae.wDec, sae.dSae, sae.dIn, { umapLimit: 3000, knn: neighbours, gemm: o.backend }),
  );
  const { features, examples, labelMs } = await timed('records', () =>
    featureRecords(sae, evidence, labels, { logits, neighbours, coords }, tokenText),
  );
  // Label scoring runs inside the records step but is reported with the corpus pass's label counting.
  timings.labels = (timings.labels ?? 0) + labelMs;
  timings.records -= labelMs;
  o.onProgress?.({ done: 3, total: 4, phase: 'CE loss' });
  const notes: string[] = [];
  const ceLoss = await timed('ceLoss', () => ceLossRecovered(o, (reason) => notes.push(reason)));
  if (!logits) notes.push(`logit effects skipped: ${logitsSkippedReason(o)}`);
  o.onProgress?.({ done: 4, total: 4, phase: 'done' });
  return { features, examples, tokens: evidence.tokenCount, ceLoss, notes, mapMethod: method, timings };
}

// The corpus pass of an analysis: stream corpus rows through the model and the dictionary's encoder, and collect
// per feature, with bounded memory, the evidence the atlas shows (top and quantile examples, statistics) and the
// label counts (POS tags, genres) its labels are scored from.
import { baseTag } from '@atlas/migrations';
import { EncodeScratch } from '../inference/encodeBatch.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import type { TokenizedDocument } from '../sources/corpusCache.js';
import { defaultBatchWindows, totalRows, type AnalyzeOptions, type TokenRange } from './analysisOptions.js';
import { FeatureEvidenceCollector } from './featureEvidence.js';
import { LabelAssociation, type LabelFamily } from './labelAssociation.js';

/** Example window sizes: 24 tokens before (less for short contexts) and 8 after the firing token. */
function exampleWindow(contextSize: number) {
  return { windowBefore: Math.min(24, contextSize - 2), windowAfter: 8 };
}

/** The evidence collector of an analysis (of the rows it owns when split by range). */
export function evidenceCollector(o: AnalyzeOptions, ownedRows?: TokenRange): FeatureEvidenceCollector {
  return new FeatureEvidenceCollector({
    nLatents: o.sae.dSae,
    topN: o.topN ?? 20,
    ...exampleWindow(o.contextSize),
    seed: o.seed ?? 0,
    ownedRows,
  });
}

/** The label families of the corpus (POS base tags, genres) in first-seen order, and per-document label ids. */
export function corpusLabels(documents: TokenizedDocument[]) {
  const tags = new Map<string, number>();
  const genres = new Map<string, number>();
  for (const d of documents) {
    if (d.genre !== undefined && !genres.has(d.genre)) genres.set(d.genre, genres.size);
    for (const t of d.tags ?? []) if (t && !tags.has(baseTag(t))) tags.set(baseTag(t), tags.size);
  }
  const families: LabelFamily[] = [
    { name: 'pos', values: [...tags.keys()] },
    { name: 'genre', values: [...genres.keys()] },
  ];
  const posCache = new Map<number, Int32Array>();
  /** POS label id of every token of document d (-1: untagged). */
  const posIds = (d: number): Int32Array => {
    let ids = posCache.get(d);
    if (!ids) {
      const doc = documents[d];
      ids = new Int32Array(doc.tokens.length).fill(-1);
      doc.tags?.forEach((t, i) => {
        if (t) ids![i] = tags.get(baseTag(t)) ?? -1;
      });
      posCache.set(d, ids);
    }
    return ids;
  };
  const genreId = (d: number) => {
    const g = documents[d].genre;
    return g === undefined ? -1 : (genres.get(g) ?? -1);
  };
  return { families, posIds, genreId };
}

/** Stream rows of the corpus through model and dictionary into evidence and label counts. */
export async function corpusPass(o: AnalyzeOptions, range: TokenRange) {
  const { sae, documents, backend } = o;
  const model = InferenceModel.of(o.model);
  const hook = model.hook(o.hook);
  const total = totalRows(o);
  const start = Math.max(0, Math.min(range.start, total));
  const end = Math.max(start, Math.min(range.end, total));
  const windows = model.windows({ contextSize: o.contextSize, prependBos: o.prependBos });
  // On the JS heap, with one scratch for the whole pass (its encodes run one after another): onnxruntime copies
  // every input that lives in the backend's shared arena, which for W_enc is 75 MB per GEMM at 24,576 latents.
  const dictionary = new InferenceDictionary(sae);
  const scratch = new EncodeScratch();
  const evidence = evidenceCollector(o, { start, end });
  const { families, posIds, genreId } = corpusLabels(documents);
  const labels = new LabelAssociation(sae.dSae, families);
  const { windowBefore, windowAfter } = exampleWindow(o.contextSize);
  const timings = { forward: 0, encode: 0, evidence: 0, labels: 0, passCpu: 0 };
  // CPU time of the pass (user + system, all threads): on a shared machine, wall time alone says little.
  const cpu0 = process.cpuUsage();
  let done = 0;
  // Rows around the range are read as context only, so windows at its edges match a single pass's.
  const stream = model.activations({
    documents,
    hook: hook.name,
    windows,
    batchSize: o.batchWindows ?? defaultBatchWindows(o.contextSize),
    skipRows: Math.max(0, start - windowBefore),
    maxRows: Math.min(total, end + windowAfter),
  });
  for (let t = performance.now(); ;) {
    const next = await stream.next();
    timings.forward += performance.now() - t;
    if (next.done) break;
    const batch = next.value;
    const n = batch.tokens.length;
    t = performance.now();
    const codes = await dictionary.encode(backend, batch.acts, n, scratch);
    timings.encode += performance.now() - t;
    t = performance.now();
    const docIndex = new Int32Array(n);
    const docPosition = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      docIndex[r] = batch.positions[2 * r];
      docPosition[r] = batch.positions[2 * r + 1];
    }
    evidence.observe({ codes, tokenIds: batch.tokens, docIndex, docPosition, firstRow: batch.firstRow });
    timings.evidence += performance.now() - t;
    t = performance.now();
    const from = Math.max(0, start - batch.firstRow);
    const to = Math.min(n, end - batch.firstRow);
    if (to > from) {
      const pos = new Int32Array(n).fill(-1);
      const genre = new Int32Array(n).fill(-1);
      for (let r = from; r < to; r++) {
        pos[r] = posIds(docIndex[r])[docPosition[r]];
        genre[r] = genreId(docIndex[r]);
      }
      labels.observe(codes, [pos, genre], from, to);
      done += to - from;
    }
    timings.labels += performance.now() - t;
    o.onProgress?.({ done, total: end - start, phase: 'corpus' });
    t = performance.now();
  }
  const t = performance.now();
  evidence.finish();
  timings.evidence += performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  timings.passCpu = (cpu.user + cpu.system) / 1000;
  return { evidence, labels, timings, range: { start, end } };
}

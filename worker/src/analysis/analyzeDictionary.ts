// The analysis pass: stream a corpus through the model and a dictionary, and collect per feature, with bounded
// memory, the evidence the atlas shows (top and quantile examples, statistics, label associations), then the
// per-dictionary parts (logit effects, map, exact neighbours, CE loss recovered).
import { baseTag, MIN_FIRINGS_TO_LABEL } from '@atlas/migrations';
import type { Backend } from '../engine/backend.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import type { ExampleRecord, FeatureRecord } from '../ingest/ingestDictionary.js';
import type { TokenizedDocument } from '../sources/corpusCache.js';
import { streamActivations } from '../sources/streamActivations.js';
import { hookRunner } from '../transformer/hookRunner.js';
import { parseHook } from '../transformer/hooks.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import { AtlasError } from '../errors.js';
import type { AnalysisPartial, PartialSubject } from './analysisPartial.js';
import { decodeCodes, encodeBatch, prepareEncoder } from './encodeBatch.js';
import { FeatureEvidenceCollector, type FeatureExampleWindow } from './featureEvidence.js';
import { mapDecoders } from './featureMap.js';
import { LabelAssociation, shortLabel, type LabelFamily } from './labelAssociation.js';
import { topCosineNeighboursOn } from './similarity.js';

export interface AnalyzeOptions {
  sae: SaelensSae;
  model: LoadedModel;
  /** Tokenized documents in corpus order (positions refer to this order). */
  documents: TokenizedDocument[];
  hook: string;
  backend: Backend;
  contextSize: number;
  prependBos: boolean;
  maxTokens?: number;
  /** Windows per forward pass. */
  batchWindows?: number;
  topN?: number;
  /** Seed of the quantile sample's priorities (every range of one analysis must use the same). */
  seed?: number;
  onProgress?: (p: { done: number; total: number; phase: string }) => void;
}

export interface AnalysisResult {
  features: FeatureRecord[];
  examples: Map<number, ExampleRecord[]>;
  tokens: number;
  ceLoss?: { clean: number; spliced: number; zeroAblated: number; recovered: number };
  mapMethod: 'umap' | 'pca';
  /**
   * Milliseconds per phase: forward, encode, evidence, labels (the corpus pass) and the per-dictionary steps;
   * passCpu is the corpus pass's CPU time (all threads).
   */
  timings: Record<string, number>;
}

/** A range of corpus rows (tokens in corpus order, the numbering of `streamActivations`). */
export interface TokenRange {
  start: number;
  end: number;
}

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

/** Rows the analysis reads: the corpus, cut at maxTokens (what a split into token ranges must tile). */
export function totalRows(o: AnalyzeOptions): number {
  return Math.min(
    o.maxTokens ?? Infinity,
    o.documents.reduce((n, d) => n + d.tokens.length, 0),
  );
}

/** Window sizes: 24 tokens before (less for short contexts) and 8 after the firing token. */
function evidenceCollector(o: AnalyzeOptions, ownedRows?: TokenRange): FeatureEvidenceCollector {
  return new FeatureEvidenceCollector({
    nLatents: o.sae.dSae,
    topN: o.topN ?? 20,
    windowBefore: Math.min(24, o.contextSize - 2),
    windowAfter: 8,
    seed: o.seed ?? 0,
    ownedRows,
  });
}

/** The label families of the corpus (POS base tags, genres) in first-seen order, and per-document label ids. */
function corpusLabels(documents: TokenizedDocument[]) {
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

/** A cheap checksum of the decoder (a strided sample of its bits), so partials of different dictionaries differ. */
function decoderChecksum(wDec: Float32Array): number {
  const bits = new Int32Array(wDec.buffer, wDec.byteOffset, wDec.length);
  const stride = Math.max(1, Math.floor(bits.length / 4096));
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i += stride) h = Math.imul(h ^ bits[i], 0x01000193);
  return h >>> 0;
}

function subjectOf(o: AnalyzeOptions): PartialSubject {
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

/** Stream rows of the corpus through model and dictionary into evidence and label counts. */
async function corpusPass(o: AnalyzeOptions, range: TokenRange) {
  const { sae, model, documents, backend } = o;
  const hook = parseHook(o.hook, model.config);
  const total = totalRows(o);
  const start = Math.max(0, Math.min(range.start, total));
  const end = Math.max(start, Math.min(range.end, total));
  const bosId = o.prependBos ? (model.tokenizer.eosId ?? model.config.bosTokenId) : undefined;
  const encoder = prepareEncoder(sae, backend);
  const evidence = evidenceCollector(o, { start, end });
  const { families, posIds, genreId } = corpusLabels(documents);
  const labels = new LabelAssociation(sae.dSae, families);
  const { windowBefore, windowAfter } = { windowBefore: Math.min(24, o.contextSize - 2), windowAfter: 8 };
  const timings = { forward: 0, encode: 0, evidence: 0, labels: 0, passCpu: 0 };
  // CPU time of the pass (user + system, all threads): on a shared machine, wall time alone says little.
  const cpu0 = process.cpuUsage();
  let done = 0;
  // Rows around the range are read as context only, so windows at its edges match a single pass's.
  const stream = streamActivations({
    model,
    documents,
    hook: hook.name,
    contextSize: o.contextSize,
    bosId,
    batchSize: o.batchWindows ?? 32,
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
    const codes = await encodeBatch(encoder, backend, batch.acts, n);
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

/**
 * Merge the partials of ranges that tile [0, total) and finish the analysis (logit effects, map, neighbours,
 * labels, CE loss) once: the result equals `analyzeDictionary` over the whole corpus.
 */
export async function mergePartials(o: AnalyzeOptions, partials: AnalysisPartial[]): Promise<AnalysisResult> {
  const sorted = checkPartials(o, partials);
  const evidence = evidenceCollector(o);
  const labels = new LabelAssociation(o.sae.dSae, corpusLabels(o.documents).families);
  const timings: Record<string, number> = {};
  for (const p of sorted) {
    evidence.merge(p.evidence);
    labels.merge(p.labels);
    for (const [k, v] of Object.entries(p.timings)) timings[k] = (timings[k] ?? 0) + v;
  }
  return completeAnalysis(o, evidence, labels, timings);
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
  const texts: (string | undefined)[] = [];
  const tokenText = (id: number) => (texts[id] ??= storableToken(model.tokenizer.tokenText(id)));
  const toExample = (
    e: FeatureExampleWindow,
    f: number,
    kind: 'top' | 'quantile',
    bin: number,
    rank: number,
  ): ExampleRecord => ({
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
  });

  o.onProgress?.({ done: 0, total: 4, phase: 'logits' });
  const logits = await timed('logits', () => logitEffects(o, tokenText));
  o.onProgress?.({ done: 1, total: 4, phase: 'neighbours' });
  // One GEMM pass gives the atlas' 10 neighbours and UMAP's 15-neighbour graph (self + 14).
  const neighbours = await timed('neighbours', () =>
    topCosineNeighboursOn(o.backend, sae.wDec, sae.dSae, sae.wDec, sae.dSae, sae.dIn, 14, {
      excludeSelf: true,
    }),
  );
  o.onProgress?.({ done: 2, total: 4, phase: 'map' });
  const { coords, method } = await timed('map', () =>
    mapDecoders(sae.wDec, sae.dSae, sae.dIn, {
      umapLimit: 3000,
      knn: neighbours,
      gemm: o.backend,
    }),
  );

  const features: FeatureRecord[] = [];
  const examples = new Map<number, ExampleRecord[]>();
  let labelMs = 0;
  await timed('records', () => {
    for (let f = 0; f < sae.dSae; f++) {
      const ev = evidence.evidence(f);
      const list: ExampleRecord[] = ev.top.map((e, rank) => toExample(e, f, 'top', 0, rank));
      ev.quantiles.forEach((bin, b) => bin.forEach((e, rank) => list.push(toExample(e, f, 'quantile', b, rank))));
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
        label:
          fires >= MIN_FIRINGS_TO_LABEL && ev.top.length ? (shortLabel(scores, peakTokens, describe) ?? null) : null,
        labelScores: { scores, topTokens: peakTokens.slice(0, 10), fires },
        logits: logits?.[f] ?? null,
        mapX: coords[2 * f],
        mapY: coords[2 * f + 1],
        neighbors: nb,
      });
    }
  });
  timings.labels = (timings.labels ?? 0) + labelMs;
  timings.records -= labelMs;
  o.onProgress?.({ done: 3, total: 4, phase: 'CE loss' });
  const ceLoss = await timed('ceLoss', () => ceLossRecovered(o));
  o.onProgress?.({ done: 4, total: 4, phase: 'done' });
  return { features, examples, tokens: evidence.tokenCount, ceLoss, mapMethod: method, timings };
}

/**
 * Top ±10 output tokens of each decoder direction through the unembedding (directly for hooks that write to the
 * residual stream, through the layer's W_out for MLP neurons); undefined for other hooks.
 */
async function logitEffects(
  o: AnalyzeOptions,
  tokenText: (id: number) => string,
): Promise<FeatureRecord['logits'][] | undefined> {
  const { sae, model } = o;
  const hook = parseHook(o.hook, model.config);
  const d = model.config.dModel;
  const unembed = (model.params.lmHead ?? model.params.wte).dataSync() as Float32Array; // [vocab, d]
  const vocab = unembed.length / d;
  let dirs: Float32Array; // [dSae, d]
  if (hook.kind === 'mlp.hook_post') {
    const outW = model.params.blocks[hook.layer].outW.dataSync() as Float32Array; // [dMlp, d]
    dirs = await o.backend.matmul(sae.wDec, outW, false, sae.dSae, sae.dIn, d);
  } else if (sae.dIn === d) dirs = sae.wDec;
  else return undefined;
  const out: FeatureRecord['logits'][] = [];
  const token = (row: Float32Array, i: number) => ({ token: tokenText(i), value: row[i] });
  // Blocks of ~16 MiB of scores; unembed [vocab, d] is already the transposed operand of matmulT.
  const block = Math.max(16, Math.floor(2 ** 22 / vocab));
  for (let s = 0; s < sae.dSae; s += block) {
    const m = Math.min(block, sae.dSae - s);
    const scores = await o.backend.matmulT(dirs.subarray(s * d, (s + m) * d), unembed, null, m, d, vocab);
    for (let r = 0; r < m; r++) {
      const row = scores.subarray(r * vocab, (r + 1) * vocab);
      const top = extremeIndices(row, 10, 1);
      const bottom = extremeIndices(row, 10, -1);
      out.push({ positive: top.map((i) => token(row, i)), negative: bottom.map((i) => token(row, i)) });
    }
  }
  return out;
}

/** Indices of the k largest (sign 1) or smallest (sign -1) entries, most extreme first; ties by lower index. */
export function extremeIndices(row: Float32Array, k: number, sign: 1 | -1): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = sign * row[i];
    if (idx.length === k && v <= val[k - 1]) continue;
    let p = idx.length < k ? idx.length : k - 1;
    while (p > 0 && val[p - 1] < v) {
      val[p] = val[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    val[p] = v;
    idx[p] = i;
  }
  return idx;
}

/**
 * CE loss of the model with the dictionary's reconstruction spliced in at the hook, against the clean and the
 * zero-ablated loss, on the first windows of the corpus: recovered = (zero − spliced) / (zero − clean).
 */
export async function ceLossRecovered(o: AnalyzeOptions): Promise<AnalysisResult['ceLoss']> {
  const { model, sae } = o;
  const ctx = o.contextSize;
  const windows: number[][] = [];
  for (const doc of o.documents) {
    for (let s = 0; s + ctx <= doc.tokens.length && windows.length < 64; s += ctx)
      windows.push(doc.tokens.slice(s, s + ctx));
    if (windows.length >= 64) break;
  }
  if (windows.length === 0) return undefined;
  const seq = ctx - 1;
  const inputIds = new Int32Array(windows.length * seq);
  const targetIds = new Int32Array(windows.length * seq);
  windows.forEach((w, b) => {
    inputIds.set(w.slice(0, seq), b * seq);
    targetIds.set(w.slice(1), b * seq);
  });
  const runner = await hookRunner(model);
  const vocab = model.config.vocabSize;
  const loss = async (replacement?: Float32Array) => {
    const result = await runner.run(inputIds, windows.length, seq, {
      hooks: replacement ? [] : [o.hook],
      logits: true,
      feed: replacement ? { [o.hook]: replacement } : undefined,
    });
    return { value: meanCrossEntropy(result.logits!, targetIds, vocab), acts: result.hooks[o.hook] };
  };
  const clean = await loss();
  const n = clean.acts.length / sae.dIn;
  const recon = decodeCodes(sae, await encodeBatch(prepareEncoder(sae, o.backend), o.backend, clean.acts, n));
  const spliced = (await loss(recon)).value;
  const zeroAblated = (await loss(new Float32Array(n * sae.dIn))).value;
  const recovered = (zeroAblated - spliced) / (zeroAblated - clean.value);
  return { clean: clean.value, spliced, zeroAblated, recovered };
}

/**
 * Mean next-token cross-entropy (nats) of logits [n, vocab] against targets [n], on the host: the same value as
 * the transformer's `crossEntropy`, without its one-hot [n, vocab] tensors (the bulk of the CE step on wasm).
 */
export function meanCrossEntropy(logits: Float32Array, targets: Int32Array, vocab: number): number {
  let total = 0;
  for (let t = 0; t < targets.length; t++) {
    const o = t * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[o + v] - max);
    total += max + Math.log(sum) - logits[o + targets[t]];
  }
  return total / targets.length;
}

// The analysis pass: stream a corpus through the model and a dictionary, and collect per feature, with bounded
// memory, the evidence the atlas shows (top and quantile examples, statistics, label associations), then the
// per-dictionary parts (logit effects, map, exact neighbours, CE loss recovered).
import type { Backend } from '../engine/backend.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import type { ExampleRecord, FeatureRecord } from '../ingest/ingestDictionary.js';
import type { TokenizedDocument } from '../sources/corpusCache.js';
import { streamActivations } from '../sources/streamActivations.js';
import { crossEntropy, disposeResult, forwardTidy } from '../transformer/gpt2.js';
import { parseHook } from '../transformer/hooks.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import { tf } from '../transformer/runtime.js';
import { decodeCodes, encodeBatch, prepareEncoder } from './encodeBatch.js';
import { FeatureEvidenceCollector, type FeatureExampleWindow } from './featureEvidence.js';
import { mapDecoders } from './featureMap.js';
import { LabelAssociation, shortLabel, type LabelFamily } from './labelAssociation.js';
import { topCosineNeighbours } from './similarity.js';

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
  onProgress?: (p: { done: number; total: number; phase: string }) => void;
}

export interface AnalysisResult {
  features: FeatureRecord[];
  examples: Map<number, ExampleRecord[]>;
  tokens: number;
  ceLoss?: { clean: number; spliced: number; zeroAblated: number; recovered: number };
  mapMethod: 'umap' | 'pca';
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

/** Brown tags carry suffixes (`np-tl`, `nn$`, `vbd*`); the base tag is what labels speak of. */
export function baseTag(tag: string): string {
  return tag.split(/[-+]/)[0].replace(/[$*]+$/, '') || tag;
}

export async function analyzeDictionary(o: AnalyzeOptions): Promise<AnalysisResult> {
  const { sae, model, documents, backend } = o;
  const hook = parseHook(o.hook, model.config);
  const total = Math.min(
    o.maxTokens ?? Infinity,
    documents.reduce((n, d) => n + d.tokens.length, 0),
  );
  const ctx = o.contextSize;
  const bosId = o.prependBos ? (model.tokenizer.eosId ?? model.config.bosTokenId) : undefined;
  const encoder = prepareEncoder(sae, backend);
  const evidence = new FeatureEvidenceCollector({
    nLatents: sae.dSae,
    topN: o.topN ?? 20,
    windowBefore: Math.min(24, ctx - 2),
    windowAfter: 8,
  });
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
  const labels = new LabelAssociation(sae.dSae, families);
  let done = 0;
  for await (const batch of streamActivations({
    model,
    documents,
    hook: hook.name,
    contextSize: ctx,
    bosId,
    batchSize: o.batchWindows ?? 32,
    maxRows: total,
  })) {
    const n = batch.tokens.length;
    const codes = await encodeBatch(encoder, backend, batch.acts, n);
    const docIndex = new Int32Array(n);
    const docPosition = new Int32Array(n);
    const posIds = new Int32Array(n).fill(-1);
    const genreIds = new Int32Array(n).fill(-1);
    for (let r = 0; r < n; r++) {
      const d = batch.positions[2 * r];
      const off = batch.positions[2 * r + 1];
      docIndex[r] = d;
      docPosition[r] = off;
      const doc = documents[d];
      const tag = doc.tags?.[off];
      if (tag) posIds[r] = tags.get(baseTag(tag)) ?? -1;
      if (doc.genre !== undefined) genreIds[r] = genres.get(doc.genre) ?? -1;
    }
    evidence.observe({ codes, tokenIds: batch.tokens, docIndex, docPosition });
    labels.observe(codes, [posIds, genreIds]);
    done += n;
    o.onProgress?.({ done, total, phase: 'corpus' });
  }

  const tokenText = (id: number) => storableToken(model.tokenizer.tokenText(id));
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
  const logits = await logitEffects(o);
  o.onProgress?.({ done: 1, total: 4, phase: 'map' });
  const { coords, method } = mapDecoders(sae.wDec, sae.dSae, sae.dIn, { umapLimit: 3000 });
  o.onProgress?.({ done: 2, total: 4, phase: 'neighbours' });
  const neighbours = topCosineNeighbours(sae.wDec, sae.dSae, sae.wDec, sae.dSae, sae.dIn, 10, {
    excludeSelf: true,
  });

  const features: FeatureRecord[] = [];
  const examples = new Map<number, ExampleRecord[]>();
  for (let f = 0; f < sae.dSae; f++) {
    const ev = evidence.evidence(f);
    const list: ExampleRecord[] = ev.top.map((e, rank) => toExample(e, f, 'top', 0, rank));
    ev.quantiles.forEach((bin, b) => bin.forEach((e, rank) => list.push(toExample(e, f, 'quantile', b, rank))));
    examples.set(f, list);
    const scores = labels.scores(f).slice(0, 10);
    const peakTokens = ev.top.map((e) => tokenText(e.tokenIds[e.position]));
    const describe = (family: string, label: string) => (family === 'genre' ? `${label} (genre)` : label);
    features.push({
      index: f,
      decoder: sae.wDec.subarray(f * sae.dIn, (f + 1) * sae.dIn),
      density: ev.density,
      meanActivation: ev.meanActivation,
      maxActivation: ev.maxActivation,
      histogram: ev.histogram,
      label: ev.top.length ? (shortLabel(scores, peakTokens, describe) ?? null) : null,
      labelScores: { scores, topTokens: peakTokens.slice(0, 10) },
      logits: logits?.[f] ?? null,
      mapX: coords[2 * f],
      mapY: coords[2 * f + 1],
      neighbors: Array.from({ length: neighbours.k }, (_, r) => ({
        index: neighbours.indices[f * neighbours.k + r],
        cosine: neighbours.cosines[f * neighbours.k + r],
      })).filter((n) => n.index >= 0),
    });
  }
  o.onProgress?.({ done: 3, total: 4, phase: 'CE loss' });
  const ceLoss = await ceLossRecovered(o);
  o.onProgress?.({ done: 4, total: 4, phase: 'done' });
  return { features, examples, tokens: done, ceLoss, mapMethod: method };
}

/**
 * Top ±10 output tokens of each decoder direction through the unembedding (directly for hooks that write to the
 * residual stream, through the layer's W_out for MLP neurons); undefined for other hooks.
 */
async function logitEffects(o: AnalyzeOptions): Promise<FeatureRecord['logits'][] | undefined> {
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
  const unembedT = new Float32Array(d * vocab);
  for (let v = 0; v < vocab; v++) for (let j = 0; j < d; j++) unembedT[j * vocab + v] = unembed[v * d + j];
  const out: FeatureRecord['logits'][] = [];
  const block = 256;
  for (let s = 0; s < sae.dSae; s += block) {
    const m = Math.min(block, sae.dSae - s);
    const scores = await o.backend.matmul(dirs.subarray(s * d, (s + m) * d), unembedT, false, m, d, vocab);
    for (let r = 0; r < m; r++) {
      const row = scores.subarray(r * vocab, (r + 1) * vocab);
      const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]);
      const token = (i: number) => ({ token: storableToken(model.tokenizer.tokenText(i)), value: row[i] });
      out.push({ positive: order.slice(0, 10).map(token), negative: order.slice(-10).reverse().map(token) });
    }
  }
  return out;
}

/**
 * CE loss of the model with the dictionary's reconstruction spliced in at the hook, against the clean and the
 * zero-ablated loss, on the first windows of the corpus: recovered = (zero − spliced) / (zero − clean).
 */
async function ceLossRecovered(o: AnalyzeOptions): Promise<AnalysisResult['ceLoss']> {
  const { model, sae } = o;
  const ctx = o.contextSize;
  const windows: number[][] = [];
  for (const doc of o.documents) {
    for (let s = 0; s + ctx <= doc.tokens.length && windows.length < 64; s += ctx)
      windows.push(doc.tokens.slice(s, s + ctx));
    if (windows.length >= 64) break;
  }
  if (windows.length === 0) return undefined;
  const ids = tf.tensor2d(windows.flat(), [windows.length, ctx], 'int32');
  const inputs = ids.slice([0, 0], [windows.length, ctx - 1]) as tf.Tensor2D;
  const targets = ids.slice([0, 1], [windows.length, ctx - 1]) as tf.Tensor2D;
  const loss = (replace?: (x: tf.Tensor2D) => tf.Tensor2D) => {
    const result = forwardTidy(model.params, model.config, inputs, {
      logits: true,
      hooks: [o.hook],
      replace: replace ? { [o.hook]: replace } : undefined,
    });
    const value = tf.tidy(() => crossEntropy(result.logits!, targets).dataSync()[0]);
    const acts = result.hooks[o.hook].dataSync() as Float32Array;
    disposeResult(result);
    return { value, acts };
  };
  const clean = loss();
  const n = clean.acts.length / sae.dIn;
  const recon = decodeCodes(sae, await encodeBatch(prepareEncoder(sae, o.backend), o.backend, clean.acts, n));
  const spliced = loss(() => tf.tensor2d(recon, [n, sae.dIn])).value;
  const zeroAblated = loss((x) => tf.zerosLike(x)).value;
  tf.dispose([ids, inputs, targets]);
  const recovered = (zeroAblated - spliced) / (zeroAblated - clean.value);
  return { clean: clean.value, spliced, zeroAblated, recovered };
}

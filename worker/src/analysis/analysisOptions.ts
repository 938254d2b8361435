// What the analysis of one dictionary is given (dictionary, model, corpus, hook, windows, limits) and what it
// returns: the types every step of the analysis shares, and the corpus rows it reads.
import type { Backend } from '../engine/backend.js';
import type { SaelensSae } from '../engine/sae/saelensFormat.js';
import type { ExampleRecord, FeatureRecord } from '../ingest/ingestDictionary.js';
import type { TokenizedDocument } from '../sources/corpusCache.js';
import type { LoadedModel } from '../transformer/modelFolder.js';

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
  /** Windows per forward pass (default: `defaultBatchWindows`). */
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
  /** Steps left out and why (e.g. a transcoder's CE loss where no splice is possible), for the log. */
  notes: string[];
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
 * Rows of a forward pass the default batch stays within: at context 1,024 that is 4 windows, not 32 (whose
 * attention tensors are 1.6 GB each at 12 heads).
 */
const BATCH_ROWS = 4096;

/**
 * Windows per forward pass unless told: 32, fewer at long contexts so a batch's activations (and its attention
 * scores, windows × heads × context²) stay bounded. One rule, so every range of a split analysis batches alike.
 */
export function defaultBatchWindows(contextSize: number): number {
  return Math.max(1, Math.min(32, Math.floor(BATCH_ROWS / contextSize)));
}

/** Rows the analysis reads: the corpus, cut at maxTokens (what a split into token ranges must tile). */
export function totalRows(o: AnalyzeOptions): number {
  return Math.min(
    o.maxTokens ?? Infinity,
    o.documents.reduce((n, d) => n + d.tokens.length, 0),
  );
}

// Streaming per-feature evidence with bounded memory: top-N activating contexts (min-heaps), a uniform reservoir
// of firing events from which quantile-bin examples are drawn, and firing statistics with a log-scale histogram.
// Memory is O(nLatents × (topN + bins × perBin) × window), independent of the number of tokens.
import { activationAt, type SparseCodes } from './sparseCodes.js';
import { seededRandom } from '../engine/rng.js';

export interface EvidenceOptions {
  nLatents: number;
  /** Top activating contexts kept per feature. */
  topN?: number;
  /** Activation-quantile bins, and examples kept per bin. */
  quantileBins?: number;
  perBin?: number;
  /** Tokens shown before and after the firing token. */
  windowBefore?: number;
  windowAfter?: number;
  seed?: number;
}

/**
 * Consecutive activation rows in corpus order, each traced back to its document: `docIndex[r]`, `docPosition[r]`
 * (token offset in the document) and `tokenIds[r]`. Windows never cross a document or a gap in positions.
 */
export interface EvidenceBatch {
  codes: SparseCodes;
  tokenIds: Int32Array;
  docIndex: Int32Array;
  docPosition: Int32Array;
}

/** One context where a feature fires. */
export interface FeatureExampleWindow {
  /** The feature's activation on the token that put this example here. */
  value: number;
  docIndex: number;
  /** Document offset of the window's first token. */
  tokenStart: number;
  /** Index in the window of the token carrying `value`. */
  position: number;
  tokenIds: Int32Array;
  /** The feature's activation on every token of the window. */
  activations: Float32Array;
}

export interface FeatureEvidence {
  index: number;
  /** Fraction of tokens on which the feature is active. */
  density: number;
  /** Mean activation over the tokens where it is active (0 if never). */
  meanActivation: number;
  maxActivation: number;
  histogram: { edges: number[]; counts: number[] };
  top: FeatureExampleWindow[];
  /** Bins weakest (0) to strongest; each strongest-first. */
  quantiles: FeatureExampleWindow[][];
}

/** Log-spaced histogram edges: 6 bins a decade from 1e-3 to 1e3; values outside go to the end bins. */
export const HISTOGRAM_EDGES = Array.from({ length: 37 }, (_, i) => 10 ** (-3 + i / 6));

/** Min-heap of examples by value (the root is the weakest kept). */
function heapPush(heap: FeatureExampleWindow[], item: FeatureExampleWindow, cap: number): void {
  if (heap.length < cap) {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p].value <= heap[i].value) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
    return;
  }
  heap[0] = item;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && heap[l].value < heap[m].value) m = l;
    if (r < heap.length && heap[r].value < heap[m].value) m = r;
    if (m === i) break;
    [heap[m], heap[i]] = [heap[i], heap[m]];
    i = m;
  }
}

export class FeatureEvidenceCollector {
  readonly nLatents: number;
  private readonly topN: number;
  private readonly bins: number;
  private readonly reservoirSize: number;
  private readonly before: number;
  private readonly after: number;
  private readonly random: () => number;
  private tokens = 0;
  private readonly fires: Float64Array;
  private readonly sums: Float64Array;
  private readonly maxima: Float32Array;
  private readonly hist: Uint32Array;
  private readonly heaps: FeatureExampleWindow[][];
  /** Weakest value in a full heap (-Infinity until full): the hot loop's only test. */
  private readonly heapFloor: Float32Array;
  private readonly reservoirs: FeatureExampleWindow[][];

  constructor(options: EvidenceOptions) {
    this.nLatents = options.nLatents;
    this.topN = options.topN ?? 20;
    this.bins = options.quantileBins ?? 10;
    this.reservoirSize = this.bins * (options.perBin ?? 3);
    this.before = options.windowBefore ?? 24;
    this.after = options.windowAfter ?? 8;
    this.random = seededRandom(options.seed ?? 0);
    const n = this.nLatents;
    this.fires = new Float64Array(n);
    this.sums = new Float64Array(n);
    this.maxima = new Float32Array(n);
    this.hist = new Uint32Array(n * (HISTOGRAM_EDGES.length - 1));
    this.heaps = Array.from({ length: n }, () => []);
    this.heapFloor = new Float32Array(n).fill(-Infinity);
    this.reservoirs = Array.from({ length: n }, () => []);
  }

  /** Tokens seen so far. */
  get tokenCount(): number {
    return this.tokens;
  }

  observe(batch: EvidenceBatch): void {
    const { codes, docIndex, docPosition } = batch;
    if (codes.rows !== docIndex.length || codes.rows !== docPosition.length || codes.rows !== batch.tokenIds.length)
      throw new RangeError(
        `evidence batch: ${codes.rows} code rows but ${batch.tokenIds.length} token ids, ${docIndex.length} doc indices, ${docPosition.length} positions`,
      );
    const nBins = HISTOGRAM_EDGES.length - 1;
    const logLo = -3;
    for (let r = 0; r < codes.rows; r++) {
      for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) {
        const f = codes.indices[j];
        const v = codes.values[j];
        if (!(v > 0)) continue;
        const seen = ++this.fires[f];
        this.sums[f] += v;
        if (v > this.maxima[f]) this.maxima[f] = v;
        const b = Math.min(nBins - 1, Math.max(0, Math.floor((Math.log10(v) - logLo) * 6)));
        this.hist[f * nBins + b]++;
        if (v > this.heapFloor[f]) {
          heapPush(this.heaps[f], this.window(batch, r, f, v), this.topN);
          if (this.heaps[f].length === this.topN) this.heapFloor[f] = this.heaps[f][0].value;
        }
        // Reservoir sampling (Vitter's algorithm R): every firing event is kept with probability R / seen.
        if (seen <= this.reservoirSize) this.reservoirs[f].push(this.window(batch, r, f, v));
        else {
          const slot = Math.floor(this.random() * seen);
          if (slot < this.reservoirSize) this.reservoirs[f][slot] = this.window(batch, r, f, v);
        }
      }
    }
    this.tokens += codes.rows;
  }

  /** The window around row r for feature f, clipped to the batch, the document and contiguous positions. */
  private window(batch: EvidenceBatch, r: number, f: number, value: number): FeatureExampleWindow {
    const { docIndex, docPosition } = batch;
    let start = r;
    while (
      start > 0 &&
      r - start < this.before &&
      docIndex[start - 1] === docIndex[r] &&
      docPosition[start - 1] === docPosition[start] - 1
    )
      start--;
    let end = r + 1;
    while (
      end < batch.codes.rows &&
      end - r <= this.after &&
      docIndex[end] === docIndex[r] &&
      docPosition[end] === docPosition[end - 1] + 1
    )
      end++;
    const activations = new Float32Array(end - start);
    for (let i = start; i < end; i++) activations[i - start] = i === r ? value : activationAt(batch.codes, i, f);
    return {
      value,
      docIndex: docIndex[r],
      tokenStart: docPosition[start],
      position: r - start,
      tokenIds: batch.tokenIds.slice(start, end),
      activations,
    };
  }

  /** Evidence of feature f so far. */
  evidence(f: number): FeatureEvidence {
    const nBins = HISTOGRAM_EDGES.length - 1;
    const fires = this.fires[f];
    const sample = [...this.reservoirs[f]].sort((a, b) => a.value - b.value);
    const quantiles: FeatureExampleWindow[][] = [];
    if (sample.length > 0)
      for (let b = 0; b < this.bins; b++) {
        const lo = Math.floor((b * sample.length) / this.bins);
        const hi = Math.floor(((b + 1) * sample.length) / this.bins);
        quantiles.push(sample.slice(lo, hi).reverse());
      }
    return {
      index: f,
      density: this.tokens ? fires / this.tokens : 0,
      meanActivation: fires ? this.sums[f] / fires : 0,
      maxActivation: this.maxima[f],
      histogram: { edges: HISTOGRAM_EDGES, counts: Array.from(this.hist.subarray(f * nBins, (f + 1) * nBins)) },
      top: [...this.heaps[f]].sort((a, b) => b.value - a.value),
      quantiles,
    };
  }
}

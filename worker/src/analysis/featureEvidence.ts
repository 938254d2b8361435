// Streaming per-feature evidence with bounded memory: top-N activating contexts (min-heaps), a sample of firing
// events from which quantile-bin examples are drawn, and firing statistics with a log-scale histogram.
// Memory is O(nLatents × (topN + bins × perBin) × window), independent of the number of tokens.
//
// Every choice is a function of the corpus rows, never of batch sizes or arrival order, so the evidence of a
// token range can be collected on its own and merged (`merge`): the merge of [0,a) and [a,b) equals one pass over
// [0,b). Top examples are the N largest under a total order (value desc, then row asc). The quantile sample is a
// bottom-R sample by a per-event priority hash(seed, row, feature): a uniform random sample without replacement of
// the firing events, and the R smallest priorities of a union are the R smallest of the parts' R smallest.
import { AtlasError } from '../errors.js';
import type { CsrCodes } from '../inference/csrCodes.js';

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
  /**
   * Rows [start, end) of the corpus this collector owns: only they are counted and kept as examples; rows outside
   * (fed as context so windows at the edges are whole) are not. Default: every row.
   */
  ownedRows?: { start: number; end: number };
}

/**
 * Consecutive activation rows in corpus order, each traced back to its document: `docIndex[r]`, `docPosition[r]`
 * (token offset in the document) and `tokenIds[r]`. Windows never cross a document or a gap in positions.
 * `firstRow` is the corpus row number of row 0 (default: rows seen so far); batches must be consecutive.
 */
export interface EvidenceBatch {
  codes: CsrCodes;
  tokenIds: Int32Array;
  docIndex: Int32Array;
  docPosition: Int32Array;
  firstRow?: number;
}

/** One context where a feature fires. */
export interface FeatureExampleWindow {
  /** The feature's activation on the token that put this example here. */
  value: number;
  /** Corpus row of that token (the tie-break of equal values, and the sample's key). */
  row: number;
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
const HISTOGRAM_BINS = HISTOGRAM_EDGES.length - 1;

/** A sampled firing event: its window and its priority (smaller is kept). */
interface Sampled {
  priority: number;
  example: FeatureExampleWindow;
}

/** Uniform 32-bit priority of the event (row, feature): murmur3's fmix32 over a mix of both (and the seed). */
export function samplePriority(seed: number, row: number, feature: number): number {
  let h = (Math.imul(row | 0, 0x9e3779b1) ^ Math.imul(feature + 1, 0x85ebca77) ^ Math.imul(seed + 1, 0xc2b2ae3d)) >>> 0;
  h ^= Math.floor(row / 4294967296); // rows past 2³²
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** a ranks below b among top examples: smaller value, or equal value and later row. */
const topBelow = (a: FeatureExampleWindow, b: FeatureExampleWindow) =>
  a.value < b.value || (a.value === b.value && a.row > b.row);
/** a ranks below b in the sample: larger priority, or equal priority and later row (kept: the smallest). */
const sampleBelow = (a: Sampled, b: Sampled) =>
  a.priority > b.priority || (a.priority === b.priority && a.example.row > b.example.row);

/** Bounded heap whose root is the item that ranks lowest; `push` keeps the `cap` highest-ranked. */
function heapPush<T>(heap: T[], item: T, cap: number, below: (a: T, b: T) => boolean): void {
  if (heap.length < cap) {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!below(heap[i], heap[p])) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
    return;
  }
  if (!below(heap[0], item)) return;
  heap[0] = item;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && below(heap[l], heap[m])) m = l;
    if (r < heap.length && below(heap[r], heap[m])) m = r;
    if (m === i) break;
    [heap[m], heap[i]] = [heap[i], heap[m]];
    i = m;
  }
}

/** Rows kept between batches: the last rows' codes and provenance, so windows span batch boundaries. */
interface RowBuffer {
  firstRow: number;
  codes: CsrCodes;
  tokenIds: Int32Array;
  docIndex: Int32Array;
  docPosition: Int32Array;
}

function concatBuffer(tail: RowBuffer | null, b: EvidenceBatch, firstRow: number): RowBuffer {
  const add: RowBuffer = {
    firstRow,
    codes: b.codes,
    tokenIds: b.tokenIds,
    docIndex: b.docIndex,
    docPosition: b.docPosition,
  };
  if (!tail || tail.codes.rows === 0) return add;
  const cat = <A extends Int32Array | Float32Array>(x: A, y: A): A => {
    const out = new (x.constructor as new (n: number) => A)(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const nTail = tail.codes.rows;
  const rowStart = new Int32Array(nTail + b.codes.rows + 1);
  rowStart.set(tail.codes.rowStart.subarray(0, nTail));
  const shift = tail.codes.rowStart[nTail];
  for (let r = 0; r <= b.codes.rows; r++) rowStart[nTail + r] = b.codes.rowStart[r] + shift;
  return {
    firstRow: tail.firstRow,
    codes: {
      rows: nTail + b.codes.rows,
      rowStart,
      indices: cat(tail.codes.indices, b.codes.indices),
      values: cat(tail.codes.values, b.codes.values),
    },
    tokenIds: cat(tail.tokenIds, b.tokenIds),
    docIndex: cat(tail.docIndex, b.docIndex),
    docPosition: cat(tail.docPosition, b.docPosition),
  };
}

/** Rows [from, rows) of a buffer, as a buffer. */
function sliceBuffer(buf: RowBuffer, from: number): RowBuffer {
  const { codes } = buf;
  const j0 = codes.rowStart[from];
  const rowStart = new Int32Array(codes.rows - from + 1);
  for (let r = from; r <= codes.rows; r++) rowStart[r - from] = codes.rowStart[r] - j0;
  return {
    firstRow: buf.firstRow + from,
    codes: {
      rows: codes.rows - from,
      rowStart,
      indices: codes.indices.slice(j0),
      values: codes.values.slice(j0),
    },
    tokenIds: buf.tokenIds.slice(from),
    docIndex: buf.docIndex.slice(from),
    docPosition: buf.docPosition.slice(from),
  };
}

/** The whole state of a collector in flat arrays and plain values: what a partial-analysis file stores. */
export interface EvidenceState {
  options: Required<Omit<EvidenceOptions, 'ownedRows'>>;
  tokens: number;
  fires: Float64Array;
  sums: Float64Array;
  maxima: Float32Array;
  /** [nLatents, HISTOGRAM_EDGES.length - 1] */
  hist: Uint32Array;
  /** Every kept example: feature, kind (0 top, 1 sample), priority (samples), and the window. */
  examples: { feature: number; kind: 0 | 1; priority: number; example: FeatureExampleWindow }[];
}

export class FeatureEvidenceCollector {
  readonly nLatents: number;
  private readonly options: Required<Omit<EvidenceOptions, 'ownedRows'>>;
  private readonly owned: { start: number; end: number };
  private readonly sampleSize: number;
  private tokens = 0;
  private readonly fires: Float64Array;
  private readonly sums: Float64Array;
  private readonly maxima: Float32Array;
  private readonly hist: Uint32Array;
  private readonly heaps: FeatureExampleWindow[][];
  /** Weakest value in a full heap (-Infinity until full): the hot loop's first test. */
  private readonly heapFloor: Float32Array;
  private readonly samples: Sampled[][];
  /** Largest kept priority in a full sample (+Infinity until full). */
  private readonly sampleCeiling: Float64Array;
  private buffer: RowBuffer | null = null;
  /** Next corpus row whose window has not been processed. */
  private nextRow: number | null = null;
  private finished = false;

  constructor(options: EvidenceOptions) {
    this.nLatents = options.nLatents;
    this.options = {
      nLatents: options.nLatents,
      topN: options.topN ?? 20,
      quantileBins: options.quantileBins ?? 10,
      perBin: options.perBin ?? 3,
      windowBefore: options.windowBefore ?? 24,
      windowAfter: options.windowAfter ?? 8,
      seed: options.seed ?? 0,
    };
    this.owned = options.ownedRows ?? { start: 0, end: Infinity };
    this.sampleSize = this.options.quantileBins * this.options.perBin;
    const n = this.nLatents;
    this.fires = new Float64Array(n);
    this.sums = new Float64Array(n);
    this.maxima = new Float32Array(n);
    this.hist = new Uint32Array(n * HISTOGRAM_BINS);
    this.heaps = Array.from({ length: n }, () => []);
    this.heapFloor = new Float32Array(n).fill(-Infinity);
    this.samples = Array.from({ length: n }, () => []);
    this.sampleCeiling = new Float64Array(n).fill(Infinity);
  }

  /** Tokens counted so far (owned rows whose windows are complete). */
  get tokenCount(): number {
    return this.tokens;
  }

  observe(batch: EvidenceBatch): void {
    const { codes, docIndex, docPosition } = batch;
    if (codes.rows !== docIndex.length || codes.rows !== docPosition.length || codes.rows !== batch.tokenIds.length)
      throw new RangeError(
        `evidence batch: ${codes.rows} code rows but ${batch.tokenIds.length} token ids, ${docIndex.length} doc indices, ${docPosition.length} positions`,
      );
    if (this.finished) throw new RangeError('evidence batch after the evidence was read; observe every batch first');
    const expected = this.buffer ? this.buffer.firstRow + this.buffer.codes.rows : (batch.firstRow ?? 0);
    const firstRow = batch.firstRow ?? expected;
    if (firstRow !== expected)
      throw new RangeError(
        `evidence batch starts at row ${firstRow}, expected ${expected}: batches must be consecutive`,
      );
    this.nextRow ??= firstRow;
    this.buffer = concatBuffer(this.buffer, batch, firstRow);
    // Rows whose `after` context has arrived are final.
    this.process(this.buffer.firstRow + this.buffer.codes.rows - this.options.windowAfter);
  }

  /** Process the rows still waiting for context (the corpus ends here); called by the first `evidence`. */
  finish(): void {
    if (this.finished) return;
    if (this.buffer) this.process(this.buffer.firstRow + this.buffer.codes.rows);
    this.buffer = null;
    this.finished = true;
  }

  /** Count and sample the buffered rows below corpus row `until`, then drop the rows no window still needs. */
  private process(until: number): void {
    const buf = this.buffer!;
    const { codes } = buf;
    const from = Math.max(this.nextRow!, this.owned.start);
    const to = Math.min(until, this.owned.end);
    const { topN, seed } = this.options;
    const logLo = -3;
    if (to > from) this.link(buf);
    for (let row = from; row < to; row++) {
      const r = row - buf.firstRow;
      for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++) {
        const f = codes.indices[j];
        const v = codes.values[j];
        if (!(v > 0)) continue;
        this.fires[f]++;
        this.sums[f] += v;
        if (v > this.maxima[f]) this.maxima[f] = v;
        const b = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((Math.log10(v) - logLo) * 6)));
        this.hist[f * HISTOGRAM_BINS + b]++;
        // Equal to the floor can still win on row order only against a later row, and rows arrive in order.
        // One window serves both the heap and the sample when the event enters both (most do, early on).
        let win: FeatureExampleWindow | null = null;
        if (v > this.heapFloor[f]) {
          const heap = this.heaps[f];
          heapPush(heap, (win = this.window(buf, r, j, v)), topN, topBelow);
          if (heap.length === topN) this.heapFloor[f] = heap[0].value;
        }
        const priority = samplePriority(seed, row, f);
        if (priority < this.sampleCeiling[f]) {
          const sample = this.samples[f];
          heapPush(sample, { priority, example: win ?? this.window(buf, r, j, v) }, this.sampleSize, sampleBelow);
          if (sample.length === this.sampleSize) this.sampleCeiling[f] = sample[0].priority;
        }
      }
    }
    if (to > from) this.tokens += to - from;
    this.nextRow = Math.max(this.nextRow!, until);
    const keepFrom = Math.max(0, this.nextRow - this.options.windowBefore - buf.firstRow);
    if (keepFrom > 0) this.buffer = keepFrom >= codes.rows ? sliceBuffer(buf, codes.rows) : sliceBuffer(buf, keepFrom);
  }

  /** entryRow[j]: buffer row of code entry j; prevSame/nextSame[j]: the entry of the same latent before/after (-1). */
  private entryRow = new Int32Array(0);
  private prevSame = new Int32Array(0);
  private nextSame = new Int32Array(0);
  private lastSeen: Int32Array | null = null;

  /**
   * Chain each code entry to the previous and next entries of the same latent, so a window reads a feature's
   * activations in the rows around a token by following links (O(firings in the window)), not by scanning
   * every active latent of every row.
   */
  private link(buf: RowBuffer): void {
    const { rowStart, indices, rows } = buf.codes;
    const nEntries = rowStart[rows];
    if (this.entryRow.length < nEntries) {
      const size = Math.max(nEntries, 2 * this.entryRow.length);
      this.entryRow = new Int32Array(size);
      this.prevSame = new Int32Array(size);
      this.nextSame = new Int32Array(size);
    }
    const last = (this.lastSeen ??= new Int32Array(this.nLatents)).fill(-1);
    for (let r = 0; r < rows; r++)
      for (let j = rowStart[r]; j < rowStart[r + 1]; j++) {
        const f = indices[j];
        this.entryRow[j] = r;
        const p = last[f];
        this.prevSame[j] = p;
        this.nextSame[j] = -1;
        if (p >= 0) this.nextSame[p] = j;
        last[f] = j;
      }
  }

  /**
   * The window around buffer row r (code entry j, latent f) for feature f, clipped to the buffer, the document
   * and contiguous positions.
   */
  private window(buf: RowBuffer, r: number, j: number, value: number): FeatureExampleWindow {
    const { docIndex, docPosition } = buf;
    const { windowBefore, windowAfter } = this.options;
    let start = r;
    while (
      start > 0 &&
      r - start < windowBefore &&
      docIndex[start - 1] === docIndex[r] &&
      docPosition[start - 1] === docPosition[start] - 1
    )
      start--;
    let end = r + 1;
    while (
      end < buf.codes.rows &&
      end - r <= windowAfter &&
      docIndex[end] === docIndex[r] &&
      docPosition[end] === docPosition[end - 1] + 1
    )
      end++;
    const activations = new Float32Array(end - start);
    activations[r - start] = value;
    const { entryRow, prevSame, nextSame } = this;
    for (let e = prevSame[j]; e >= 0 && entryRow[e] >= start; e = prevSame[e])
      activations[entryRow[e] - start] = buf.codes.values[e];
    for (let e = nextSame[j]; e >= 0 && entryRow[e] < end; e = nextSame[e])
      activations[entryRow[e] - start] = buf.codes.values[e];
    return {
      value,
      row: buf.firstRow + r,
      docIndex: docIndex[r],
      tokenStart: docPosition[start],
      position: r - start,
      tokenIds: buf.tokenIds.slice(start, end),
      activations,
    };
  }

  /** Evidence of feature f (finishes the stream: no `observe` afterwards). */
  evidence(f: number): FeatureEvidence {
    this.finish();
    const fires = this.fires[f];
    const sample = this.samples[f].map((s) => s.example).sort((a, b) => a.value - b.value || a.row - b.row);
    const quantiles: FeatureExampleWindow[][] = [];
    const bins = this.options.quantileBins;
    if (sample.length > 0)
      for (let b = 0; b < bins; b++) {
        const lo = Math.floor((b * sample.length) / bins);
        const hi = Math.floor(((b + 1) * sample.length) / bins);
        quantiles.push(sample.slice(lo, hi).reverse());
      }
    return {
      index: f,
      density: this.tokens ? fires / this.tokens : 0,
      meanActivation: fires ? this.sums[f] / fires : 0,
      maxActivation: this.maxima[f],
      histogram: {
        edges: HISTOGRAM_EDGES,
        counts: Array.from(this.hist.subarray(f * HISTOGRAM_BINS, (f + 1) * HISTOGRAM_BINS)),
      },
      top: [...this.heaps[f]].sort((a, b) => b.value - a.value || a.row - b.row),
      quantiles,
    };
  }

  /** The collector's state (finishes the stream). */
  state(): EvidenceState {
    this.finish();
    const examples: EvidenceState['examples'] = [];
    for (let f = 0; f < this.nLatents; f++) {
      for (const e of this.heaps[f]) examples.push({ feature: f, kind: 0, priority: 0, example: e });
      for (const s of this.samples[f]) examples.push({ feature: f, kind: 1, priority: s.priority, example: s.example });
    }
    return {
      options: { ...this.options },
      tokens: this.tokens,
      fires: this.fires,
      sums: this.sums,
      maxima: this.maxima,
      hist: this.hist,
      examples,
    };
  }

  /** Add the evidence of another token range (disjoint from this one's, same options). */
  merge(other: EvidenceState): void {
    this.finish();
    const mismatch = (Object.keys(this.options) as (keyof typeof this.options)[]).filter(
      (k) => this.options[k] !== other.options[k],
    );
    if (mismatch.length)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `cannot merge evidence collected with different ${mismatch.map((k) => `${k} (${this.options[k]} vs ${other.options[k]})`).join(', ')}; analyse every range with the same dictionary and options`,
      );
    this.tokens += other.tokens;
    for (let f = 0; f < this.nLatents; f++) {
      this.fires[f] += other.fires[f];
      this.sums[f] += other.sums[f];
      if (other.maxima[f] > this.maxima[f]) this.maxima[f] = other.maxima[f];
    }
    for (let i = 0; i < this.hist.length; i++) this.hist[i] += other.hist[i];
    for (const { feature: f, kind, priority, example } of other.examples) {
      if (kind === 0) heapPush(this.heaps[f], example, this.options.topN, topBelow);
      else heapPush(this.samples[f], { priority, example }, this.sampleSize, sampleBelow);
    }
  }

  /** A collector holding a saved state (to merge more into, or to read evidence from). */
  static fromState(state: EvidenceState): FeatureEvidenceCollector {
    const c = new FeatureEvidenceCollector(state.options);
    c.finish();
    c.merge(state);
    return c;
  }
}

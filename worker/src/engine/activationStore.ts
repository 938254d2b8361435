// Feeds training batches out of core: shards are read in chunks, in a seeded random order per epoch, through a
// bounded shuffle buffer, and scaled by the normalisation factor. Memory is the buffer, whatever the corpus size.
import type { ActivationSource } from './activationSource.js';
import { Rng } from './rng.js';

/** Rows read per disk access: large enough for sequential reads, small enough to mix shards. */
const CHUNK_ROWS = 1024;
/** The shuffle buffer's default budget (bytes); SAELens uses a similar in-memory store of a few batches. */
const DEFAULT_BUFFER_BYTES = 256 * 2 ** 20;

export interface StoreOptions {
  batchSize: number;
  seed: number;
  /** Multiply every row by this (the normalisation factor). */
  scale?: number;
  /** A paired source's target columns are multiplied by this instead (default `scale`). */
  targetScale?: number;
  /** Rows in the shuffle buffer (default: as many as fit in 256 MiB, at least 4 batches, at most the corpus). */
  bufferRows?: number;
  /**
   * Rows kept out of training, in whole chunks spread evenly over the corpus (a corpus sorted by document is
   * sampled all over); at most a tenth of the chunks, and none when there is a single chunk.
   */
  holdOutRows?: number;
}

interface Chunk {
  shard: number;
  start: number;
  count: number;
}

/** A deterministic, endless, shuffled stream of batches. */
export class ActivationStore {
  readonly dIn: number;
  readonly batchSize: number;
  readonly scale: number;
  /** The factor of a paired source's target columns (`scale` otherwise). */
  readonly targetScale: number;
  /** Batches served so far (the resume position). */
  batchesServed = 0;
  epoch = 0;
  private rng: Rng;
  private chunks: Chunk[];
  private readonly heldOutChunks: Chunk[] = [];
  private order: Int32Array;
  private nextChunk = 0;
  private readonly buffer: Float32Array;
  private readonly capacity: number;
  private filled = 0;

  constructor(
    readonly source: ActivationSource,
    opts: StoreOptions,
  ) {
    this.dIn = source.dIn;
    this.batchSize = opts.batchSize;
    this.scale = opts.scale ?? 1;
    this.targetScale = opts.targetScale ?? this.scale;
    this.rng = new Rng(opts.seed ^ 0x5eed);
    this.chunks = [];
    source.shards.forEach((s, shard) => {
      for (let start = 0; start < s.rows; start += CHUNK_ROWS)
        this.chunks.push({ shard, start, count: Math.min(CHUNK_ROWS, s.rows - start) });
    });
    const holdOut = Math.min(Math.ceil((opts.holdOutRows ?? 0) / CHUNK_ROWS), Math.floor(this.chunks.length / 10));
    if (holdOut > 0) {
      const stride = this.chunks.length / holdOut;
      const picked = new Set(Array.from({ length: holdOut }, (_, i) => Math.floor((i + 0.5) * stride)));
      this.heldOutChunks = this.chunks.filter((_, i) => picked.has(i));
      this.chunks = this.chunks.filter((_, i) => !picked.has(i));
    }
    const byBudget = Math.floor(DEFAULT_BUFFER_BYTES / (4 * this.dIn));
    const wanted = opts.bufferRows ?? Math.max(4 * this.batchSize, byBudget);
    this.capacity = Math.max(this.batchSize + CHUNK_ROWS, Math.min(wanted, source.totalRows + CHUNK_ROWS));
    this.buffer = new Float32Array(this.capacity * this.dIn);
    this.order = this.permutation();
  }

  private permutation(): Int32Array {
    const order = new Int32Array(this.chunks.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return this.rng.shuffle(order);
  }

  private readChunk(): void {
    if (this.nextChunk === this.order.length) {
      this.epoch++;
      this.order = this.permutation();
      this.nextChunk = 0;
    }
    const c = this.chunks[this.order[this.nextChunk++]];
    const shard = this.source.shards[c.shard];
    const at = this.filled * this.dIn;
    const rows = this.buffer.subarray(at, at + c.count * this.dIn);
    if (shard.readRowsInto) shard.readRowsInto(c.start, c.count, rows);
    else rows.set(shard.readRows(c.start, c.count));
    // Rows are scaled once on the way in, so a batch is plain row copies (the same float32 values either way).
    this.scaleRows(rows);
    this.filled += c.count;
  }

  /** Multiply rows [*, dIn] in place by the normalisation factors (a paired source's target by its own). */
  private scaleRows(rows: Float32Array): void {
    const { scale, targetScale, dIn } = this;
    const from = this.source.target ? dIn - this.source.target.width : dIn;
    if (targetScale === scale) {
      if (scale !== 1) for (let i = 0; i < rows.length; i++) rows[i] *= scale;
    } else
      for (let r = 0; r < rows.length; r += dIn) {
        for (let i = r; i < r + from; i++) rows[i] *= scale;
        for (let i = r + from; i < r + dIn; i++) rows[i] *= targetScale;
      }
  }

  /** Fill `out` [batchSize, dIn] with the next batch (scaled); with `skip` only advance the stream. */
  nextBatch(out: Float32Array | null): void {
    const d = this.dIn;
    while (this.filled + CHUNK_ROWS <= this.capacity) this.readChunk();
    for (let r = 0; r < this.batchSize; r++) {
      // Take a random buffered row and move the last row into its place (a shuffle buffer, as in tf.data).
      const i = this.rng.int(this.filled);
      const last = this.filled - 1;
      if (out) out.set(this.buffer.subarray(i * d, i * d + d), r * d);
      if (i !== last) this.buffer.copyWithin(i * d, last * d, last * d + d);
      this.filled--;
    }
    this.batchesServed++;
  }

  /** The held-out rows (scaled like the batches), [n, dIn]; empty when nothing was held out. */
  heldOutRows(): { rows: Float32Array; n: number } {
    const n = this.heldOutChunks.reduce((a, c) => a + c.count, 0);
    const rows = new Float32Array(n * this.dIn);
    let at = 0;
    for (const c of this.heldOutChunks) {
      const shard = this.source.shards[c.shard];
      const out = rows.subarray(at * this.dIn, (at + c.count) * this.dIn);
      if (shard.readRowsInto) shard.readRowsInto(c.start, c.count, out);
      else out.set(shard.readRows(c.start, c.count));
      at += c.count;
    }
    this.scaleRows(rows);
    return { rows, n };
  }

  /** Up to `count` training rows spread over the corpus, scaled like the batches (sampleRows). */
  sampleRows(count: number): { rows: Float32Array; n: number } {
    const sample = sampleRows(this.source, count);
    this.scaleRows(sample.rows);
    return sample;
  }

  /** Advance past `n` batches without copying them out (used by --resume to reach the checkpoint's position). */
  skip(n: number): void {
    for (let i = 0; i < n; i++) this.nextBatch(null);
  }
}

/** Up to `count` rows spread evenly over the corpus (blocks of 256 rows), unscaled: [rows, dIn]. */
export function sampleRows(source: ActivationSource, count: number): { rows: Float32Array; n: number } {
  const d = source.dIn;
  const out = new Float32Array(Math.min(count, source.totalRows) * d);
  let n = 0;
  const perShard = Math.ceil(count / source.shards.length);
  for (const shard of source.shards) {
    const take = Math.min(shard.rows, perShard, count - n);
    const blocks = Math.ceil(take / 256);
    for (let b = 0; b < blocks && n < count; b++) {
      const len = Math.min(256, take - b * 256);
      // Evenly spaced blocks, so a corpus sorted by document still samples all of it.
      const start = blocks === 1 ? 0 : Math.floor((b * (shard.rows - len)) / (blocks - 1));
      out.set(shard.readRows(start, len), n * d);
      n += len;
    }
  }
  return { rows: out.subarray(0, n * d), n };
}

/**
 * The factor that scales activations so that their mean squared norm is dIn (SAELens
 * `normalize_activations="expected_average_only_in"`), estimated on a sample spread over the corpus. It is saved
 * with the dictionary and folded into the weights on export.
 */
export function estimateNormScale(source: ActivationSource, sampleCount = 32768): number {
  return estimateNormScales(source, sampleCount).scale;
}

/**
 * `estimateNormScale` of a paired source's input and target columns separately (a transcoder's input and output
 * have their own sizes); targetScale = scale for a source of one hook.
 */
export function estimateNormScales(
  source: ActivationSource,
  sampleCount = 32768,
): { scale: number; targetScale: number } {
  const { rows, n } = sampleRows(source, sampleCount);
  const d = source.dIn;
  const from = source.target ? d - source.target.width : d;
  let sumIn = 0;
  let sumOut = 0;
  for (let i = 0; i < rows.length; i++)
    if (i % d < from) sumIn += rows[i] * rows[i];
    else sumOut += rows[i] * rows[i];
  const factor = (sum: number, width: number) => {
    const meanSq = sum / Math.max(1, n);
    return meanSq > 0 ? Math.sqrt(width / meanSq) : 1;
  };
  const scale = factor(sumIn, from);
  return { scale, targetScale: source.target ? factor(sumOut, d - from) : scale };
}

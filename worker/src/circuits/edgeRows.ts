// A sparse adjacency matrix by target rows (CSR): row r holds the direct effects on node targets[r] from the
// source nodes cols[starts[r] .. starts[r + 1]). Attribution appends rows; influence.ts reads them.

/** Rows of incoming edges, appended one target at a time. */
export class EdgeRows {
  readonly targets: number[] = [];
  /** Row r's entries are starts[r] .. starts[r + 1]. */
  readonly starts: number[] = [0];
  private colData: Int32Array;
  private weightData: Float64Array;
  private used = 0;

  /** `capacity`: edges to allocate for up front. */
  constructor(capacity = 1024) {
    const cap = Math.max(16, Math.ceil(capacity));
    this.colData = new Int32Array(cap);
    this.weightData = new Float64Array(cap);
  }

  /** Number of stored edges. */
  get size(): number {
    return this.used;
  }

  get rowCount(): number {
    return this.targets.length;
  }

  /** Source node of each edge (a view; valid until the next append). */
  get cols(): Int32Array {
    return this.colData.subarray(0, this.used);
  }

  /** Weight of each edge (a view; valid until the next append). */
  get weights(): Float64Array {
    return this.weightData.subarray(0, this.used);
  }

  /** Append a row for `target` from a dense vector over source nodes, keeping its nonzero entries. */
  appendDense(target: number, dense: Float64Array, offset: number, length: number): void {
    let nonzero = 0;
    for (let j = 0; j < length; j++) if (dense[offset + j] !== 0) nonzero++;
    this.reserve(nonzero);
    for (let j = 0; j < length; j++) {
      const w = dense[offset + j];
      if (w === 0) continue;
      this.colData[this.used] = j;
      this.weightData[this.used++] = w;
    }
    this.targets.push(target);
    this.starts.push(this.used);
  }

  /** Append a row from parallel arrays of sources and weights. */
  appendSparse(target: number, cols: ArrayLike<number>, weights: ArrayLike<number>): void {
    this.reserve(cols.length);
    for (let j = 0; j < cols.length; j++) {
      this.colData[this.used] = cols[j];
      this.weightData[this.used++] = weights[j];
    }
    this.targets.push(target);
    this.starts.push(this.used);
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.colData.length) return;
    let cap = this.colData.length;
    while (cap < this.used + extra) cap *= 2;
    const cols = new Int32Array(cap);
    cols.set(this.colData.subarray(0, this.used));
    const weights = new Float64Array(cap);
    weights.set(this.weightData.subarray(0, this.used));
    this.colData = cols;
    this.weightData = weights;
  }
}

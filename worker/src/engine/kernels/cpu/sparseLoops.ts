// The sparse kernels' loops as one JavaScript source, run both by the main thread and by helper threads
// (a worker_threads Worker takes source text, and sharing the text keeps the two sides identical). Each loop
// does one share of the work: a token range, a latent range or an element range. Offsets are in elements of
// the arena views F (float32) and I (int32); the SIMD kernels S take byte addresses.
//
//   decode   out[t] = bias + Σ_j val[t,j] w[idx[t,j]]           tokens [a, b)
//   rowDots  out[t,j] = g[t] · w[idx[t,j]]                      tokens [a, b)
//   scatter  grad[idx[t,j]] += coef[t,j] src[t]  for idx in [a, b): latents, so threads never share a row
//   adam     elements [a, b)

/** Source text of `function runOp(S, F, I, op, args)`; args is a Float64Array of the op's arguments. */
export const SPARSE_LOOPS_SOURCE = `
function runOp(S, F, I, op, A) {
  const a = A[0], b = A[1];
  if (op === 1) { // decode: idx, val, width, w, bias(-1: none), out, dIn
    const idx = A[2], val = A[3], width = A[4], w = A[5], bias = A[6], out = A[7], dIn = A[8];
    for (let t = a; t < b; t++) {
      const o = out + t * dIn;
      if (bias >= 0) F.copyWithin(o, bias, bias + dIn); else F.fill(0, o, o + dIn);
      const base = t * width;
      for (let j = 0; j < width; j++) {
        const v = F[val + base + j];
        if (v !== 0) S.axpy(o * 4, (w + I[idx + base + j] * dIn) * 4, v, dIn);
      }
    }
  } else if (op === 2) { // rowDots: idx, width, g, w, out, dIn
    const idx = A[2], width = A[3], g = A[4], w = A[5], out = A[6], dIn = A[7];
    for (let t = a; t < b; t++) {
      const gAddr = (g + t * dIn) * 4, base = t * width;
      for (let j = 0; j < width; j++) F[out + base + j] = S.dot(gAddr, (w + I[idx + base + j] * dIn) * 4, dIn);
    }
  } else if (op === 3) { // scatter: idx, coef, n, width, src, grad, dIn
    const idx = A[2], coef = A[3], n = A[4], width = A[5], src = A[6], grad = A[7], dIn = A[8];
    for (let t = 0; t < n; t++) {
      const sAddr = (src + t * dIn) * 4, base = t * width;
      for (let j = 0; j < width; j++) {
        const l = I[idx + base + j];
        if (l < a || l >= b) continue;
        const c = F[coef + base + j];
        if (c !== 0) S.axpy((grad + l * dIn) * 4, sAddr, c, dIn);
      }
    }
  } else if (op === 4) { // adam: p, g, m, v, lr, b1, b2, eps
    S.adam((A[2] + a) * 4, (A[3] + a) * 4, (A[4] + a) * 4, (A[5] + a) * 4, b - a, A[6], A[7], A[8], A[9]);
  }
}
`;

/** Operation codes of runOp. */
export const OP = { decode: 1, rowDots: 2, scatter: 3, adam: 4 } as const;

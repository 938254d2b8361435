// The sparse kernels' loops as one JavaScript source, run both by the main thread and by helper threads
// (a worker_threads Worker takes source text, and sharing the text keeps the two sides identical). Each loop
// does one share of the work: a token range, a latent range or an element range. Offsets are in elements of
// the arena views F (float32) and I (int32); the SIMD kernels S take byte addresses. Rows go four at a time
// through axpy4/dot4, which touch the shared row once per four.
//
//   decode      out[t] = bias + Σ_j val[t,j] w[idx[t,j]]                   tokens [a, b)
//   rowDots     out[t,j] = g[t] · w[idx[t,j]]                              tokens [a, b)
//   scatter     grad[l] += Σ coef·src[token] over the entries of latent l   latents [a, b): threads never share a
//               row; entries come grouped by latent (start[l]..start[l+1] in tok/coef), see groupByLatent
//   adam        elements [a, b)
//   center      out[t] = x[t] − shift                                       tokens [a, b)
//   residual    err[t] = scale·(x̂[t] − x[t]) with per-share sums for the loss, FVU and ∂L/∂b_dec  tokens [a, b)
//   reconstruct decode, residual and rowDots of one token after another    tokens [a, b): the second pass over
//               a token's k decoder rows finds them in cache instead of gathering them again
//   adamUnitRows project out each row's gradient along the row, Adam, renormalise   rows [a, b)
// The last argument is the share's index (0 = main thread), for ops that keep per-share partial sums.

/** Source text of `function runOp(S, F, I, op, args)`; args is a Float64Array of the op's arguments. */
export const SPARSE_LOOPS_SOURCE = `
function decodeToken(S, F, I, t, idx, val, width, w, bias, out, dIn) {
  const body = dIn - (dIn % 8), rowBytes = dIn * 4, wBytes = w * 4, full = width - (width % 4);
  const o = out + t * dIn;
  if (bias >= 0) F.copyWithin(o, bias, bias + dIn); else F.fill(0, o, o + dIn);
  const oBytes = o * 4, base = t * width;
  let j = 0;
  for (; j < full; j += 4) {
    const e = base + j;
    S.axpy4(oBytes, wBytes + I[idx + e] * rowBytes, wBytes + I[idx + e + 1] * rowBytes, wBytes + I[idx + e + 2] * rowBytes,
      wBytes + I[idx + e + 3] * rowBytes, F[val + e], F[val + e + 1], F[val + e + 2], F[val + e + 3], body);
  }
  for (; j < width; j++) {
    const v = F[val + base + j];
    if (v !== 0) S.axpy(oBytes, wBytes + I[idx + base + j] * rowBytes, v, body);
  }
  if (body < dIn)
    for (let jj = 0; jj < width; jj++) {
      const v = F[val + base + jj], r = w + I[idx + base + jj] * dIn;
      for (let p = body; p < dIn; p++) F[o + p] += v * F[r + p];
    }
}
function dotsToken(S, F, I, t, idx, width, g, w, out, dIn) {
  const body = dIn - (dIn % 8), rowBytes = dIn * 4, wBytes = w * 4, full = width - (width % 4);
  const gRow = g + t * dIn, gAddr = gRow * 4, base = t * width;
  let j = 0;
  for (; j < full; j += 4) {
    const e = base + j;
    S.dot4(gAddr, wBytes + I[idx + e] * rowBytes, wBytes + I[idx + e + 1] * rowBytes, wBytes + I[idx + e + 2] * rowBytes,
      wBytes + I[idx + e + 3] * rowBytes, body, (out + e) * 4);
  }
  for (; j < width; j++) F[out + base + j] = S.dot(gAddr, wBytes + I[idx + base + j] * rowBytes, body);
  if (body < dIn)
    for (let jj = 0; jj < width; jj++) {
      const r = w + I[idx + base + jj] * dIn;
      let s = 0;
      for (let p = body; p < dIn; p++) s += F[gRow + p] * F[r + p];
      F[out + base + jj] += s;
    }
}
// Per-share partials at part: [sse, sumSq, row sse, row sumSq, Σx (dIn), Σerr (dIn)]. Rows are summed in
// float32 by the kernel and added up across rows in float64 (the returned pair).
function residualToken(S, F, t, err, x, scale, part, dIn) {
  const sum = part + 4, gSum = part + 4 + dIn, body = dIn - (dIn % 4);
  const e = err + t * dIn, xr = x + t * dIn;
  S.residual(e * 4, xr * 4, sum * 4, gSum * 4, body, scale, (part + 2) * 4);
  let sse = F[part + 2], sumSq = F[part + 3];
  for (let p = body; p < dIn; p++) {
    const xv = F[xr + p], d = F[e + p] - xv;
    sse += d * d;
    sumSq += xv * xv;
    F[sum + p] += xv;
    const g = (F[e + p] = d * scale);
    F[gSum + p] += g;
  }
  return [sse, sumSq];
}
function runOp(S, F, I, op, A) {
  const a = A[0], b = A[1], share = A[A.length - 1];
  if (op === 1) { // decode: idx, val, width, w, bias(-1: none), out, dIn
    for (let t = a; t < b; t++) decodeToken(S, F, I, t, A[2], A[3], A[4], A[5], A[6], A[7], A[8]);
  } else if (op === 2) { // rowDots: idx, width, g, w, out, dIn
    for (let t = a; t < b; t++) dotsToken(S, F, I, t, A[2], A[3], A[4], A[5], A[6], A[7]);
  } else if (op === 3) { // scatter: start, tok, coef, src, grad, dIn
    const start = A[2], tok = A[3], coef = A[4], src = A[5], grad = A[6], dIn = A[7];
    const body = dIn - (dIn % 8), rowBytes = dIn * 4, sBytes = src * 4;
    for (let l = a; l < b; l++) {
      const gRow = grad + l * dIn, gAddr = gRow * 4, end = I[start + l + 1], first = I[start + l];
      let e = first;
      for (; e + 4 <= end; e += 4)
        S.axpy4(gAddr, sBytes + I[tok + e] * rowBytes, sBytes + I[tok + e + 1] * rowBytes, sBytes + I[tok + e + 2] * rowBytes,
          sBytes + I[tok + e + 3] * rowBytes, F[coef + e], F[coef + e + 1], F[coef + e + 2], F[coef + e + 3], body);
      for (; e < end; e++) S.axpy(gAddr, sBytes + I[tok + e] * rowBytes, F[coef + e], body);
      if (body < dIn)
        for (let ee = first; ee < end; ee++) {
          const c = F[coef + ee], r = src + I[tok + ee] * dIn;
          for (let p = body; p < dIn; p++) F[gRow + p] += c * F[r + p];
        }
    }
  } else if (op === 4) { // adam: p, g, m, v, lr, b1, b2, eps
    S.adam((A[2] + a) * 4, (A[3] + a) * 4, (A[4] + a) * 4, (A[5] + a) * 4, b - a, A[6], A[7], A[8], A[9]);
  } else if (op === 5) { // center: out[t] = x[t] - shift
    const out = A[2], x = A[3], shift = A[4], dIn = A[5];
    const body = dIn - (dIn % 4);
    for (let t = a; t < b; t++) {
      const o = out + t * dIn, xr = x + t * dIn;
      S.sub(o * 4, xr * 4, shift * 4, body);
      for (let p = body; p < dIn; p++) F[o + p] = F[xr + p] - F[shift + p];
    }
  } else if (op === 6) { // residual: err, x, scale, partials, dIn
    const err = A[2], x = A[3], scale = A[4], dIn = A[6], part = A[5] + share * (2 * dIn + 4);
    let sse = 0, sumSq = 0;
    for (let t = a; t < b; t++) {
      const r = residualToken(S, F, t, err, x, scale, part, dIn);
      sse += r[0];
      sumSq += r[1];
    }
    F[part] = sse;
    F[part + 1] = sumSq;
  } else if (op === 7) { // reconstruct: idx, val, width, w, bias, x, err, dots, scale, partials, dIn
    const idx = A[2], val = A[3], width = A[4], w = A[5], bias = A[6], x = A[7], err = A[8], dots = A[9];
    const scale = A[10], dIn = A[12], part = A[11] + share * (2 * dIn + 4);
    let sse = 0, sumSq = 0;
    for (let t = a; t < b; t++) {
      decodeToken(S, F, I, t, idx, val, width, w, bias, err, dIn);
      const r = residualToken(S, F, t, err, x, scale, part, dIn);
      sse += r[0];
      sumSq += r[1];
      dotsToken(S, F, I, t, idx, width, err, w, dots, dIn);
    }
    F[part] = sse;
    F[part + 1] = sumSq;
  } else if (op === 8) { // adamUnitRows: p, g, m, v, lr, b1, b2, eps, dIn (a multiple of 8)
    const p = A[2], g = A[3], m = A[4], v = A[5], dIn = A[10];
    for (let l = a; l < b; l++) {
      const o = l * dIn * 4, po = (p * 4) + o, go = (g * 4) + o;
      S.axpy(go, po, -S.dot(go, po, dIn), dIn);
      S.adam(po, go, (m * 4) + o, (v * 4) + o, dIn, A[6], A[7], A[8], A[9]);
      const sq = S.dot(po, po, dIn);
      if (sq > 0) S.axpy(po, po, 1 / Math.sqrt(sq) - 1, dIn);
    }
  }
}
`;

/** Operation codes of runOp. */
export const OP = {
  decode: 1,
  rowDots: 2,
  scatter: 3,
  adam: 4,
  center: 5,
  residual: 6,
  reconstruct: 7,
  adamUnitRows: 8,
} as const;

/**
 * Counting sort of the nonzero entries by latent: start [latents + 1] offsets, tok [entries] token of each entry,
 * coef [entries]. Each latent's row then takes all its updates while it sits in L1.
 */
export function groupByLatent(
  indices: Int32Array,
  coef: Float32Array,
  n: number,
  width: number,
  latents: number,
  start: Int32Array,
  tok: Int32Array,
  sorted: Float32Array,
): void {
  start.fill(0);
  const total = n * width;
  for (let i = 0; i < total; i++) if (coef[i] !== 0) start[indices[i] + 1]++;
  for (let l = 0; l < latents; l++) start[l + 1] += start[l];
  // start[l] is used as a cursor below and restored afterwards by shifting.
  for (let t = 0; t < n; t++) {
    const base = t * width;
    for (let j = 0; j < width; j++) {
      const c = coef[base + j];
      if (c === 0) continue;
      const at = start[indices[base + j]]++;
      tok[at] = t;
      sorted[at] = c;
    }
  }
  for (let l = latents; l > 0; l--) start[l] = start[l - 1];
  start[0] = 0;
}

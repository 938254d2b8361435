// A synthetic dictionary for the api bench: decoder-like unit directions (a low-rank shared part plus noise, nearly
// orthogonal as real ones are) and top examples of 32 tokens. Deterministic for a given seed.
import type { ExampleRecord, FeatureRecord } from '@atlas/worker/ingest';

export const WORDS = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' a',
  ' in',
  ' is',
  ' was',
  ' he',
  ' for',
  ' it',
  ' with',
  ' as',
  ' his',
  ' on',
  ' be',
  ' at',
  ' by',
  ' I',
  ' had',
];

/** A linear congruential generator with Box–Muller normals: the same numbers on every machine. */
export function randomSource(seed: number): { rand: () => number; gauss: () => number } {
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return { rand, gauss };
}

/** `n` features of `dIn` dimensions, in index order (a generator: a large dictionary never sits in memory). */
export function* syntheticFeatures(n: number, dIn: number, seed: number): Generator<FeatureRecord> {
  const { rand, gauss } = randomSource(seed);
  const basis = Array.from({ length: 32 }, () => Float32Array.from({ length: dIn }, gauss));
  for (let i = 0; i < n; i++) {
    const d = new Float32Array(dIn);
    for (let b = 0; b < 3; b++) {
      const w = gauss() * 0.6;
      const row = basis[Math.floor(rand() * basis.length)];
      for (let j = 0; j < dIn; j++) d[j] += w * row[j];
    }
    for (let j = 0; j < dIn; j++) d[j] += gauss();
    const norm = Math.hypot(...d);
    for (let j = 0; j < dIn; j++) d[j] /= norm;
    yield {
      index: i,
      decoder: d,
      density: rand() * 0.01,
      meanActivation: 1,
      maxActivation: 5 + rand() * 5,
      histogram: { edges: [0.1, 1, 10], counts: [3, 4] },
      label: `feature ${i} ${WORDS[i % WORDS.length].trim()}`,
      labelScores: null,
      logits: null,
      mapX: rand(),
      mapY: rand(),
      neighbors: Array.from({ length: 10 }, (_, r) => ({ index: (i + r + 1) % n, cosine: 0.3 })),
    };
  }
}

/** `perFeature` top examples of feature `i`, 32 tokens each, peaking at position 24. */
export function syntheticExamples(perFeature: number, i: number): ExampleRecord[] {
  return Array.from({ length: perFeature }, (_, rank) => ({
    featureIndex: i,
    kind: 'top' as const,
    bin: 0,
    rank,
    maxActivation: 10 - rank * 0.1,
    docIndex: i % 500,
    tokenStart: rank * 32,
    maxPosition: 24,
    tokens: Array.from({ length: 32 }, (_, t) => WORDS[(i + rank + t) % WORDS.length]),
    activations: Array.from({ length: 32 }, (_, t) => (t === 24 ? 10 - rank * 0.1 : 0)),
  }));
}

// Generation from a prompt, steered or not: one token at a time by greedy choice or sampling (temperature, top-p,
// frequency penalty) from a seeded generator, each token with its log-probability and, when steered, the tokens
// whose probability the steering changed most at that position.
//
// Cost: a window has a fixed width (the context, padded on the right; causal attention keeps padding out of the real
// rows). While the text fits its window, a key/value cache (transformer/onnxForward.ts's incremental graph) runs
// only the new row against the cached keys and values of the rows before it: O(rows) attention and O(1) MLP work
// per token. Once the text is longer than the window, the window slides by one each token, every position
// embedding moves, and each token recomputes its whole window (O(context²) attention, O(context) MLP), as it
// does throughout without the cache (TF.js, or `cache: false`). Both give the same tokens and log-probabilities
// (to float rounding; steer.test.ts checks it).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Backend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { extremeIndices } from '../analysis/logitEffects.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import type { KeyValueCache } from '../transformer/hookRunnerTypes.js';
import type { ModelWindows } from '../transformer/modelFolder.js';
import type { ResolvedIntervention } from './intervention.js';
import { steeredForward, type SteeredLogits } from './steeredForward.js';

/** How the next token is chosen. */
export interface SamplingOptions {
  /** New tokens to generate. */
  maxNewTokens: number;
  /** 0: greedy (argmax); else logits are divided by it before sampling. */
  temperature: number;
  /** Nucleus: sample among the most probable tokens whose probabilities sum to at least topP; 1 keeps all. */
  topP: number;
  /** Subtracted from a token's logit once per time it was already generated (OpenAI's frequency penalty). */
  frequencyPenalty: number;
  seed: number;
}

/** A token whose probability steering moved, with both probabilities. */
export interface ChangedToken {
  id: number;
  text: string;
  steered: number;
  default: number;
}

export interface GeneratedToken {
  id: number;
  text: string;
  /** ln p of the token under the (steered) model's distribution, before temperature, top-p and penalty. */
  logprob: number;
  /** Steered runs only: the tokens whose probability the steering changed most here, |Δp| largest first. */
  changed?: ChangedToken[];
}

export interface Generation {
  text: string;
  tokens: GeneratedToken[];
}

export interface GenerateOptions {
  sampling: SamplingOptions;
  /** The window rule (context and BOS) the model runs in; past the context the window slides. */
  windows: ModelWindows;
  /** Empty: the default (unsteered) model. */
  interventions: readonly ResolvedIntervention[];
  backend: Backend;
  /** Changed tokens reported per position (default 5). */
  topChanged?: number;
  /** Checked between tokens. */
  signal?: AbortSignal;
  /** Called with each token as it is chosen (the api streams them). */
  onToken?: (token: GeneratedToken) => void;
  /** Use the key/value cache where the model's runner has one (default true; false recomputes every window). */
  cache?: boolean;
}

/** Generate `o.sampling.maxNewTokens` tokens after `promptIds` (non-empty). */
export async function generate(
  model: InferenceModel,
  promptIds: readonly number[],
  o: GenerateOptions,
): Promise<Generation> {
  const { sampling, windows, interventions, backend } = o;
  const steered = interventions.length > 0;
  const topChanged = o.topChanged ?? 5;
  const rng = new Rng(sampling.seed);
  const offset = windows.bosId === undefined ? 0 : 1;
  const width = windows.contextSize;
  const keep = width - offset;
  const vocab = model.config.vocabSize;
  const text = [...promptIds];
  const counts = new Map<number, number>();
  const tokens: GeneratedToken[] = [];
  const ids = new Int32Array(width);
  const useCache = (o.cache ?? true) && (await model.supportsKeyValueCache());
  // The caches hold the rows of the window starting at text position cacheStart (steered and, when steered, default).
  let cache: { start: number; steered: KeyValueCache; default?: KeyValueCache } | null = null;
  for (let step = 0; step < sampling.maxNewTokens; step++) {
    const start = Math.max(0, text.length - keep);
    const n = text.length - start;
    let pass: SteeredLogits;
    let last: number;
    if (cache && cache.start === start && cache.steered.length === offset + n - 1) {
      const position = text.length - 1;
      pass = await steeredForward(
        model,
        Int32Array.of(text[position]),
        interventions,
        (row) => (row === 0 ? position : null),
        backend,
        { withDefault: steered, past: cache.steered, defaultPast: cache.default },
      );
      last = 0;
    } else {
      ids.fill(windows.bosId ?? 0);
      for (let j = 0; j < n; j++) ids[offset + j] = text[start + j];
      const positionOf = (row: number) => (row < offset || row >= offset + n ? null : start + row - offset);
      pass = await steeredForward(model, ids, interventions, positionOf, backend, {
        withDefault: steered,
        keyValues: useCache && n < keep, // a full window slides on the next token: nothing to continue
      });
      last = offset + n - 1;
    }
    cache =
      pass.keyValues && offset + n < width
        ? {
            start,
            steered: { ...pass.keyValues, length: offset + n },
            default: pass.defaultKeyValues && { ...pass.defaultKeyValues, length: offset + n },
          }
        : null;
    const logits = pass.logits.subarray(last * vocab, (last + 1) * vocab);
    const id = chooseToken(logits, counts, sampling, rng);
    const logp = logSoftmax(logits);
    const token: GeneratedToken = { id, text: model.tokenizer.tokenText(id), logprob: logp[id] };
    if (pass.defaultLogits) {
      const defaultLogp = logSoftmax(pass.defaultLogits.subarray(last * vocab, (last + 1) * vocab));
      token.changed = mostChanged(logp, defaultLogp, topChanged).map((t) => ({
        id: t,
        text: model.tokenizer.tokenText(t),
        steered: Math.exp(logp[t]),
        default: Math.exp(defaultLogp[t]),
      }));
    }
    tokens.push(token);
    o.onToken?.(token);
    text.push(id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
    // The forward passes block; give queued requests (the api's) a turn between tokens.
    await nextTurn();
    o.signal?.throwIfAborted();
  }
  return { text: tokens.map((t) => t.text).join(''), tokens };
}

/** ln softmax of a logits row, in float64. */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

/** The next token: argmax at temperature 0, else a draw from the tempered, penalised, nucleus-cut distribution. */
export function chooseToken(
  logits: Float32Array,
  counts: ReadonlyMap<number, number>,
  s: Pick<SamplingOptions, 'temperature' | 'topP' | 'frequencyPenalty'>,
  rng: Rng,
): number {
  const adjusted = Float64Array.from(logits);
  for (const [id, c] of counts) adjusted[id] -= s.frequencyPenalty * c;
  if (s.temperature === 0) {
    let best = 0;
    for (let i = 1; i < adjusted.length; i++) if (adjusted[i] > adjusted[best]) best = i;
    return best;
  }
  let max = -Infinity;
  for (const v of adjusted) if (v > max) max = v;
  const p = adjusted.map((v) => Math.exp((v - max) / s.temperature));
  // Only a nucleus cut needs the tokens by probability (a sort of the vocabulary per token).
  const order = Array.from(p.keys());
  if (s.topP < 1) order.sort((a, b) => p[b] - p[a] || a - b);
  const total = p.reduce((a, b) => a + b, 0);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && mass < s.topP * total) mass += p[order[kept++]];
  let u = rng.next() * mass;
  for (let j = 0; j < kept; j++) {
    u -= p[order[j]];
    if (u < 0) return order[j];
  }
  return order[kept - 1];
}

/** Indices of the `k` entries whose probability differs most between two log-distributions, largest first. */
function mostChanged(a: Float64Array, b: Float64Array, k: number): number[] {
  const delta = Float32Array.from(a, (v, i) => Math.abs(Math.exp(v) - Math.exp(b[i])));
  return extremeIndices(delta, k, 1);
}

// Generation from a prompt, steered or not: one token at a time by greedy choice or sampling (temperature, top-p,
// frequency penalty) from a seeded generator, each token with its log-probability and, when steered, the tokens
// whose probability the steering changed most at that position.
//
// Cost: a window is the text's last rows (up to the context, after BOS where the model has one). While the text fits
// its window, a key/value cache (transformer/onnxForward.ts's incremental graph) runs
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
import { keyValueWidth } from '../transformer/config.js';
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
  const useCache = (o.cache ?? true) && (await model.supportsKeyValueCache());
  // The caches hold the rows of the window starting at text position cacheStart (steered and, when steered, default).
  let cache: { start: number; steered: KeyValueCache; default?: KeyValueCache } | null = null;
  // Two sets of per-layer buffers with room for every row the cache can hold (steered and default when steered):
  // each pass writes its keys and values into the set the cache it reads is not in.
  const room = (steered ? 2 : 1) * Math.min(width, offset + promptIds.length + sampling.maxNewTokens) * keyValueWidth(model.config); // prettier-ignore
  const buffers = useCache
    ? [0, 1].map(() => ({
        keys: Array.from({ length: model.config.nLayer }, () => new Float32Array(room)),
        values: Array.from({ length: model.config.nLayer }, () => new Float32Array(room)),
      }))
    : [];
  let spare = 0;
  for (let step = 0; step < sampling.maxNewTokens; step++) {
    const start = Math.max(0, text.length - keep);
    const n = text.length - start;
    let pass: SteeredLogits;
    if (cache && cache.start === start && cache.steered.length === offset + n - 1) {
      const position = text.length - 1;
      pass = await steeredForward(
        model,
        Int32Array.of(text[position]),
        interventions,
        (row) => (row === 0 ? position : null),
        backend,
        {
          withDefault: steered,
          past: cache.steered,
          defaultPast: cache.default,
          lastRowLogits: true,
          keyValuesInto: buffers[spare],
        },
      );
    } else {
      const ids = new Int32Array(offset + n);
      if (windows.bosId !== undefined) ids[0] = windows.bosId;
      for (let j = 0; j < n; j++) ids[offset + j] = text[start + j];
      const positionOf = (row: number) => (row < offset ? null : start + row - offset);
      pass = await steeredForward(model, ids, interventions, positionOf, backend, {
        withDefault: steered,
        keyValues: useCache && n < keep, // a full window slides on the next token: nothing to continue
        lastRowLogits: true,
        keyValuesInto: buffers[spare],
      });
    }
    spare = 1 - spare;
    cache =
      pass.keyValues && offset + n < width
        ? {
            start,
            steered: { ...pass.keyValues, length: offset + n },
            default: pass.defaultKeyValues && { ...pass.defaultKeyValues, length: offset + n },
          }
        : null;
    const logits = pass.logits.subarray(0, vocab);
    const id = chooseToken(logits, counts, sampling, rng);
    const lse = logSumExp(logits);
    const token: GeneratedToken = { id, text: model.tokenizer.tokenText(id), logprob: logits[id] - lse };
    if (pass.defaultLogits) {
      const defaultLogits = pass.defaultLogits.subarray(0, vocab);
      const defaultLse = logSumExp(defaultLogits);
      token.changed = mostChanged(logits, lse, defaultLogits, defaultLse, topChanged).map((t) => ({
        id: t,
        text: model.tokenizer.tokenText(t),
        steered: Math.exp(logits[t] - lse),
        default: Math.exp(defaultLogits[t] - defaultLse),
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

/** ln Σ exp(logits), in float64. Indexed loops: a vocabulary-wide pass runs every token, so no iterators. */
export function logSumExp(logits: Float32Array): number {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** The next token: argmax at temperature 0, else a draw from the tempered, penalised, nucleus-cut distribution. */
export function chooseToken(
  logits: Float32Array,
  counts: ReadonlyMap<number, number>,
  s: Pick<SamplingOptions, 'temperature' | 'topP' | 'frequencyPenalty'>,
  rng: Rng,
): number {
  const n = logits.length;
  const adjusted = Float64Array.from(logits);
  for (const [id, c] of counts) adjusted[id] -= s.frequencyPenalty * c;
  if (s.temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (adjusted[i] > adjusted[best]) best = i;
    return best;
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (adjusted[i] > max) max = adjusted[i];
  const p = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp((adjusted[i] - max) / s.temperature);
    total += p[i];
  }
  const target = s.topP * total;
  if (s.topP >= 1) return drawFrom(p, null, target, rng);
  // The nucleus, by probability then id: sort only the tokens at or above a floor, lowering the floor until they
  // hold the nucleus' mass. Every token left out is less probable than every one sorted, so the sorted prefix is
  // the whole vocabulary's (same tokens, same sums) at a fraction of a vocabulary-wide sort per token.
  for (let floor = 1e-3; ; floor = floor > 1e-12 ? floor * 1e-3 : 0) {
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (p[i] >= floor) order.push(i);
    order.sort((a, b) => p[b] - p[a] || a - b);
    let mass = 0;
    for (const i of order) mass += p[i];
    if (mass >= target || floor === 0) return drawFrom(p, order, target, rng);
  }
}

/** Draw among the first tokens of `order` (null: ids in order) whose probabilities reach `target`. */
function drawFrom(p: Float64Array, order: number[] | null, target: number, rng: Rng): number {
  const at = (j: number) => (order ? order[j] : j);
  const length = order ? order.length : p.length;
  let kept = 0;
  let mass = 0;
  while (kept < length && mass < target) mass += p[at(kept++)];
  let u = rng.next() * mass;
  for (let j = 0; j < kept; j++) {
    u -= p[at(j)];
    if (u < 0) return at(j);
  }
  return at(kept - 1);
}

/** Indices of the `k` tokens whose probability differs most between two logit rows (with their ln Σ exp). */
function mostChanged(a: Float32Array, lseA: number, b: Float32Array, lseB: number, k: number): number[] {
  const delta = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) delta[i] = Math.abs(Math.exp(a[i] - lseA) - Math.exp(b[i] - lseB));
  return extremeIndices(delta, k, 1);
}

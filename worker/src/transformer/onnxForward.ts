// The GPT-2 inference forward pass on onnxruntime (MLAS GEMMs on every core, fused LayerNorm and attention
// kernels): the same computation as gpt2.ts's `forward`, ~10x faster than TF.js on wasm for the tiny LM, so
// extraction, the analysis pass, CE loss and live text analysis run on it. Interventions are fed hooks: a hook given
// in `feed` is a graph input that replaces the computed value (CE loss splices a reconstruction in that way). TF.js
// stays the path for training (it has the gradients) and the fallback when onnxruntime-node does not load.
// The inference forward pass on onnxruntime (MLAS GEMMs on every core, fused LayerNorm and attention kernels) for
// every family: an ONNX graph built in code per set of outputs (families/*.ts), ~10x faster than TF.js on wasm for
// the tiny LM, so extraction, the analysis pass, CE loss and live text analysis run on it. Interventions are fed
// hooks: a hook given in `feed` is a graph input that replaces the computed value (CE loss splices a
// reconstruction in that way). TF.js stays the path for training GPT-2 (it has the gradients) and the fallback
// when onnxruntime-node does not load.
import { onnxSessionOptions, type ModelSource } from '../formats/onnxModel.js';
import { keyValueWidth } from './config.js';
import { gpt2Graph, gpt2HostWeights, type Gpt2HostWeights } from './families/gpt2.js';
import type { GraphHook, GraphRequest } from './families/graph.js';
import { gemma2Graph } from './families/gemma2.js';
import { llamaGraph } from './families/llama.js';
import { neoxGraph } from './families/neox.js';
import { hookWidth, parseHook } from './hooks.js';
import type { HookRunner, HookRunOptions, HostForwardResult } from './hookRunnerTypes.js';
import type { LoadedModel } from './modelFolder.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

/** The graph shape a session runs: hook names and flags. */
interface GraphShape {
  hooks: readonly string[];
  logits: boolean;
  feed?: readonly string[];
  add?: readonly string[];
  lastRowLogits?: boolean;
  keyValues?: boolean;
  past?: boolean;
}

/**
 * The model's ONNX graph on ids [b, seq] (int32, any seq up to the model's positions) up to the last requested hook
 * (or through the unembedding when `logits`), with the hooks [b, seq, width] and `logits` [b, seq, vocab] as
 * outputs, each hook in `feed` an input [b, seq, width] that replaces the computed value, each hook in `add` an
 * input `<hook>.add` added to it.
 *
 * `keyValues` (with `logits`) adds outputs `present.<layer>.k` / `.v` [b, seq, kvWidth], each layer's keys (after
 * rotary) and values. `past` makes it the incremental graph: seq 1, an input `position` [1] (the new row's
 * position) and, per layer up to the last computed, inputs `past.<layer>.k` / `.v` [b, P, kvWidth] that the new row
 * attends to with itself; with `logits` the outputs `present.*` are [b, P + 1, kvWidth].
 */
export function modelGraph(model: LoadedModel, gpt2Weights: () => Gpt2HostWeights, shape: GraphShape): ModelSource {
  const { config } = model;
  const hook = (name: string): GraphHook => {
    const h = parseHook(name, config);
    return { name, layer: h.layer, width: hookWidth(h, config) };
  };
  const req: GraphRequest = {
    hooks: shape.hooks.map(hook),
    feed: (shape.feed ?? []).map(hook),
    add: (shape.add ?? []).map(hook),
    logits: shape.logits,
    lastRowLogits: shape.lastRowLogits,
    keyValues: shape.keyValues,
    past: shape.past,
  };
  if (model.config.family === 'gpt2') return gpt2Graph(model.config, gpt2Weights(), req);
  const w = model.weights!;
  if (model.config.family === 'llama' && w.family === 'llama') return llamaGraph(model.config, w, req);
  if (model.config.family === 'neox' && w.family === 'neox') return neoxGraph(model.config, w, req);
  if (model.config.family === 'gemma2' && w.family === 'gemma2') return gemma2Graph(model.config, w, req);
  throw new RangeError(`forward: ${model.name} holds ${w.family} weights for a ${model.config.family} config`);
}

/** A built session and the runs using it (an entry in use is never released). */
interface SessionEntry {
  session: Promise<Session>;
  running: number;
}

/**
 * Sessions kept per model. Each bakes in its own copy of the weights (~0.5 GB for GPT-2 small) and steering builds
 * two per set of steered hooks, so a long-lived api would otherwise grow without bound; the least recently used
 * idle one goes first.
 */
export const MAX_SESSIONS = 8;

/** A model's forward on onnxruntime: one session per set of outputs and fed hooks, built on first use. */
export class OnnxForward implements HookRunner {
  readonly description: string;
  readonly supportsKeyValueCache = true;
  /** In use order: the most recently used last. */
  private sessions = new Map<string, SessionEntry>();
  private weights: Gpt2HostWeights | null = null;

  constructor(
    private readonly ort: Ort,
    private readonly model: LoadedModel,
    private readonly threads: number,
  ) {
    this.description = `onnxruntime-node on ${threads} thread(s)`;
  }

  /** Sessions open now (at most MAX_SESSIONS plus those in use). */
  get openSessions(): number {
    return this.sessions.size;
  }

  private session(shape: GraphShape): SessionEntry {
    const names = (list: readonly string[] = []) => [...list].sort().join(',');
    const key = [names(shape.hooks), shape.logits, names(shape.feed), names(shape.add), !!shape.lastRowLogits, !!shape.keyValues, !!shape.past].join('|'); // prettier-ignore
    let entry = this.sessions.get(key);
    if (entry) this.sessions.delete(key);
    else {
      const model = modelGraph(this.model, () => (this.weights ??= gpt2HostWeights(this.model.params!)), shape);
      // create() has one overload per source kind; a union matches neither.
      const session = (
        typeof model.source === 'string'
          ? this.ort.InferenceSession.create(model.source, onnxSessionOptions(this.threads))
          : this.ort.InferenceSession.create(model.source, onnxSessionOptions(this.threads))
      ).finally(() => model.dispose());
      entry = { session, running: 0 };
    }
    this.sessions.set(key, entry);
    for (const [k, e] of this.sessions) {
      if (this.sessions.size <= MAX_SESSIONS) break;
      if (e === entry || e.running > 0) continue;
      this.sessions.delete(k);
      e.session.then((x) => x.release()).catch(() => {}); // a session that failed to build holds nothing
    }
    return entry;
  }

  async run(ids: Int32Array, batch: number, seq: number, o: HookRunOptions): Promise<HostForwardResult> {
    const hooks = o.hooks ?? [];
    const feed = Object.keys(o.feed ?? {});
    const add = Object.keys(o.add ?? {});
    const { config } = this.model;
    for (const h of [...hooks, ...feed, ...add]) parseHook(h, config);
    if (seq > config.nPositions)
      throw new RangeError(`forward: sequence length ${seq} exceeds the model's ${config.nPositions} positions`);
    const past = o.past;
    const keyValues = !!o.logits && (!!o.keyValues || !!past);
    if (past && seq !== 1) throw new RangeError('forward: a run with `past` takes one new token');
    if (past && past.length + 1 > config.nPositions)
      throw new RangeError(`forward: position ${past.length} is past the model's ${config.nPositions} positions`);
    // One new row is its own last row: the incremental graph needs no slice.
    const lastRowLogits = !!o.logits && !!o.lastRowLogits && !past;
    const entry = this.session({ hooks, logits: !!o.logits, feed, add, lastRowLogits, keyValues, past: !!past });
    entry.running++;
    try {
      return await this.runSession(await entry.session, ids, batch, seq, o, { hooks, feed, add, keyValues });
    } finally {
      entry.running--;
    }
  }

  private async runSession(
    s: Session,
    ids: Int32Array,
    batch: number,
    seq: number,
    o: HookRunOptions,
    { hooks, feed, add, keyValues }: { hooks: readonly string[]; feed: string[]; add: string[]; keyValues: boolean },
  ): Promise<HostForwardResult> {
    const { config } = this.model;
    const past = o.past;
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {
      ids: new this.ort.Tensor('int32', ids, [batch, seq]),
    };
    const kvWidth = keyValueWidth(config);
    if (past) {
      const d = kvWidth;
      feeds.position = new this.ort.Tensor('int32', Int32Array.of(past.length), [1]);
      for (const name of s.inputNames) {
        const m = /^past\.(\d+)\.([kv])$/.exec(name);
        if (m) {
          const data = (m[2] === 'k' ? past.keys : past.values)[Number(m[1])].subarray(0, batch * past.length * d);
          feeds[name] = new this.ort.Tensor('float32', data, [batch, past.length, d]);
        }
      }
    }
    for (const h of feed) {
      const width = hookWidth(parseHook(h, config), config);
      feeds[h] = new this.ort.Tensor('float32', o.feed![h], [batch, seq, width]);
    }
    for (const h of add) {
      const width = hookWidth(parseHook(h, config), config);
      feeds[`${h}.add`] = new this.ort.Tensor('float32', o.add![h], [batch, seq, width]);
    }
    const rows = (past?.length ?? seq - 1) + 1;
    const layers = Array.from({ length: config.nLayer }, (_, l) => l);
    // Keys and values written where the caller keeps its cache: no fresh buffers (and copies of them) per token.
    const into = keyValues ? o.keyValuesInto : undefined;
    const present = (l: number, kv: 'k' | 'v') => {
      const data = (kv === 'k' ? into!.keys : into!.values)[l].subarray(0, batch * rows * kvWidth);
      return new this.ort.Tensor('float32', data, [batch, rows, kvWidth]);
    };
    const fetches = into
      ? Object.fromEntries(s.outputNames.map((name) => [name, /^present\./.test(name) ? present(Number(name.split('.')[1]), name.endsWith('.k') ? 'k' : 'v') : null])) // prettier-ignore
      : undefined;
    const out = fetches ? await s.run(feeds, fetches) : await s.run(feeds);
    const result: HostForwardResult = { hooks: {} };
    for (const h of hooks) result.hooks[h] = out[h].data as Float32Array;
    if (o.logits) result.logits = out.logits.data as Float32Array;
    if (keyValues) {
      const read = (l: number, kv: 'k' | 'v') =>
        into
          ? (fetches![`present.${l}.${kv}`]!.data as Float32Array)
          : (out[`present.${l}.${kv}`].data as Float32Array);
      result.keyValues = {
        length: rows,
        keys: layers.map((l) => read(l, 'k')),
        values: layers.map((l) => read(l, 'v')),
      };
    }
    return result;
  }

  dispose(): void {
    for (const e of this.sessions.values()) void e.session.then((x) => x.release());
    this.sessions.clear();
  }
}

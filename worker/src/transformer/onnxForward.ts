// The GPT-2 inference forward pass on onnxruntime (MLAS GEMMs on every core, fused LayerNorm and attention
// kernels): the same computation as gpt2.ts's `forward`, ~10x faster than TF.js on wasm for the tiny LM, so
// extraction, the analysis pass, CE loss and live text analysis run on it. Interventions are fed hooks: a hook given
// in `feed` is a graph input that replaces the computed value (CE loss splices a reconstruction in that way). TF.js
// stays the path for training (it has the gradients) and the fallback when onnxruntime-node does not load.
import {
  buildModel,
  ONNX_FLOAT,
  ONNX_INT32,
  onnxSessionOptions,
  type Initializer,
  type NodeSpec,
} from '../formats/onnxModel.js';
import type { Gpt2Config } from './config.js';
import type { Gpt2Params } from './gpt2.js';
import { hookWidth, parseHook } from './hooks.js';
import type { HookRunner, HookRunOptions, HostForwardResult } from './hookRunnerTypes.js';
import type { LoadedModel } from './modelFolder.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

/** Host copies of the weights the graph bakes in, read once from the TF.js tensors. */
function hostWeights(params: Gpt2Params) {
  const host = (t: { dataSync(): unknown }) => t.dataSync() as Float32Array;
  return {
    wte: params.wteHost ?? host(params.wte),
    wpe: host(params.wpe),
    blocks: params.blocks.map((b) => ({
      ln1G: host(b.ln1G),
      ln1B: host(b.ln1B),
      attnW: host(b.attnW),
      attnB: host(b.attnB),
      projW: host(b.projW),
      projB: host(b.projB),
      ln2G: host(b.ln2G),
      ln2B: host(b.ln2B),
      fcW: host(b.fcW),
      fcB: host(b.fcB),
      outW: host(b.outW),
      outB: host(b.outB),
    })),
    lnFG: host(params.lnFG),
    lnFB: host(params.lnFB),
    lmHead: params.lmHead ? host(params.lmHead) : undefined,
    /** The unembedding as [d, vocab], transposed on first use and kept: every logits graph bakes it in. */
    unembed: undefined as Float32Array | undefined,
  };
}
type HostWeights = ReturnType<typeof hostWeights>;

/** [rows, cols] row-major -> [cols, rows]. */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/**
 * The ONNX graph of GPT-2 on ids [b, seq] (int32, any seq up to the model's positions) up to the last requested hook (or through the unembedding when
 * `logits`), with the hooks [b, seq, width] and `logits` [b, seq, vocab] as outputs, and each hook in `feed` an input
 * [b, seq, width] that replaces the computed value, each hook in `add` an input `<hook>.add` added to it. Values carry
 * the hook names.
 *
 * `keyValues` (with `logits`) adds outputs `present.<layer>.k` / `.v` [b, seq, d], each layer's keys and values.
 * `past` makes it the incremental graph: seq 1, an input `position` [1] (the new row's position) and, per layer up
 * to the last computed, inputs `past.<layer>.k` / `.v` [b, P, d] that the new row attends to with itself (no mask:
 * every cached row precedes it); with `logits` the outputs `present.*` are [b, P + 1, d].
 */
export function gpt2Graph(
  config: Gpt2Config,
  w: HostWeights,
  o: {
    hooks: readonly string[];
    logits: boolean;
    feed?: readonly string[];
    add?: readonly string[];
    lastRowLogits?: boolean;
    keyValues?: boolean;
    past?: boolean;
  },
): Uint8Array {
  const { past } = o;
  const rows = past ? 1 : 'seq';
  if (o.keyValues && !o.logits) throw new RangeError('forward: keys and values come with logits only');
  const d = config.dModel;
  const nHead = config.nHead;
  const dHead = d / nHead;
  const wanted = o.hooks.map((h) => parseHook(h, config));
  const fed = (o.feed ?? []).map((h) => parseHook(h, config));
  const fedNames = new Set(fed.map((h) => h.name));
  const added = (o.add ?? []).map((h) => parseHook(h, config));
  const addedNames = new Set(added.map((h) => h.name));
  for (const h of added)
    if (fedNames.has(h.name)) throw new RangeError(`forward: hook ${h.name} cannot be both fed and added to`);
  for (const h of wanted)
    if (fedNames.has(h.name)) throw new RangeError(`forward: hook ${h.name} cannot be both recorded and fed`);
  const lastLayer = o.logits ? config.nLayer - 1 : Math.max(-1, ...wanted.map((h) => h.layer));
  if ([...fed, ...added].some((h) => h.layer > lastLayer))
    throw new RangeError('forward: a fed or added-to hook lies past every output');
  const nodes: NodeSpec[] = [];
  const inits: Initializer[] = [];
  const init = (name: string, dims: number[], values: number[] | Float32Array) => {
    inits.push({ name, dims, values });
    return name;
  };
  const node = (
    op: string,
    inputs: string[],
    output: string,
    attrs: Omit<NodeSpec, 'op' | 'inputs' | 'outputs'> = {},
  ) => {
    // A fed hook is a graph input: the node that would compute it writes elsewhere, and downstream reads the input.
    // An added-to hook is the computed value plus an input (ADD steering needs no pass to read the hook first).
    const replaced = fedNames.has(output) || addedNames.has(output);
    nodes.push({ op, inputs, outputs: [replaced ? `${output}.computed` : output], ...attrs });
    if (addedNames.has(output))
      nodes.push({ op: 'Add', inputs: [`${output}.computed`, `${output}.add`], outputs: [output] });
    return output;
  };
  const eps = { floats: { epsilon: config.layerNormEpsilon }, ints: { axis: -1 } };
  const linear = (x: string, wName: string, wData: Float32Array, dims: number[], bData: Float32Array, out: string) =>
    node(
      'Add',
      [node('MatMul', [x, init(wName, dims, wData)], `${out}.mm`), init(`${wName}.b`, [dims[1]], bData)],
      out,
    );

  // The sequence length is a dimension of the run, not of the graph: one session serves every window length (a
  // fixed-length graph made generation pad each prompt to the context, or build a session per length). The causal
  // mask (-1e9 above the diagonal, as in gpt2.ts) and the position embeddings are the top-left [seq] of the model's.
  const positions = config.nPositions;
  if (!past) {
    const mask = new Float32Array(positions * positions);
    for (let t = 0; t < positions; t++) for (let s = t + 1; s < positions; s++) mask[t * positions + s] = -1e9;
    init('maskFull', [positions, positions], mask);
    init('zero', [1], [0]);
    init('zeros2', [2], [0, 0]);
    init('one.i', [1], [1]);
    init('two.i', [1], [2]);
    nodes.push({ op: 'Shape', inputs: ['ids'], outputs: ['idsShape'] });
    nodes.push({ op: 'Slice', inputs: ['idsShape', 'one.i', 'two.i'], outputs: ['seqLen'] });
    nodes.push({ op: 'Concat', inputs: ['seqLen', 'seqLen'], outputs: ['maskEnds'], ints: { axis: 0 } });
    nodes.push({ op: 'Slice', inputs: ['maskFull', 'zeros2', 'maskEnds'], outputs: ['mask'] });
  }
  init('scale', [], Float32Array.of(1 / Math.sqrt(dHead)));
  init('heads', [4], [0, 0, nHead, dHead]);
  init('merged', [3], [0, 0, d]);
  init('qkvSplit', [3], [d, d, d]);
  init('gelu.c3', [], Float32Array.of(0.044715));
  init('gelu.c', [], Float32Array.of(2 * Math.sqrt(2 / Math.PI)));
  init('half', [], Float32Array.of(0.5));
  init('one', [], Float32Array.of(1));
  init('rsqrt2', [], Float32Array.of(Math.SQRT1_2));

  let x = node(
    'Add',
    [
      node('Gather', [init('wte', [config.vocabSize, d], w.wte), 'ids'], 'tokens'),
      past
        ? node('Gather', [init('wpe', [config.nPositions, d], w.wpe), 'position'], 'positionEmbedding')
        : node('Slice', [init('wpe', [positions, d], w.wpe), 'zero', 'seqLen'], 'positionEmbedding'),
    ],
    'blocks.0.hook_resid_pre',
  );
  for (let l = 0; l <= lastLayer; l++) {
    const p = w.blocks[l];
    const n = (k: string) => `blocks.${l}.${k}`;
    if (l > 0) x = node('Identity', [x], n('hook_resid_pre'));
    const h = node(
      'LayerNormalization',
      [x, init(n('ln1G'), [d], p.ln1G), init(n('ln1B'), [d], p.ln1B)],
      n('ln1'),
      eps,
    );
    const qkv = linear(h, n('attnW'), p.attnW, [d, 3 * d], p.attnB, n('qkv'));
    nodes.push({ op: 'Split', inputs: [qkv, 'qkvSplit'], outputs: [n('q'), n('k'), n('v')], ints: { axis: 2 } });
    const heads = (v: string, perm: number[]) =>
      node('Transpose', [node('Reshape', [v, 'heads'], `${v}.heads`)], `${v}.t`, { intLists: { perm } });
    // Keys and values of every row attended to: the cached ones then the new, or the window's own.
    const kAll = node(past ? 'Concat' : 'Identity', past ? [`past.${l}.k`, n('k')] : [n('k')], `present.${l}.k`, {
      ints: past ? { axis: 1 } : {},
    });
    const vAll = node(past ? 'Concat' : 'Identity', past ? [`past.${l}.v`, n('v')] : [n('v')], `present.${l}.v`, {
      ints: past ? { axis: 1 } : {},
    });
    const q = heads(n('q'), [0, 2, 1, 3]); // [b, H, s, dh]
    const kT = heads(kAll, [0, 2, 3, 1]); // [b, H, dh, s]
    const v = heads(vAll, [0, 2, 1, 3]);
    const qkScaled = node('Mul', [node('MatMul', [q, kT], n('qk')), 'scale'], n('qkScaled'));
    const scores = past ? qkScaled : node('Add', [qkScaled, 'mask'], n('scores'));
    const z = node('MatMul', [node('Softmax', [scores], n('probs'), { ints: { axis: -1 } }), v], n('z'));
    const merged = node(
      'Reshape',
      [node('Transpose', [z], n('zT'), { intLists: { perm: [0, 2, 1, 3] } }), 'merged'],
      n('zMerged'),
    );
    const attnOut = linear(merged, n('projW'), p.projW, [d, d], p.projB, n('hook_attn_out'));
    x = node('Add', [x, attnOut], n('hook_resid_mid'));
    const h2 = node(
      'LayerNormalization',
      [x, init(n('ln2G'), [d], p.ln2G), init(n('ln2B'), [d], p.ln2B)],
      n('ln2.hook_normalized'),
      eps,
    );
    const pre = linear(h2, n('fcW'), p.fcW, [d, config.dMlp], p.fcB, n('mlp.hook_pre'));
    let post: string;
    if (config.activation === 'gelu_new') {
      // x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)) = 0.5 x (1 + tanh(...)), as geluNew in ops.ts.
      const cube = node('Mul', [node('Mul', [pre, pre], n('sq')), pre], n('cube'));
      const inner = node(
        'Mul',
        [node('Add', [pre, node('Mul', [cube, 'gelu.c3'], n('cube3'))], n('inner0')), 'gelu.c'],
        n('inner'),
      );
      post = node('Mul', [pre, node('Sigmoid', [inner], n('sig'))], n('mlp.hook_post'));
    } else if (config.activation === 'gelu') {
      const erf = node('Erf', [node('Mul', [pre, 'rsqrt2'], n('scaled'))], n('erf'));
      post = node(
        'Mul',
        [node('Mul', [pre, 'half'], n('halfX')), node('Add', [erf, 'one'], n('erf1'))],
        n('mlp.hook_post'),
      );
    } else post = node('Relu', [pre], n('mlp.hook_post'));
    const mlpOut = linear(post, n('outW'), p.outW, [config.dMlp, d], p.outB, n('hook_mlp_out'));
    x = node('Add', [x, mlpOut], n('hook_resid_post'));
  }
  const outputs = wanted.map((h) => ({ name: h.name, elemType: ONNX_FLOAT, dims: ['b', rows, hookWidth(h, config)] }));
  if (o.logits) {
    if (o.lastRowLogits) {
      // Generation reads the last row's logits only: the unembedding is the largest matmul of a window.
      init('last.start', [1], [-1]);
      init('last.end', [1], [Number.MAX_SAFE_INTEGER]);
      init('last.axis', [1], [1]);
      x = node('Slice', [x, 'last.start', 'last.end', 'last.axis'], 'lastRow');
    }
    const final = node('LayerNormalization', [x, init('lnFG', [d], w.lnFG), init('lnFB', [d], w.lnFB)], 'lnF', eps);
    const unembed = (w.unembed ??= transposed(w.lmHead ?? w.wte, config.vocabSize, d)); // [d, vocab]
    node('MatMul', [final, init('unembed', [d, config.vocabSize], unembed)], 'logits');
    outputs.push({ name: 'logits', elemType: ONNX_FLOAT, dims: ['b', o.lastRowLogits ? 1 : rows, config.vocabSize] });
    if (o.keyValues || past)
      for (let l = 0; l < config.nLayer; l++)
        for (const kv of ['k', 'v'])
          outputs.push({ name: `present.${l}.${kv}`, elemType: ONNX_FLOAT, dims: ['b', past ? 'present' : rows, d] });
  }
  // The layer loop writes whole blocks: keep only the nodes and weights the outputs depend on.
  const needed = new Set(outputs.map((v) => v.name));
  const kept = nodes.reduceRight<NodeSpec[]>((acc, nd) => {
    if (nd.outputs.some((y) => needed.has(y))) {
      for (const x of nd.inputs) needed.add(x);
      acc.unshift(nd);
    }
    return acc;
  }, []);
  return buildModel({
    nodes: kept,
    inputs: [
      { name: 'ids', elemType: ONNX_INT32, dims: ['b', rows] },
      ...(past ? [{ name: 'position', elemType: ONNX_INT32, dims: [1] }] : []),
      ...(past
        ? Array.from({ length: lastLayer + 1 }, (_, l) =>
            ['k', 'v'].map((kv) => ({ name: `past.${l}.${kv}`, elemType: ONNX_FLOAT, dims: ['b', 'past', d] })),
          ).flat()
        : []),
      ...fed.map((h) => ({ name: h.name, elemType: ONNX_FLOAT, dims: ['b', rows, hookWidth(h, config)] })),
      ...added.map((h) => ({ name: `${h.name}.add`, elemType: ONNX_FLOAT, dims: ['b', rows, hookWidth(h, config)] })),
    ],
    outputs,
    initializers: inits.filter((i) => needed.has(i.name)),
  });
}

/** The graph shape a session runs: gpt2Graph's options. */
type GraphShape = Parameters<typeof gpt2Graph>[2];

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
export class OnnxGpt2Forward implements HookRunner {
  readonly description: string;
  readonly supportsKeyValueCache = true;
  /** In use order: the most recently used last. */
  private sessions = new Map<string, SessionEntry>();
  private weights: HostWeights | null = null;

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
      this.weights ??= hostWeights(this.model.params);
      const bytes = gpt2Graph(this.model.config, this.weights, shape);
      entry = { session: this.ort.InferenceSession.create(bytes, onnxSessionOptions(this.threads)), running: 0 };
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
    if (past) {
      const d = config.dModel;
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
      const data = (kv === 'k' ? into!.keys : into!.values)[l].subarray(0, batch * rows * config.dModel);
      return new this.ort.Tensor('float32', data, [batch, rows, config.dModel]);
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

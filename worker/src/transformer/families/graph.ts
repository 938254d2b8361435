// The pieces every family's ONNX forward graph is made of, defined once: linear layers, LayerNorm and RMSNorm,
// activations, rotary embeddings, causal (grouped-query) attention with its key/value cache, and hooks as outputs,
// fed inputs (a hook in `feed` replaces the computed value) or added inputs (`<hook>.add`). A family's file
// (gpt2.ts, llama.ts, neox.ts) only says how its blocks wire these together.
import {
  modelSource,
  type ModelSource,
  ONNX_FLOAT,
  ONNX_INT32,
  type Initializer,
  type NodeSpec,
  type ValueInfo,
} from '../../formats/onnxModel.js';

/** A hook the graph records, replaces or adds to: its name, layer and width. */
export interface GraphHook {
  name: string;
  layer: number;
  width: number;
}

/** What one graph computes; see families' `*Graph` functions. */
export interface GraphRequest {
  hooks: readonly GraphHook[];
  feed: readonly GraphHook[];
  add: readonly GraphHook[];
  logits: boolean;
  /** With `logits`: the last row's logits only. */
  lastRowLogits?: boolean;
  /** With `logits`: outputs `present.<layer>.k` / `.v` [b, rows, kvWidth]. */
  keyValues?: boolean;
  /** The incremental graph: one new row at input `position`, inputs `past.<layer>.k` / `.v`. */
  past?: boolean;
}

/** Rotary embedding settings: the leading `dims` of each head rotate at `invFreq` (dims / 2 frequencies). */
export interface Rotary {
  dims: number;
  invFreq: Float32Array;
}

/** The attention shape of a layer. */
export interface AttentionShape {
  nHead: number;
  /** Key/value heads (grouped-query attention when fewer than nHead). */
  nKvHead: number;
  dHead: number;
  rotary?: Rotary;
  /** Score scale; default 1/sqrt(dHead). */
  scale?: number;
  /** Gemma 2: scores become cap·tanh(scores / cap) before the mask. */
  softcap?: number;
}

/** [rows, cols] row-major -> [cols, rows], in 64×64 tiles (a 7B model's matrices are transposed on load). */
export function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  const tile = 64;
  for (let r0 = 0; r0 < rows; r0 += tile)
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const r1 = Math.min(rows, r0 + tile);
      const c1 = Math.min(cols, c0 + tile);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = a[r * cols + c];
    }
  return out;
}

/**
 * Rotary inverse frequencies as transformers computes them: base^(-2i/dims), with Llama 3's smoothing of the
 * long wavelengths when `llama3` is given (its `_compute_llama3_parameters`).
 */
export function rotaryInvFreq(
  dims: number,
  base: number,
  llama3?: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number },
): Float32Array {
  const inv = Float32Array.from({ length: dims / 2 }, (_, i) => 1 / base ** ((2 * i) / dims));
  if (!llama3) return inv;
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions: old } = llama3;
  const lowFreqWavelen = old / lowFreqFactor;
  const highFreqWavelen = old / highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return ((1 - smooth) * f) / factor + smooth * f;
  });
}

/**
 * Builds one graph: nodes and weights are added in forward order, and `finish` keeps only what the outputs depend
 * on (blocks past the last requested hook, and unused branches, drop out).
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  private readonly inits: Initializer[] = [];
  private readonly fedNames: Set<string>;
  private readonly addedNames: Set<string>;
  /** Rows per sequence: one in the incremental graph. */
  readonly rows: 1 | 'seq';
  /** The deepest layer the graph computes. */
  readonly lastLayer: number;
  private constants = new Set<string>();

  constructor(
    readonly req: GraphRequest,
    readonly nLayer: number,
  ) {
    if (req.keyValues && !req.logits) throw new RangeError('forward: keys and values come with logits only');
    this.fedNames = new Set(req.feed.map((h) => h.name));
    this.addedNames = new Set(req.add.map((h) => h.name));
    for (const h of req.add)
      if (this.fedNames.has(h.name)) throw new RangeError(`forward: hook ${h.name} cannot be both fed and added to`);
    for (const h of req.hooks)
      if (this.fedNames.has(h.name)) throw new RangeError(`forward: hook ${h.name} cannot be both recorded and fed`);
    this.lastLayer = req.logits ? nLayer - 1 : Math.max(-1, ...req.hooks.map((h) => h.layer));
    if ([...req.feed, ...req.add].some((h) => h.layer > this.lastLayer))
      throw new RangeError('forward: a fed or added-to hook lies past every output');
    this.rows = req.past ? 1 : 'seq';
  }

  init(name: string, dims: number[], values: number[] | Float32Array): string {
    this.inits.push({ name, dims, values });
    return name;
  }

  /** A shared constant, added once. */
  constant(name: string, dims: number[], values: number[] | Float32Array): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.init(name, dims, values);
    }
    return name;
  }

  /**
   * A node writing `output`. A fed hook is a graph input: the node that would compute it writes elsewhere and
   * downstream reads the input. An added-to hook is the computed value plus an input (ADD steering needs no pass
   * to read the hook first).
   */
  node(op: string, inputs: string[], output: string, attrs: Omit<NodeSpec, 'op' | 'inputs' | 'outputs'> = {}): string {
    const replaced = this.fedNames.has(output) || this.addedNames.has(output);
    this.nodes.push({ op, inputs, outputs: [replaced ? `${output}.computed` : output], ...attrs });
    if (this.addedNames.has(output))
      this.nodes.push({ op: 'Add', inputs: [`${output}.computed`, `${output}.add`], outputs: [output] });
    return output;
  }

  /**
   * x [.., in] · Wᵀ (+ b) for W [out, in] as nn.Linear stores it: onnxruntime folds the transpose into the weight
   * (or the MatMul) when it builds the session, far faster than a transpose in JS on load.
   */
  linearT(
    x: string,
    name: string,
    w: Float32Array,
    dims: [number, number],
    bias: Float32Array | undefined,
    out: string,
  ) {
    const wT = this.node('Transpose', [this.init(`${name}.w`, dims, w)], `${name}.wT`, { intLists: { perm: [1, 0] } });
    const mm = this.node('MatMul', [x, wT], bias ? `${out}.mm` : out);
    return bias ? this.node('Add', [mm, this.init(`${name}.b`, [dims[0]], bias)], out) : mm;
  }

  /** x [.., in] · W [in, out] (+ b). */
  linear(
    x: string,
    name: string,
    w: Float32Array,
    dims: [number, number],
    bias: Float32Array | undefined,
    out: string,
  ) {
    const mm = this.node('MatMul', [x, this.init(`${name}.w`, dims, w)], bias ? `${out}.mm` : out);
    return bias ? this.node('Add', [mm, this.init(`${name}.b`, [dims[1]], bias)], out) : mm;
  }

  layerNorm(x: string, name: string, g: Float32Array, b: Float32Array, eps: number, out: string): string {
    const d = g.length;
    return this.node('LayerNormalization', [x, this.init(`${name}.g`, [d], g), this.init(`${name}.b`, [d], b)], out, {
      floats: { epsilon: eps },
      ints: { axis: -1 },
    });
  }

  /** x / sqrt(mean(x²) + eps) · g, as transformers' LlamaRMSNorm (in float32). */
  rmsNorm(x: string, name: string, g: Float32Array, eps: number, out: string): string {
    const ms = this.node('ReduceMean', [this.node('Mul', [x, x], `${out}.sq`)], `${out}.ms`, {
      intLists: { axes: [-1] },
      ints: { keepdims: 1 },
    });
    const eps_ = this.init(`${name}.eps`, [], Float32Array.of(eps));
    const rms = this.node('Sqrt', [this.node('Add', [ms, eps_], `${out}.mse`)], `${out}.rms`);
    return this.node('Mul', [this.node('Div', [x, rms], `${out}.unit`), this.init(`${name}.g`, [g.length], g)], out);
  }

  /** gelu_new (tanh form, as x·sigmoid(2c(x + 0.044715x³))), exact gelu (erf), relu or silu. */
  activation(pre: string, kind: 'gelu_new' | 'gelu' | 'relu' | 'silu', out: string): string {
    if (kind === 'relu') return this.node('Relu', [pre], out);
    if (kind === 'silu') return this.node('Mul', [pre, this.node('Sigmoid', [pre], `${out}.sig`)], out);
    if (kind === 'gelu_new') {
      const cube = this.node('Mul', [this.node('Mul', [pre, pre], `${out}.sq`), pre], `${out}.cube`);
      const c3 = this.constant('gelu.c3', [], Float32Array.of(0.044715));
      const c = this.constant('gelu.c', [], Float32Array.of(2 * Math.sqrt(2 / Math.PI)));
      const inner = this.node(
        'Mul',
        [this.node('Add', [pre, this.node('Mul', [cube, c3], `${out}.cube3`)], `${out}.inner0`), c],
        `${out}.inner`,
      );
      return this.node('Mul', [pre, this.node('Sigmoid', [inner], `${out}.sig`)], out);
    }
    const erf = this.node(
      'Erf',
      [this.node('Mul', [pre, this.constant('rsqrt2', [], Float32Array.of(Math.SQRT1_2))], `${out}.scaled`)],
      `${out}.erf`,
    );
    return this.node(
      'Mul',
      [
        this.node('Mul', [pre, this.constant('half', [], Float32Array.of(0.5))], `${out}.halfX`),
        this.node('Add', [erf, this.constant('one', [], Float32Array.of(1))], `${out}.erf1`),
      ],
      out,
    );
  }

  /** cap · tanh(x / cap) (Gemma 2's soft-capping of scores and logits). */
  softcap(x: string, cap: number, out: string): string {
    const inv = this.constant(`softcap.inv.${cap}`, [], Float32Array.of(1 / cap));
    const c = this.constant(`softcap.${cap}`, [], Float32Array.of(cap));
    return this.node('Mul', [this.node('Tanh', [this.node('Mul', [x, inv], `${out}.scaled`)], `${out}.tanh`), c], out);
  }

  /** The sequence length [1] (int64), from the ids input. */
  seqLen(): string {
    if (!this.constants.has('seqLen')) {
      this.constants.add('seqLen');
      this.init('one.i', [1], [1]);
      this.init('two.i', [1], [2]);
      this.nodes.push({ op: 'Shape', inputs: ['ids'], outputs: ['idsShape'] });
      this.nodes.push({ op: 'Slice', inputs: ['idsShape', 'one.i', 'two.i'], outputs: ['seqLen'] });
    }
    return 'seqLen';
  }

  /** Positions of the rows as float [rows]: 0..seq-1, or the incremental graph's `position`. */
  private positions(): string {
    if (!this.constants.has('positions')) {
      this.constants.add('positions');
      if (this.req.past)
        this.nodes.push({ op: 'Cast', inputs: ['position'], outputs: ['positions'], ints: { to: ONNX_FLOAT } }); // prettier-ignore
      else {
        this.init('zero.s', [], [0]);
        this.init('one.s', [], [1]);
        this.nodes.push({ op: 'Squeeze', inputs: [this.seqLen()], outputs: ['seqLen.s'] });
        this.nodes.push({ op: 'Range', inputs: ['zero.s', 'seqLen.s', 'one.s'], outputs: ['positions.i'] });
        this.nodes.push({ op: 'Cast', inputs: ['positions.i'], outputs: ['positions'], ints: { to: ONNX_FLOAT } });
      }
    }
    return 'positions';
  }

  /**
   * The causal mask [seq, seq]: -1e9 where a column lies after its row, computed from the sequence length (no
   * [positions, positions] table: Llama 3's context is 131,072).
   */
  private mask(): string {
    if (!this.constants.has('mask')) {
      this.constants.add('mask');
      const pos = this.positions();
      this.constant('axis0', [1], [0]);
      this.constant('axis1', [1], [1]);
      this.init('mask.neg', [], Float32Array.of(-1e9));
      this.init('mask.zero', [], Float32Array.of(0));
      this.nodes.push({ op: 'Unsqueeze', inputs: [pos, 'axis1'], outputs: ['pos.rows'] });
      this.nodes.push({ op: 'Unsqueeze', inputs: [pos, 'axis0'], outputs: ['pos.cols'] });
      this.nodes.push({ op: 'Greater', inputs: ['pos.cols', 'pos.rows'], outputs: ['future'] });
      this.nodes.push({ op: 'Where', inputs: ['future', 'mask.neg', 'mask.zero'], outputs: ['mask'] });
    }
    return 'mask';
  }

  /** cos and sin of the rows' angles [rows, 1, dims/2], to broadcast over [b, rows, heads, dims/2]. */
  private rotaryTables(r: Rotary): [string, string] {
    const key = `rope${r.dims}`;
    if (!this.constants.has(key)) {
      this.constants.add(key);
      const pos = this.positions();
      this.init(`${key}.invFreq`, [r.invFreq.length], r.invFreq);
      this.constant('axis1', [1], [1]);
      this.nodes.push({ op: 'Unsqueeze', inputs: [pos, 'axis1'], outputs: [`${key}.pos`] });
      this.nodes.push({ op: 'Mul', inputs: [`${key}.pos`, `${key}.invFreq`], outputs: [`${key}.angles`] });
      this.nodes.push({ op: 'Unsqueeze', inputs: [`${key}.angles`, 'axis1'], outputs: [`${key}.angles3`] });
      this.nodes.push({ op: 'Cos', inputs: [`${key}.angles3`], outputs: [`${key}.cos`] });
      this.nodes.push({ op: 'Sin', inputs: [`${key}.angles3`], outputs: [`${key}.sin`] });
    }
    return [`${key}.cos`, `${key}.sin`];
  }

  /**
   * Rotary embedding on x [b, rows, heads, dHead] in transformers' rotate_half convention: the first r.dims of each
   * head split in halves (x1, x2) become (x1·cos − x2·sin, x2·cos + x1·sin); the rest passes through.
   */
  private rotate(x: string, r: Rotary, dHead: number): string {
    const [cos, sin] = this.rotaryTables(r);
    const half = r.dims / 2;
    const pass = dHead - r.dims;
    const split = this.constant(`rope.split.${r.dims}.${dHead}`, [pass ? 3 : 2], pass ? [half, half, pass] : [half, half]); // prettier-ignore
    const parts = [`${x}.x1`, `${x}.x2`, ...(pass ? [`${x}.pass`] : [])];
    this.nodes.push({ op: 'Split', inputs: [x, split], outputs: parts, ints: { axis: -1 } });
    const [x1, x2] = parts;
    const mul = (a: string, b: string) => this.node('Mul', [a, b], `${a}*${b}`);
    const r1 = this.node('Sub', [mul(x1, cos), mul(x2, sin)], `${x}.r1`);
    const r2 = this.node('Add', [mul(x2, cos), mul(x1, sin)], `${x}.r2`);
    return this.node('Concat', [r1, r2, ...parts.slice(2)], `${x}.rot`, { ints: { axis: -1 } });
  }

  /**
   * Causal attention of layer `l` on q [b, rows, nHead·dHead] and k, v [b, rows, nKvHead·dHead]: rotary on q and k
   * when given, keys and values (after rotary) as `present.<l>.k/v` (the cache, past rows first), key/value heads
   * repeated for grouped-query attention (head h reads key/value head ⌊h / (nHead / nKvHead)⌋, as transformers'
   * repeat_kv), softmax(q·kᵀ / sqrt(dHead) + mask)·v. Returns `blocks.<l>.attn.hook_z` [b, rows, nHead·dHead].
   */
  attention(l: number, q: string, k: string, v: string, s: AttentionShape): string {
    const { nHead, nKvHead, dHead, rotary, softcap } = s;
    const n = (x: string) => `blocks.${l}.${x}`;
    const headsQ = this.constant(`heads.${nHead}.${dHead}`, [4], [0, 0, nHead, dHead]);
    const headsKv = this.constant(`heads.${nKvHead}.${dHead}`, [4], [0, 0, nKvHead, dHead]);
    const flatKv = this.constant(`flat.${nKvHead * dHead}`, [3], [0, 0, nKvHead * dHead]);
    let q4 = this.node('Reshape', [q, headsQ], `${q}.heads`);
    let kNew = k;
    if (rotary) {
      q4 = this.rotate(q4, rotary, dHead);
      kNew = this.node('Reshape', [this.rotate(this.node('Reshape', [k, headsKv], `${k}.heads`), rotary, dHead), flatKv], `${k}.rotated`); // prettier-ignore
    }
    // Keys and values of every row attended to: the cached ones then the new, or the window's own.
    const past = this.req.past;
    const kAll = this.node(past ? 'Concat' : 'Identity', past ? [`past.${l}.k`, kNew] : [kNew], `present.${l}.k`, {
      ints: past ? { axis: 1 } : {},
    });
    const vAll = this.node(past ? 'Concat' : 'Identity', past ? [`past.${l}.v`, v] : [v], `present.${l}.v`, {
      ints: past ? { axis: 1 } : {},
    });
    const heads = (x: string) => {
      const h = this.node('Reshape', [x, headsKv], `${x}.heads`);
      if (nKvHead === nHead) return h;
      const rep = nHead / nKvHead;
      const axis3 = this.constant('axis3', [1], [3]);
      const expand = this.constant(`repeat.${rep}`, [5], [1, 1, 1, rep, 1]);
      const wide = this.node('Expand', [this.node('Unsqueeze', [h, axis3], `${x}.u`), expand], `${x}.rep`);
      return this.node('Reshape', [wide, headsQ], `${x}.gqa`);
    };
    const qT = this.node('Transpose', [q4], `${q}.t`, { intLists: { perm: [0, 2, 1, 3] } }); // [b, H, s, dh]
    const kT = this.node('Transpose', [heads(kAll)], `${kAll}.t`, { intLists: { perm: [0, 2, 3, 1] } }); // [b, H, dh, s]
    const vT = this.node('Transpose', [heads(vAll)], `${vAll}.t`, { intLists: { perm: [0, 2, 1, 3] } });
    const scaleValue = s.scale ?? 1 / Math.sqrt(dHead);
    const scale = this.constant(`scale.${scaleValue}`, [], Float32Array.of(scaleValue));
    let qkScaled = this.node('Mul', [this.node('MatMul', [qT, kT], n('qk')), scale], n('qkScaled'));
    if (softcap) qkScaled = this.softcap(qkScaled, softcap, n('qkCapped'));
    // The incremental graph's one row attends to every cached row: no mask.
    const scores = past ? qkScaled : this.node('Add', [qkScaled, this.mask()], n('scores'));
    const z = this.node('MatMul', [this.node('Softmax', [scores], n('probs'), { ints: { axis: -1 } }), vT], n('z'));
    const merged = this.constant(`flat.${nHead * dHead}`, [3], [0, 0, nHead * dHead]);
    return this.node(
      'Reshape',
      [this.node('Transpose', [z], n('zT'), { intLists: { perm: [0, 2, 1, 3] } }), merged],
      n('attn.hook_z'),
    );
  }

  /**
   * The serialised model: hooks and (when asked) logits from `final` (the normed last residual) times `unembed`
   * (see `unembed`), plus the cache outputs; inputs ids, position, past, fed and added hooks.
   */
  finish(o: {
    final?: (x: string) => string;
    x: string;
    d: number;
    vocab: number;
    /** The unembedding as [d, vocab] ('dv'), or [vocab, d] ('vd', as checkpoints store it: transposed in the graph). */
    unembed?: () => { data: Float32Array; layout: 'dv' | 'vd' };
    kvWidth: number;
    /** Gemma 2: logits become cap·tanh(logits / cap). */
    logitSoftcap?: number;
  }): ModelSource {
    const { req, rows } = this;
    const outputs: ValueInfo[] = req.hooks.map((h) => ({ name: h.name, elemType: ONNX_FLOAT, dims: ['b', rows, h.width] })); // prettier-ignore
    if (req.logits) {
      let x = o.x;
      if (req.lastRowLogits) {
        // Generation reads the last row's logits only: the unembedding is the largest matmul of a window.
        this.init('last.start', [1], [-1]);
        this.init('last.end', [1], [Number.MAX_SAFE_INTEGER]);
        this.init('last.axis', [1], [1]);
        x = this.node('Slice', [x, 'last.start', 'last.end', 'last.axis'], 'lastRow');
      }
      const final = o.final!(x);
      const u = o.unembed!();
      const unembed =
        u.layout === 'dv'
          ? this.init('unembed', [o.d, o.vocab], u.data)
          : this.node('Transpose', [this.init('unembed.vd', [o.vocab, o.d], u.data)], 'unembed', { intLists: { perm: [1, 0] } }); // prettier-ignore
      if (o.logitSoftcap) this.softcap(this.node('MatMul', [final, unembed], 'logits.raw'), o.logitSoftcap, 'logits');
      else this.node('MatMul', [final, unembed], 'logits');
      outputs.push({ name: 'logits', elemType: ONNX_FLOAT, dims: ['b', req.lastRowLogits ? 1 : rows, o.vocab] });
      if (req.keyValues || req.past)
        for (let l = 0; l < this.nLayer; l++)
          for (const kv of ['k', 'v'])
            outputs.push({ name: `present.${l}.${kv}`, elemType: ONNX_FLOAT, dims: ['b', req.past ? 'present' : rows, o.kvWidth] }); // prettier-ignore
    }
    // The layer loop writes whole blocks: keep only the nodes and weights the outputs depend on.
    const needed = new Set(outputs.map((v) => v.name));
    const kept = this.nodes.reduceRight<NodeSpec[]>((acc, nd) => {
      if (nd.outputs.some((y) => needed.has(y))) {
        for (const x of nd.inputs) needed.add(x);
        acc.unshift(nd);
      }
      return acc;
    }, []);
    return modelSource({
      nodes: kept,
      inputs: [
        { name: 'ids', elemType: ONNX_INT32, dims: ['b', rows] },
        ...(req.past ? [{ name: 'position', elemType: ONNX_INT32, dims: [1] }] : []),
        ...(req.past
          ? Array.from(
              { length: this.lastLayer + 1 },
              (_, l) =>
              ['k', 'v'].map((kv) => ({ name: `past.${l}.${kv}`, elemType: ONNX_FLOAT, dims: ['b', 'past', o.kvWidth] })), // prettier-ignore
            ).flat()
          : []),
        ...req.feed.map((h) => ({ name: h.name, elemType: ONNX_FLOAT, dims: ['b', rows, h.width] })),
        ...req.add.map((h) => ({ name: `${h.name}.add`, elemType: ONNX_FLOAT, dims: ['b', rows, h.width] })),
      ],
      outputs,
      initializers: this.inits.filter((i) => needed.has(i.name)),
    });
  }
}

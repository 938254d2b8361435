// The Llama family (model_type llama, mistral, qwen2) as transformers writes it: `model.embed_tokens.weight`,
// `model.layers.{l}.input_layernorm.weight`, `self_attn.{q,k,v,o}_proj.weight` [out, in] (+ q/k/v biases for
// qwen2 or attention_bias), `post_attention_layernorm.weight`, `mlp.{gate,up,down}_proj.weight`,
// `model.norm.weight`, `lm_head.weight` (absent when tied). RMSNorm, rotary (rotate_half, rope_theta, Llama 3
// scaling), grouped-query attention, SwiGLU: down(silu(gate(x)) · up(x)).
import type { Checkpoint } from '../checkpoint.js';
import type { LlamaConfig } from '../config.js';
import type { ModelSource } from '../../formats/onnxModel.js';
import { GraphBuilder, rotaryInvFreq, type GraphRequest } from './graph.js';

/** One block's weights, linear ones [out, in] as nn.Linear stores them. */
interface LlamaBlock {
  ln1: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qB?: Float32Array;
  kB?: Float32Array;
  vB?: Float32Array;
  o: Float32Array;
  oB?: Float32Array;
  ln2: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface LlamaWeights {
  family: 'llama';
  /** [vocab, d] */
  embed: Float32Array;
  blocks: LlamaBlock[];
  norm: Float32Array;
  /** [vocab, d]: lm_head, or embed when tied. */
  lmHead: Float32Array;
}

/** Read and check every tensor (transformers' names, with or without the `model.` prefix). */
export function readLlamaWeights(ckpt: Checkpoint, c: LlamaConfig): LlamaWeights {
  const prefix = ckpt.has('embed_tokens.weight') ? '' : 'model.';
  const d = c.dModel;
  const kv = c.nKvHead * (d / c.nHead);
  const read = (name: string, shape: number[]) => ckpt.read(prefix + name, shape);
  const linear = (name: string, out: number, inp: number) => read(name, [out, inp]);
  const blocks: LlamaBlock[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `layers.${l}.`;
    blocks.push({
      ln1: read(`${p}input_layernorm.weight`, [d]),
      q: linear(`${p}self_attn.q_proj.weight`, d, d),
      k: linear(`${p}self_attn.k_proj.weight`, kv, d),
      v: linear(`${p}self_attn.v_proj.weight`, kv, d),
      qB: c.qkvBias ? read(`${p}self_attn.q_proj.bias`, [d]) : undefined,
      kB: c.qkvBias ? read(`${p}self_attn.k_proj.bias`, [kv]) : undefined,
      vB: c.qkvBias ? read(`${p}self_attn.v_proj.bias`, [kv]) : undefined,
      o: linear(`${p}self_attn.o_proj.weight`, d, d),
      oB: c.outBias ? read(`${p}self_attn.o_proj.bias`, [d]) : undefined,
      ln2: read(`${p}post_attention_layernorm.weight`, [d]),
      gate: linear(`${p}mlp.gate_proj.weight`, c.dMlp, d),
      up: linear(`${p}mlp.up_proj.weight`, c.dMlp, d),
      down: linear(`${p}mlp.down_proj.weight`, d, c.dMlp),
    });
  }
  const embed = read('embed_tokens.weight', [c.vocabSize, d]);
  return {
    family: 'llama',
    embed,
    blocks,
    norm: read('norm.weight', [d]),
    // lm_head sits outside the base model: never prefixed.
    lmHead: c.tieWordEmbeddings ? embed : ckpt.read('lm_head.weight', [c.vocabSize, d]),
  };
}

/** The Llama-family graph on ids [b, seq] (see GraphBuilder for hooks, feeds, adds and the cache). */
export function llamaGraph(c: LlamaConfig, w: LlamaWeights, req: GraphRequest): ModelSource {
  const g = new GraphBuilder(req, c.nLayer);
  const d = c.dModel;
  const dHead = d / c.nHead;
  const kv = c.nKvHead * dHead;
  const eps = c.rmsNormEps;
  const rotary = { dims: dHead, invFreq: rotaryInvFreq(dHead, c.ropeTheta, c.ropeScaling) };
  let x = g.node('Gather', [g.init('embed', [c.vocabSize, d], w.embed), 'ids'], 'blocks.0.hook_resid_pre');
  for (let l = 0; l <= g.lastLayer; l++) {
    const p = w.blocks[l];
    const n = (k: string) => `blocks.${l}.${k}`;
    if (l > 0) x = g.node('Identity', [x], n('hook_resid_pre'));
    const h = g.rmsNorm(x, n('ln1'), p.ln1, eps, n('ln1'));
    const q = g.linearT(h, n('q'), p.q, [d, d], p.qB, n('q'));
    const k = g.linearT(h, n('k'), p.k, [kv, d], p.kB, n('k'));
    const v = g.linearT(h, n('v'), p.v, [kv, d], p.vB, n('v'));
    const z = g.attention(l, q, k, v, { nHead: c.nHead, nKvHead: c.nKvHead, dHead, rotary });
    const attnOut = g.linearT(z, n('o'), p.o, [d, d], p.oB, n('hook_attn_out'));
    x = g.node('Add', [x, attnOut], n('hook_resid_mid'));
    const h2 = g.rmsNorm(x, n('ln2'), p.ln2, eps, n('ln2.hook_normalized'));
    const gate = g.linearT(h2, n('gate'), p.gate, [c.dMlp, d], undefined, n('mlp.hook_pre'));
    const up = g.linearT(h2, n('up'), p.up, [c.dMlp, d], undefined, n('mlp.hook_pre_linear'));
    const post = g.node('Mul', [g.activation(gate, 'silu', n('act')), up], n('mlp.hook_post'));
    const mlpOut = g.linearT(post, n('down'), p.down, [d, c.dMlp], undefined, n('hook_mlp_out'));
    x = g.node('Add', [x, mlpOut], n('hook_resid_post'));
  }
  return g.finish({
    x,
    d,
    vocab: c.vocabSize,
    kvWidth: kv,
    final: (last) => g.rmsNorm(last, 'normF', w.norm, eps, 'normF'),
    unembed: () => ({ data: w.lmHead, layout: 'vd' }),
  });
}

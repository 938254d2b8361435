// GPT-NeoX / Pythia (model_type gpt_neox) as transformers writes it: `gpt_neox.embed_in.weight`,
// `gpt_neox.layers.{l}.input_layernorm.{weight,bias}`, `attention.query_key_value.{weight,bias}` [3d, d] whose
// rows run per head as (q, k, v) of dHead each (modeling_gpt_neox.py views the output as [.., heads, 3·dHead]),
// `attention.dense`, `post_attention_layernorm`, `mlp.dense_h_to_4h`, `mlp.dense_4h_to_h`,
// `gpt_neox.final_layer_norm`, `embed_out.weight` (untied). Partial rotary on the first rotaryDims of each head;
// with use_parallel_residual the block is x + attn(ln1(x)) + mlp(ln2(x)), else GPT-2's sequential form.
import type { Checkpoint } from '../checkpoint.js';
import type { NeoxConfig } from '../config.js';
import type { ModelSource } from '../../formats/onnxModel.js';
import { GraphBuilder, rotaryInvFreq, type GraphRequest } from './graph.js';

interface NeoxBlock {
  ln1G: Float32Array;
  ln1B: Float32Array;
  /** [3d, d], rows per head (q, k, v). */
  qkv: Float32Array;
  qkvB: Float32Array;
  dense: Float32Array;
  denseB: Float32Array;
  ln2G: Float32Array;
  ln2B: Float32Array;
  up: Float32Array;
  upB: Float32Array;
  down: Float32Array;
  downB: Float32Array;
}

export interface NeoxWeights {
  family: 'neox';
  embed: Float32Array;
  blocks: NeoxBlock[];
  lnFG: Float32Array;
  lnFB: Float32Array;
  /** [vocab, d] */
  lmHead: Float32Array;
}

export function readNeoxWeights(ckpt: Checkpoint, c: NeoxConfig): NeoxWeights {
  const prefix = ckpt.has('embed_in.weight') ? '' : 'gpt_neox.';
  const d = c.dModel;
  const read = (name: string, shape: number[]) => ckpt.read(prefix + name, shape);
  const linear = (name: string, out: number, inp: number) => read(name, [out, inp]);
  const blocks: NeoxBlock[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `layers.${l}.`;
    blocks.push({
      ln1G: read(`${p}input_layernorm.weight`, [d]),
      ln1B: read(`${p}input_layernorm.bias`, [d]),
      qkv: linear(`${p}attention.query_key_value.weight`, 3 * d, d),
      qkvB: read(`${p}attention.query_key_value.bias`, [3 * d]),
      dense: linear(`${p}attention.dense.weight`, d, d),
      denseB: read(`${p}attention.dense.bias`, [d]),
      ln2G: read(`${p}post_attention_layernorm.weight`, [d]),
      ln2B: read(`${p}post_attention_layernorm.bias`, [d]),
      up: linear(`${p}mlp.dense_h_to_4h.weight`, c.dMlp, d),
      upB: read(`${p}mlp.dense_h_to_4h.bias`, [c.dMlp]),
      down: linear(`${p}mlp.dense_4h_to_h.weight`, d, c.dMlp),
      downB: read(`${p}mlp.dense_4h_to_h.bias`, [d]),
    });
  }
  const embed = read('embed_in.weight', [c.vocabSize, d]);
  return {
    family: 'neox',
    embed,
    blocks,
    lnFG: read('final_layer_norm.weight', [d]),
    lnFB: read('final_layer_norm.bias', [d]),
    lmHead: c.tieWordEmbeddings ? embed : ckpt.read('embed_out.weight', [c.vocabSize, d]),
  };
}

/** The GPT-NeoX graph on ids [b, seq] (see GraphBuilder for hooks, feeds, adds and the cache). */
export function neoxGraph(c: NeoxConfig, w: NeoxWeights, req: GraphRequest): ModelSource {
  const g = new GraphBuilder(req, c.nLayer);
  const d = c.dModel;
  const dHead = d / c.nHead;
  const eps = c.layerNormEpsilon;
  const rotary = { dims: c.rotaryDims, invFreq: rotaryInvFreq(c.rotaryDims, c.ropeTheta) };
  const perHead = g.init('qkv.heads', [4], [0, 0, c.nHead, 3 * dHead]);
  const split = g.init('qkv.split', [3], [dHead, dHead, dHead]);
  const flat = g.init('qkv.flat', [3], [0, 0, d]);
  let x = g.node('Gather', [g.init('embed', [c.vocabSize, d], w.embed), 'ids'], 'blocks.0.hook_resid_pre');
  for (let l = 0; l <= g.lastLayer; l++) {
    const p = w.blocks[l];
    const n = (k: string) => `blocks.${l}.${k}`;
    if (l > 0) x = g.node('Identity', [x], n('hook_resid_pre'));
    const h = g.layerNorm(x, n('ln1'), p.ln1G, p.ln1B, eps, n('ln1'));
    const qkv = g.linearT(h, n('qkv'), p.qkv, [3 * d, d], p.qkvB, n('qkv'));
    const parts = [n('q.h'), n('k.h'), n('v.h')];
    g.nodes.push({ op: 'Split', inputs: [g.node('Reshape', [qkv, perHead], n('qkv.h')), split], outputs: parts, ints: { axis: -1 } }); // prettier-ignore
    const [q, k, v] = parts.map((t, i) => g.node('Reshape', [t, flat], n('qkv'[i])));
    const z = g.attention(l, q, k, v, { nHead: c.nHead, nKvHead: c.nHead, dHead, rotary });
    const attnOut = g.linearT(z, n('dense'), p.dense, [d, d], p.denseB, n('hook_attn_out'));
    // Parallel: the MLP reads the block's input; sequential: the residual after attention.
    const mlpIn = c.parallelResidual ? x : g.node('Add', [x, attnOut], n('hook_resid_mid'));
    const h2 = g.layerNorm(mlpIn, n('ln2'), p.ln2G, p.ln2B, eps, n('ln2.hook_normalized'));
    const pre = g.linearT(h2, n('up'), p.up, [c.dMlp, d], p.upB, n('mlp.hook_pre'));
    const post = g.activation(pre, c.activation, n('mlp.hook_post'));
    const mlpOut = g.linearT(post, n('down'), p.down, [d, c.dMlp], p.downB, n('hook_mlp_out'));
    x = c.parallelResidual
      ? g.node('Add', [g.node('Add', [x, attnOut], n('resid.attn')), mlpOut], n('hook_resid_post'))
      : g.node('Add', [mlpIn, mlpOut], n('hook_resid_post'));
  }
  return g.finish({
    x,
    d,
    vocab: c.vocabSize,
    kvWidth: d,
    final: (last) => g.layerNorm(last, 'lnF', w.lnFG, w.lnFB, eps, 'lnF'),
    unembed: () => ({ data: w.lmHead, layout: 'vd' }),
  });
}

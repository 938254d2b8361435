// Gemma 2 (model_type gemma2) as transformers writes it: the Llama family's tensor names plus
// `pre_feedforward_layernorm` and `post_feedforward_layernorm`, embeddings tied. Each block is
// x + post_attn_norm(attn(input_norm(x))), then + post_ff_norm(mlp(pre_ff_norm(·))); RMSNorm scales by (1 + w);
// embeddings are scaled by sqrt(d); the MLP gates with gelu (tanh); scores are scaled by query_pre_attn_scalar^-1/2
// and, like the logits, soft-capped (modeling_gemma2.py). TransformerLens's hook_attn_out and hook_mlp_out are
// after the post-norms.
import type { Checkpoint } from '../checkpoint.js';
import type { Gemma2Config } from '../config.js';
import type { ModelSource } from '../../formats/onnxModel.js';
import { GraphBuilder, rotaryInvFreq, type GraphRequest } from './graph.js';

interface Gemma2Block {
  /** Norm gains as applied: 1 + the stored weight. */
  inputNorm: Float32Array;
  postAttnNorm: Float32Array;
  preFfNorm: Float32Array;
  postFfNorm: Float32Array;
  /** [out, in] as stored. */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface Gemma2Weights {
  family: 'gemma2';
  embed: Float32Array;
  blocks: Gemma2Block[];
  norm: Float32Array;
  lmHead: Float32Array;
}

export function readGemma2Weights(ckpt: Checkpoint, c: Gemma2Config): Gemma2Weights {
  const prefix = ckpt.has('embed_tokens.weight') ? '' : 'model.';
  const d = c.dModel;
  const q = c.nHead * c.dHead;
  const kv = c.nKvHead * c.dHead;
  const read = (name: string, shape: number[]) => ckpt.read(prefix + name, shape);
  // Gemma2RMSNorm multiplies by (1 + weight) in float32: the same sums here.
  const gain = (name: string) => read(name, [d]).map((w) => 1 + w);
  const blocks: Gemma2Block[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `layers.${l}.`;
    blocks.push({
      inputNorm: gain(`${p}input_layernorm.weight`),
      postAttnNorm: gain(`${p}post_attention_layernorm.weight`),
      preFfNorm: gain(`${p}pre_feedforward_layernorm.weight`),
      postFfNorm: gain(`${p}post_feedforward_layernorm.weight`),
      q: read(`${p}self_attn.q_proj.weight`, [q, d]),
      k: read(`${p}self_attn.k_proj.weight`, [kv, d]),
      v: read(`${p}self_attn.v_proj.weight`, [kv, d]),
      o: read(`${p}self_attn.o_proj.weight`, [d, q]),
      gate: read(`${p}mlp.gate_proj.weight`, [c.dMlp, d]),
      up: read(`${p}mlp.up_proj.weight`, [c.dMlp, d]),
      down: read(`${p}mlp.down_proj.weight`, [d, c.dMlp]),
    });
  }
  const embed = read('embed_tokens.weight', [c.vocabSize, d]);
  return {
    family: 'gemma2',
    embed,
    blocks,
    norm: gain('norm.weight'),
    lmHead: c.tieWordEmbeddings ? embed : ckpt.read('lm_head.weight', [c.vocabSize, d]),
  };
}

/** The Gemma 2 graph on ids [b, seq] (see GraphBuilder for hooks, feeds, adds and the cache). */
export function gemma2Graph(c: Gemma2Config, w: Gemma2Weights, req: GraphRequest): ModelSource {
  const g = new GraphBuilder(req, c.nLayer);
  const d = c.dModel;
  const { dHead } = c;
  const q = c.nHead * dHead;
  const kv = c.nKvHead * dHead;
  const eps = c.rmsNormEps;
  const attention = {
    nHead: c.nHead,
    nKvHead: c.nKvHead,
    dHead,
    rotary: { dims: dHead, invFreq: rotaryInvFreq(dHead, c.ropeTheta) },
    scale: c.queryPreAttnScalar ** -0.5,
    softcap: c.attnSoftcap,
  };
  const tokens = g.node('Gather', [g.init('embed', [c.vocabSize, d], w.embed), 'ids'], 'tokens');
  let x = g.node('Mul', [tokens, g.init('embed.scale', [], Float32Array.of(Math.sqrt(d)))], 'blocks.0.hook_resid_pre');
  for (let l = 0; l <= g.lastLayer; l++) {
    const p = w.blocks[l];
    const n = (k: string) => `blocks.${l}.${k}`;
    if (l > 0) x = g.node('Identity', [x], n('hook_resid_pre'));
    const h = g.rmsNorm(x, n('ln1'), p.inputNorm, eps, n('ln1'));
    const z = g.attention(
      l,
      g.linearT(h, n('q'), p.q, [q, d], undefined, n('q')),
      g.linearT(h, n('k'), p.k, [kv, d], undefined, n('k')),
      g.linearT(h, n('v'), p.v, [kv, d], undefined, n('v')),
      attention,
    );
    const attn = g.linearT(z, n('o'), p.o, [d, q], undefined, n('attn'));
    const attnOut = g.rmsNorm(attn, n('ln1Post'), p.postAttnNorm, eps, n('hook_attn_out'));
    x = g.node('Add', [x, attnOut], n('hook_resid_mid'));
    const h2 = g.rmsNorm(x, n('ln2'), p.preFfNorm, eps, n('ln2.hook_normalized'));
    const gate = g.linearT(h2, n('gate'), p.gate, [c.dMlp, d], undefined, n('mlp.hook_pre'));
    const up = g.linearT(h2, n('up'), p.up, [c.dMlp, d], undefined, n('mlp.hook_pre_linear'));
    const post = g.node('Mul', [g.activation(gate, 'gelu_new', n('act')), up], n('mlp.hook_post'));
    const mlp = g.linearT(post, n('down'), p.down, [d, c.dMlp], undefined, n('mlp'));
    const mlpOut = g.rmsNorm(mlp, n('ln2Post'), p.postFfNorm, eps, n('hook_mlp_out'));
    x = g.node('Add', [x, mlpOut], n('hook_resid_post'));
  }
  return g.finish({
    x,
    d,
    vocab: c.vocabSize,
    kvWidth: kv,
    final: (last) => g.rmsNorm(last, 'normF', w.norm, eps, 'normF'),
    unembed: () => ({ data: w.lmHead, layout: 'vd' }),
    logitSoftcap: c.finalSoftcap,
  });
}

// GPT-2's ONNX forward graph (the inference runner's; gpt2.ts's TF.js `forward` is the same computation for
// training and the fallback, and gpt2.test.ts holds the two equal): learned positions, LayerNorm, fused c_attn
// (Conv1D: [in, out]), an MLP of gelu_new, gelu or relu.
import type { Gpt2Config } from '../config.js';
import type { Gpt2Params } from '../gpt2.js';
import type { ModelSource } from '../../formats/onnxModel.js';
import { GraphBuilder, transposed, type GraphRequest } from './graph.js';

/** Host copies of the weights the graph bakes in, read once from the TF.js tensors. */
export function gpt2HostWeights(params: Gpt2Params) {
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
export type Gpt2HostWeights = ReturnType<typeof gpt2HostWeights>;

/** The GPT-2 graph on ids [b, seq] (see GraphBuilder for hooks, feeds, adds and the cache). */
export function gpt2Graph(config: Gpt2Config, w: Gpt2HostWeights, req: GraphRequest): ModelSource {
  const g = new GraphBuilder(req, config.nLayer);
  const d = config.dModel;
  const eps = config.layerNormEpsilon;
  const position = req.past
    ? g.node('Gather', [g.init('wpe', [config.nPositions, d], w.wpe), 'position'], 'positionEmbedding')
    : g.node('Slice', [g.init('wpe', [config.nPositions, d], w.wpe), g.init('zero', [1], [0]), g.seqLen()], 'positionEmbedding'); // prettier-ignore
  let x = g.node(
    'Add',
    [g.node('Gather', [g.init('wte', [config.vocabSize, d], w.wte), 'ids'], 'tokens'), position],
    'blocks.0.hook_resid_pre',
  );
  const qkvSplit = g.init('qkvSplit', [3], [d, d, d]);
  for (let l = 0; l <= g.lastLayer; l++) {
    const p = w.blocks[l];
    const n = (k: string) => `blocks.${l}.${k}`;
    if (l > 0) x = g.node('Identity', [x], n('hook_resid_pre'));
    const h = g.layerNorm(x, n('ln1'), p.ln1G, p.ln1B, eps, n('ln1'));
    const qkv = g.linear(h, n('attnW'), p.attnW, [d, 3 * d], p.attnB, n('qkv'));
    g.nodes.push({ op: 'Split', inputs: [qkv, qkvSplit], outputs: [n('q'), n('k'), n('v')], ints: { axis: 2 } });
    const z = g.attention(l, n('q'), n('k'), n('v'), { nHead: config.nHead, nKvHead: config.nHead, dHead: d / config.nHead }); // prettier-ignore
    const attnOut = g.linear(z, n('projW'), p.projW, [d, d], p.projB, n('hook_attn_out'));
    x = g.node('Add', [x, attnOut], n('hook_resid_mid'));
    const h2 = g.layerNorm(x, n('ln2'), p.ln2G, p.ln2B, eps, n('ln2.hook_normalized'));
    const pre = g.linear(h2, n('fcW'), p.fcW, [d, config.dMlp], p.fcB, n('mlp.hook_pre'));
    const post = g.activation(pre, config.activation, n('mlp.hook_post'));
    const mlpOut = g.linear(post, n('outW'), p.outW, [config.dMlp, d], p.outB, n('hook_mlp_out'));
    x = g.node('Add', [x, mlpOut], n('hook_resid_post'));
  }
  return g.finish({
    x,
    d,
    vocab: config.vocabSize,
    kvWidth: d,
    final: (last) => g.layerNorm(last, 'lnF', w.lnFG, w.lnFB, eps, 'lnF'),
    unembed: () => ({ data: (w.unembed ??= transposed(w.lmHead ?? w.wte, config.vocabSize, d)), layout: 'dv' }),
  });
}

// Random model folders of every family in the Hugging Face layout transformers writes (config.json, tokenizer.json,
// model.safetensors or shards + model.safetensors.index.json), at any size and in float32, float16 or bfloat16:
// what the family tests, the benches and the reference-agreement harness load. Every parameter is random, biases
// and norm gains included, so a wrongly wired term shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeToFloat32, encodeFromNumbers } from '../formats/dtype.js';
import { writeSafetensors, type TensorToWrite } from '../formats/safetensors.js';
import { trainBpe } from '../tokenizer/trainBpe.js';
import { SHARD_INDEX, SINGLE_FILE } from './checkpoint.js';
import { rng } from './randomModel.js';

/** The model_type to write. */
export type RandomModelType = 'gpt2' | 'llama' | 'mistral' | 'qwen2' | 'gpt_neox' | 'gemma2';

/** Sizes of a random folder; `kvHeads` (Llama family) defaults to `heads`. */
export interface RandomFolderSizes {
  vocab: number;
  /** n_positions / max_position_embeddings. */
  ctx: number;
  d: number;
  heads: number;
  kvHeads?: number;
  /** Gemma 2's head_dim (default d / heads). */
  headDim?: number;
  mlp: number;
  layers: number;
}

export interface RandomFolderOptions {
  dtype?: 'float32' | 'float16' | 'bfloat16';
  /** Split the tensors over this many shard files (with the index); 1 or absent: one model.safetensors. */
  shards?: number;
  seed?: number;
  /**
   * config.json fields to set or override, e.g. { tie_word_embeddings: true, rope_theta: 500000, rope_scaling:
   * {...} } for Llama, { use_parallel_residual: false, rotary_pct: 0.5 } for NeoX, { attention_bias: true }.
   */
  config?: Record<string, unknown>;
}

/** What was written: the folder, config.json and every tensor as stored (rounded to the dtype), by name. */
export interface RandomFolder {
  dir: string;
  config: Record<string, unknown>;
  tensors: Map<string, { data: Float32Array; shape: number[] }>;
}

function baseConfig(type: RandomModelType, s: RandomFolderSizes): Record<string, unknown> {
  if (type === 'gpt2')
    return {
      model_type: 'gpt2',
      vocab_size: s.vocab,
      n_positions: s.ctx,
      n_embd: s.d,
      n_layer: s.layers,
      n_head: s.heads,
      n_inner: s.mlp,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
    };
  const common = {
    model_type: type,
    vocab_size: s.vocab,
    max_position_embeddings: s.ctx,
    hidden_size: s.d,
    intermediate_size: s.mlp,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    tie_word_embeddings: false,
  };
  if (type === 'gemma2')
    return {
      ...common,
      architectures: ['Gemma2ForCausalLM'],
      num_key_value_heads: s.kvHeads ?? s.heads,
      head_dim: s.headDim ?? s.d / s.heads,
      hidden_activation: 'gelu_pytorch_tanh',
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      query_pre_attn_scalar: s.headDim ?? s.d / s.heads,
      attn_logit_softcapping: 50,
      final_logit_softcapping: 30,
      sliding_window: s.ctx,
      tie_word_embeddings: true,
    };
  if (type === 'gpt_neox')
    return {
      ...common,
      architectures: ['GPTNeoXForCausalLM'],
      rotary_pct: 0.25,
      rotary_emb_base: 10000,
      layer_norm_eps: 1e-5,
      use_parallel_residual: true,
      hidden_act: 'gelu',
    };
  return {
    ...common,
    architectures: [type === 'qwen2' ? 'Qwen2ForCausalLM' : type === 'mistral' ? 'MistralForCausalLM' : 'LlamaForCausalLM'], // prettier-ignore
    num_key_value_heads: s.kvHeads ?? s.heads,
    hidden_act: 'silu',
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
  };
}

/** Tensor names and shapes of a family, as transformers' *ForCausalLM state dicts name them. */
function tensorShapes(type: RandomModelType, c: Record<string, unknown>, s: RandomFolderSizes) {
  const { d, mlp, vocab } = s;
  const dHead = s.headDim ?? d / s.heads;
  const kv = (s.kvHeads ?? s.heads) * dHead;
  const q = s.heads * dHead;
  // kind: 'gain' (norm weights, around 1), 'bias', 'weight' (scaled by 1/sqrt(fan-in)), 'embed'
  const shapes: [string, number[], 'gain' | 'bias' | 'weight' | 'embed'][] = [];
  const tied = c.tie_word_embeddings === true;
  if (type === 'gpt2') {
    shapes.push(['transformer.wte.weight', [vocab, d], 'embed'], ['transformer.wpe.weight', [s.ctx, d], 'embed']);
    for (let l = 0; l < s.layers; l++) {
      const p = `transformer.h.${l}.`;
      shapes.push(
        [`${p}ln_1.weight`, [d], 'gain'],
        [`${p}ln_1.bias`, [d], 'bias'],
        [`${p}attn.c_attn.weight`, [d, 3 * d], 'weight'],
        [`${p}attn.c_attn.bias`, [3 * d], 'bias'],
        [`${p}attn.c_proj.weight`, [d, d], 'weight'],
        [`${p}attn.c_proj.bias`, [d], 'bias'],
        [`${p}ln_2.weight`, [d], 'gain'],
        [`${p}ln_2.bias`, [d], 'bias'],
        [`${p}mlp.c_fc.weight`, [d, mlp], 'weight'],
        [`${p}mlp.c_fc.bias`, [mlp], 'bias'],
        [`${p}mlp.c_proj.weight`, [mlp, d], 'weight'],
        [`${p}mlp.c_proj.bias`, [d], 'bias'],
      );
    }
    shapes.push(['transformer.ln_f.weight', [d], 'gain'], ['transformer.ln_f.bias', [d], 'bias']);
  } else if (type === 'gpt_neox') {
    shapes.push(['gpt_neox.embed_in.weight', [vocab, d], 'embed']);
    for (let l = 0; l < s.layers; l++) {
      const p = `gpt_neox.layers.${l}.`;
      shapes.push(
        [`${p}input_layernorm.weight`, [d], 'gain'],
        [`${p}input_layernorm.bias`, [d], 'bias'],
        [`${p}attention.query_key_value.weight`, [3 * d, d], 'weight'],
        [`${p}attention.query_key_value.bias`, [3 * d], 'bias'],
        [`${p}attention.dense.weight`, [d, d], 'weight'],
        [`${p}attention.dense.bias`, [d], 'bias'],
        [`${p}post_attention_layernorm.weight`, [d], 'gain'],
        [`${p}post_attention_layernorm.bias`, [d], 'bias'],
        [`${p}mlp.dense_h_to_4h.weight`, [mlp, d], 'weight'],
        [`${p}mlp.dense_h_to_4h.bias`, [mlp], 'bias'],
        [`${p}mlp.dense_4h_to_h.weight`, [d, mlp], 'weight'],
        [`${p}mlp.dense_4h_to_h.bias`, [d], 'bias'],
      );
    }
    shapes.push(['gpt_neox.final_layer_norm.weight', [d], 'gain'], ['gpt_neox.final_layer_norm.bias', [d], 'bias']);
    if (!tied) shapes.push(['embed_out.weight', [vocab, d], 'weight']);
  } else if (type === 'gemma2') {
    shapes.push(['model.embed_tokens.weight', [vocab, d], 'embed']);
    for (let l = 0; l < s.layers; l++) {
      const p = `model.layers.${l}.`;
      shapes.push(
        [`${p}input_layernorm.weight`, [d], 'bias'], // applied as 1 + w
        [`${p}self_attn.q_proj.weight`, [q, d], 'weight'],
        [`${p}self_attn.k_proj.weight`, [kv, d], 'weight'],
        [`${p}self_attn.v_proj.weight`, [kv, d], 'weight'],
        [`${p}self_attn.o_proj.weight`, [d, q], 'weight'],
        [`${p}post_attention_layernorm.weight`, [d], 'bias'],
        [`${p}pre_feedforward_layernorm.weight`, [d], 'bias'],
        [`${p}post_feedforward_layernorm.weight`, [d], 'bias'],
        [`${p}mlp.gate_proj.weight`, [mlp, d], 'weight'],
        [`${p}mlp.up_proj.weight`, [mlp, d], 'weight'],
        [`${p}mlp.down_proj.weight`, [d, mlp], 'weight'],
      );
    }
    shapes.push(['model.norm.weight', [d], 'bias']);
    if (!tied) shapes.push(['lm_head.weight', [vocab, d], 'weight']);
  } else {
    const qkvBias = type === 'qwen2' || c.attention_bias === true;
    const outBias = type !== 'qwen2' && c.attention_bias === true;
    shapes.push(['model.embed_tokens.weight', [vocab, d], 'embed']);
    for (let l = 0; l < s.layers; l++) {
      const p = `model.layers.${l}.`;
      shapes.push(
        [`${p}input_layernorm.weight`, [d], 'gain'],
        [`${p}self_attn.q_proj.weight`, [d, d], 'weight'],
        [`${p}self_attn.k_proj.weight`, [kv, d], 'weight'],
        [`${p}self_attn.v_proj.weight`, [kv, d], 'weight'],
        [`${p}self_attn.o_proj.weight`, [d, d], 'weight'],
        [`${p}post_attention_layernorm.weight`, [d], 'gain'],
        [`${p}mlp.gate_proj.weight`, [mlp, d], 'weight'],
        [`${p}mlp.up_proj.weight`, [mlp, d], 'weight'],
        [`${p}mlp.down_proj.weight`, [d, mlp], 'weight'],
      );
      if (qkvBias)
        shapes.push(
          [`${p}self_attn.q_proj.bias`, [d], 'bias'],
          [`${p}self_attn.k_proj.bias`, [kv], 'bias'],
          [`${p}self_attn.v_proj.bias`, [kv], 'bias'],
        );
      if (outBias) shapes.push([`${p}self_attn.o_proj.bias`, [d], 'bias']);
    }
    shapes.push(['model.norm.weight', [d], 'gain']);
    if (!tied) shapes.push(['lm_head.weight', [vocab, d], 'weight']);
  }
  return shapes;
}

/**
 * Write a random model folder of `type` into `dir` (created if needed) and return what was written. Weights are
 * uniform random scaled by 1/sqrt(fan-in) (activations stay O(1) at any width), norm gains 1 ± 0.2, biases ±0.1;
 * with `dtype` float16/bfloat16 the values are rounded first, so the returned tensors equal the stored ones.
 */
export function writeRandomModelFolder(
  dir: string,
  type: RandomModelType,
  sizes: RandomFolderSizes,
  o: RandomFolderOptions = {},
): RandomFolder {
  const dtype = o.dtype ?? 'float32';
  const r = rng(o.seed ?? 1);
  const config = { ...baseConfig(type, sizes), ...o.config, torch_dtype: dtype };
  const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
  const toWrite: Record<string, TensorToWrite> = {};
  for (const [name, shape, kind] of tensorShapes(type, config, sizes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    // GPT-2's Conv1D weights are [in, out]; nn.Linear's [out, in].
    const fanIn = type === 'gpt2' ? shape[0] : shape[shape.length - 1];
    const scale = kind === 'gain' ? 0.4 : kind === 'bias' ? 0.2 : kind === 'embed' ? 2 : 2 * Math.sqrt(1.5 / fanIn);
    const values = Float32Array.from({ length: n }, () => (kind === 'gain' ? 1 : 0) + scale * r());
    const data = dtype === 'float32' ? values : decodeToFloat32(encodeFromNumbers(values, dtype), dtype, n);
    tensors.set(name, { data, shape });
    toWrite[name] = { data, shape, dtype };
  }
  mkdirSync(dir, { recursive: true });
  const shards = Math.max(1, Math.floor(o.shards ?? 1));
  if (shards === 1) writeSafetensors(join(dir, SINGLE_FILE), toWrite, { format: 'pt' });
  else {
    // save_pretrained's naming: model-00001-of-00003.safetensors, and the index mapping each tensor to its shard.
    const names = Object.keys(toWrite);
    const per = Math.ceil(names.length / shards);
    const weightMap: Record<string, string> = {};
    let total = 0;
    for (let i = 0; i < shards; i++) {
      const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = Object.fromEntries(names.slice(i * per, (i + 1) * per).map((k) => [k, toWrite[k]]));
      for (const k of Object.keys(part)) {
        weightMap[k] = file;
        total += part[k].data.length * (dtype === 'float32' ? 4 : 2);
      }
      writeSafetensors(join(dir, file), part, { format: 'pt' });
    }
    writeFileSync(join(dir, SHARD_INDEX), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)); // prettier-ignore
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  // A small BPE of at most 270 tokens: ids below any vocab of 270 or more.
  const tok = trainBpe(['the cat sat on the mat, the end'], { vocabSize: Math.min(270, sizes.vocab) });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.toJSON()));
  return { dir, config, tensors };
}

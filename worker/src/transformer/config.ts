// GPT-2 model configuration as Hugging Face writes it in config.json (transformers' GPT2Config).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AtlasError } from '../errors.js';

const HfGpt2Config = z.object({
  model_type: z.string().optional(),
  vocab_size: z.number().int().positive(),
  n_positions: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  n_layer: z.number().int().positive(),
  n_head: z.number().int().positive(),
  n_inner: z.number().int().positive().nullish(),
  activation_function: z.string().default('gelu_new'),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  tie_word_embeddings: z.boolean().default(true),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.number().int().nullish(),
});

/** The sizes every family has, with derived ones filled in. */
export interface CommonConfig {
  vocabSize: number;
  /** Longest context the position embedding covers. */
  nPositions: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  /** MLP hidden width (n_inner, default 4 * n_embd; intermediate_size). */
  dMlp: number;
  tieWordEmbeddings: boolean;
  bosTokenId?: number;
}

/** The fields of a GPT-2 model the forward pass needs (the only family TF.js runs: training, circuits). */
export interface Gpt2Config extends CommonConfig {
  family: 'gpt2';
  activation: 'gelu_new' | 'gelu' | 'relu';
  layerNormEpsilon: number;
}

/** Validate a parsed config.json. */
export function parseGpt2Config(json: unknown, where = 'config.json'): Gpt2Config {
  const r = HfGpt2Config.safeParse(json);
  if (!r.success)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: not a GPT-2 config (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  const c = r.data;
  const act = c.activation_function === 'gelu_pytorch_tanh' ? 'gelu_new' : c.activation_function;
  if (act !== 'gelu_new' && act !== 'gelu' && act !== 'relu')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: activation_function '${c.activation_function}' is not one of gelu_new, gelu, relu`,
    );
  if (c.n_embd % c.n_head !== 0)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: n_embd ${c.n_embd} is not divisible by n_head ${c.n_head}`);
  return {
    family: 'gpt2',
    vocabSize: c.vocab_size,
    nPositions: c.n_positions,
    dModel: c.n_embd,
    nLayer: c.n_layer,
    nHead: c.n_head,
    dMlp: c.n_inner ?? 4 * c.n_embd,
    activation: act,
    layerNormEpsilon: c.layer_norm_epsilon,
    tieWordEmbeddings: c.tie_word_embeddings,
    bosTokenId: c.bos_token_id ?? undefined,
  };
}

/** config.json for a config, in the layout transformers' GPT2LMHeadModel.from_pretrained accepts. */
export function gpt2ConfigToJson(c: Gpt2Config): object {
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.dModel,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.dMlp,
    activation_function: c.activation,
    layer_norm_epsilon: c.layerNormEpsilon,
    tie_word_embeddings: c.tieWordEmbeddings,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    bos_token_id: c.bosTokenId ?? c.vocabSize - 1,
    eos_token_id: c.bosTokenId ?? c.vocabSize - 1,
  };
}

/** Llama-family attention and MLP (model_type llama, mistral, qwen2): RMSNorm, rotary, GQA, SwiGLU. */
export interface LlamaConfig extends CommonConfig {
  family: 'llama';
  modelType: 'llama' | 'mistral' | 'qwen2';
  /** Key/value heads (grouped-query attention); nHead is a multiple of it. */
  nKvHead: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Llama 3's frequency adjustment; absent: plain rotary. */
  ropeScaling?: Llama3RopeScaling;
  /** Biases on q, k, v (qwen2; llama's attention_bias). */
  qkvBias: boolean;
  /** A bias on o_proj (llama's attention_bias; qwen2 has none). */
  outBias: boolean;
}

export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

/** GPT-NeoX / Pythia: LayerNorm with biases, partial rotary, fused query_key_value, optionally parallel residual. */
export interface NeoxConfig extends CommonConfig {
  family: 'neox';
  layerNormEpsilon: number;
  /** Leading dims of each head that rotate: int(dHead * rotary_pct). */
  rotaryDims: number;
  ropeTheta: number;
  /** attn and MLP both read the block's input and add to it (no resid_mid). */
  parallelResidual: boolean;
  activation: 'gelu' | 'gelu_new' | 'relu';
}

/**
 * Gemma 2 (model_type gemma2): the Llama family's attention and gated MLP with head_dim set apart from d / nHead,
 * RMSNorm scaled by (1 + w), a norm before and after both attention and MLP, embeddings scaled by sqrt(d),
 * gelu (tanh) gating, query_pre_attn_scalar scaling and tanh soft-capping of attention scores and logits.
 */
export interface Gemma2Config extends CommonConfig {
  family: 'gemma2';
  nKvHead: number;
  dHead: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Scores are scaled by queryPreAttnScalar^-1/2. */
  queryPreAttnScalar: number;
  attnSoftcap?: number;
  finalSoftcap?: number;
}

/** A model's configuration, by family. */
export type ModelConfig = Gpt2Config | LlamaConfig | NeoxConfig | Gemma2Config;
export type ModelFamily = ModelConfig['family'];

/** The model_type values config.json may carry, and the family each reads as. */
export const MODEL_TYPES: Record<string, ModelFamily> = {
  gpt2: 'gpt2',
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'llama',
  gpt_neox: 'neox',
  gemma2: 'gemma2',
};

/** Per-head width: the same for every family here (a config with a different head_dim is refused). */
export function headDim(c: ModelConfig): number {
  return c.family === 'gemma2' ? c.dHead : c.dModel / c.nHead;
}

/** Width of a layer's cached keys (and values): key/value heads × dHead (GQA makes it narrower than d). */
export function keyValueWidth(c: ModelConfig): number {
  return c.family === 'llama' || c.family === 'gemma2' ? c.nKvHead * headDim(c) : c.dModel;
}

const positive = z.number().positive();
const count = z.number().int().positive();

const HfLlamaConfig = z.object({
  model_type: z.enum(['llama', 'mistral', 'qwen2']),
  vocab_size: count,
  hidden_size: count,
  intermediate_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  num_key_value_heads: count.nullish(),
  head_dim: count.nullish(),
  max_position_embeddings: count.default(2048),
  sliding_window: count.nullish(),
  use_sliding_window: z.boolean().optional(),
  hidden_act: z.string().default('silu'),
  rms_norm_eps: positive.default(1e-6),
  rope_theta: positive.default(10000),
  rope_scaling: z.record(z.string(), z.unknown()).nullish(),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(false),
  bos_token_id: z.number().int().nullish(),
});

const HfNeoxConfig = z.object({
  model_type: z.literal('gpt_neox'),
  vocab_size: count,
  hidden_size: count,
  intermediate_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  max_position_embeddings: count.default(2048),
  rotary_pct: z.number().gt(0).lte(1).optional(),
  partial_rotary_factor: z.number().gt(0).lte(1).optional(),
  rotary_emb_base: positive.optional(),
  rope_theta: positive.optional(),
  rope_scaling: z.record(z.string(), z.unknown()).nullish(),
  layer_norm_eps: positive.default(1e-5),
  use_parallel_residual: z.boolean().default(true),
  hidden_act: z.string().default('gelu'),
  attention_bias: z.boolean().default(true),
  tie_word_embeddings: z.boolean().default(false),
  bos_token_id: z.number().int().nullish(),
});

function parsed<T>(schema: z.ZodType<T>, json: unknown, where: string, what: string): T {
  const r = schema.safeParse(json);
  if (!r.success)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: not a ${what} config (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  return r.data;
}

function headsFit(where: string, d: number, nHead: number, headDimField?: number | null): void {
  if (d % nHead !== 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: hidden_size ${d} is not divisible by num_attention_heads ${nHead}`,
    );
  if (headDimField != null && headDimField !== d / nHead)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: head_dim ${headDimField} differs from hidden_size / num_attention_heads = ${d / nHead}; such models are not supported`,
    );
}

/** Llama 3's rope_scaling, or none; any other rope type is refused (it would silently change every position). */
function ropeScaling(raw: Record<string, unknown> | null | undefined, where: string): Llama3RopeScaling | undefined {
  if (!raw) return undefined;
  const type = raw.rope_type ?? raw.type;
  if (type === 'default') return undefined;
  if (type !== 'llama3')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: rope_scaling type '${String(type)}' is not supported; supported: none, 'default', 'llama3'`,
    );
  const s = parsed(
    z.object({
      factor: positive,
      low_freq_factor: positive,
      high_freq_factor: positive,
      original_max_position_embeddings: count,
    }),
    raw,
    `${where} rope_scaling`,
    'llama3 rope_scaling',
  );
  if (s.high_freq_factor <= s.low_freq_factor)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: rope_scaling.high_freq_factor must exceed low_freq_factor`);
  return {
    factor: s.factor,
    lowFreqFactor: s.low_freq_factor,
    highFreqFactor: s.high_freq_factor,
    originalMaxPositions: s.original_max_position_embeddings,
  };
}

export function parseLlamaConfig(json: unknown, where = 'config.json'): LlamaConfig {
  const c = parsed(HfLlamaConfig, json, where, 'Llama-family');
  if (c.hidden_act !== 'silu')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: hidden_act '${c.hidden_act}' is not supported; Llama-family MLPs read 'silu'`,
    );
  if (c.mlp_bias)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: mlp_bias true is not supported (no Llama, Mistral or Qwen2 release uses it)`,
    );
  headsFit(where, c.hidden_size, c.num_attention_heads, c.head_dim);
  const nKvHead = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % nKvHead !== 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${nKvHead}`,
    );
  // Mistral's sliding window only matters past its length: windows are kept within it, so attention stays exact.
  const window = c.model_type === 'qwen2' && !c.use_sliding_window ? undefined : (c.sliding_window ?? undefined);
  return {
    family: 'llama',
    modelType: c.model_type,
    vocabSize: c.vocab_size,
    nPositions: Math.min(c.max_position_embeddings, window ?? Infinity),
    dModel: c.hidden_size,
    nLayer: c.num_hidden_layers,
    nHead: c.num_attention_heads,
    nKvHead,
    dMlp: c.intermediate_size,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    ropeScaling: ropeScaling(c.rope_scaling, where),
    qkvBias: c.model_type === 'qwen2' || c.attention_bias,
    outBias: c.model_type !== 'qwen2' && c.attention_bias,
    tieWordEmbeddings: c.tie_word_embeddings,
    bosTokenId: c.bos_token_id ?? undefined,
  };
}

export function parseNeoxConfig(json: unknown, where = 'config.json'): NeoxConfig {
  const c = parsed(HfNeoxConfig, json, where, 'GPT-NeoX');
  headsFit(where, c.hidden_size, c.num_attention_heads);
  if (c.rope_scaling)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: rope_scaling is not supported for gpt_neox; supported: none`);
  if (!c.attention_bias)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: attention_bias false is not supported for gpt_neox (Pythia has biases)`,
    );
  const act = c.hidden_act === 'gelu_pytorch_tanh' || c.hidden_act === 'gelu_fast' ? 'gelu_new' : c.hidden_act;
  if (act !== 'gelu' && act !== 'gelu_new' && act !== 'relu')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: hidden_act '${c.hidden_act}' is not one of gelu, gelu_new, relu`,
    );
  const dHead = c.hidden_size / c.num_attention_heads;
  // transformers: rotary_ndims = int(head_size * rotary_pct); rotate_half needs it even.
  const rotaryDims = Math.floor(dHead * (c.partial_rotary_factor ?? c.rotary_pct ?? 0.25));
  if (rotaryDims < 2 || rotaryDims % 2 !== 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: rotary_pct gives ${rotaryDims} rotary dims per head; it must be even and at least 2`,
    );
  return {
    family: 'neox',
    vocabSize: c.vocab_size,
    nPositions: c.max_position_embeddings,
    dModel: c.hidden_size,
    nLayer: c.num_hidden_layers,
    nHead: c.num_attention_heads,
    dMlp: c.intermediate_size,
    layerNormEpsilon: c.layer_norm_eps,
    rotaryDims,
    ropeTheta: c.rope_theta ?? c.rotary_emb_base ?? 10000,
    parallelResidual: c.use_parallel_residual,
    activation: act,
    tieWordEmbeddings: c.tie_word_embeddings,
    bosTokenId: c.bos_token_id ?? undefined,
  };
}

const HfGemma2Config = z.object({
  model_type: z.literal('gemma2'),
  vocab_size: count,
  hidden_size: count,
  intermediate_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  num_key_value_heads: count.nullish(),
  head_dim: count.default(256),
  max_position_embeddings: count.default(8192),
  sliding_window: count.nullish(),
  hidden_activation: z.string().nullish(),
  hidden_act: z.string().nullish(),
  rms_norm_eps: positive.default(1e-6),
  rope_theta: positive.default(10000),
  rope_scaling: z.record(z.string(), z.unknown()).nullish(),
  query_pre_attn_scalar: positive.default(256),
  attn_logit_softcapping: positive.nullish(),
  final_logit_softcapping: positive.nullish(),
  attention_bias: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
  bos_token_id: z.number().int().nullish(),
});

export function parseGemma2Config(json: unknown, where = 'config.json'): Gemma2Config {
  const c = parsed(HfGemma2Config, json, where, 'Gemma 2');
  const act = c.hidden_activation ?? c.hidden_act ?? 'gelu_pytorch_tanh';
  if (act !== 'gelu_pytorch_tanh')
    throw new AtlasError('SOURCE_MALFORMED', `${where}: hidden_activation '${act}' is not supported; Gemma 2 reads 'gelu_pytorch_tanh'`); // prettier-ignore
  if (c.attention_bias || c.rope_scaling)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: attention_bias and rope_scaling are not supported for gemma2`);
  const nKvHead = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % nKvHead !== 0)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${nKvHead}`); // prettier-ignore
  return {
    family: 'gemma2',
    vocabSize: c.vocab_size,
    // Every other layer attends within the sliding window: windows are kept within it, so attention stays exact.
    nPositions: Math.min(c.max_position_embeddings, c.sliding_window ?? Infinity),
    dModel: c.hidden_size,
    nLayer: c.num_hidden_layers,
    nHead: c.num_attention_heads,
    nKvHead,
    dHead: c.head_dim,
    dMlp: c.intermediate_size,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    queryPreAttnScalar: c.query_pre_attn_scalar,
    attnSoftcap: c.attn_logit_softcapping ?? undefined,
    finalSoftcap: c.final_logit_softcapping ?? undefined,
    tieWordEmbeddings: c.tie_word_embeddings,
    bosTokenId: c.bos_token_id ?? undefined,
  };
}

/** Any family's config.json, by model_type (absent: GPT-2, as the atlas's own folders were written before it). */
export function parseModelConfig(json: unknown, where = 'config.json'): ModelConfig {
  const type = (json as { model_type?: unknown } | null)?.model_type;
  if (type !== undefined && (typeof type !== 'string' || !(type in MODEL_TYPES)))
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: model_type '${String(type)}' is not supported; supported: ${Object.keys(MODEL_TYPES).join(', ')}`,
    );
  const family = type === undefined ? 'gpt2' : MODEL_TYPES[type];
  if (family === 'llama') return parseLlamaConfig(json, where);
  if (family === 'neox') return parseNeoxConfig(json, where);
  if (family === 'gemma2') return parseGemma2Config(json, where);
  return parseGpt2Config(json, where);
}

/** Read and validate `<folder>/config.json` of any supported family. */
export function readModelConfig(path: string): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${path}: cannot read the model config (${(err as Error).message}); a model folder needs config.json`,
      {
        cause: err,
      },
    );
  }
  return parseModelConfig(json, path);
}

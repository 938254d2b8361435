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

/** The fields of a GPT-2 model the forward pass needs, with derived sizes filled in. */
export interface Gpt2Config {
  vocabSize: number;
  /** Longest context the position embedding covers. */
  nPositions: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  /** MLP hidden width (n_inner, default 4 * n_embd). */
  dMlp: number;
  activation: 'gelu_new' | 'gelu' | 'relu';
  layerNormEpsilon: number;
  tieWordEmbeddings: boolean;
  bosTokenId?: number;
}

/** Validate a parsed config.json. */
export function parseGpt2Config(json: unknown, where = 'config.json'): Gpt2Config {
  const r = HfGpt2Config.safeParse(json);
  if (!r.success)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: not a GPT-2 config (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); the atlas reads GPT-2-layout Hugging Face folders`,
    );
  const c = r.data;
  if (c.model_type && c.model_type !== 'gpt2')
    throw new AtlasError('SOURCE_MALFORMED', `${where}: model_type is '${c.model_type}'; only GPT-2-layout models ('gpt2') are supported`);
  const act = c.activation_function === 'gelu_pytorch_tanh' ? 'gelu_new' : c.activation_function;
  if (act !== 'gelu_new' && act !== 'gelu' && act !== 'relu')
    throw new AtlasError('SOURCE_MALFORMED', `${where}: activation_function '${c.activation_function}' is not one of gelu_new, gelu, relu`);
  if (c.n_embd % c.n_head !== 0)
    throw new AtlasError('SOURCE_MALFORMED', `${where}: n_embd ${c.n_embd} is not divisible by n_head ${c.n_head}`);
  return {
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

/** Read and validate `<folder>/config.json`. */
export function readGpt2Config(path: string): Gpt2Config {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AtlasError('SOURCE_NOT_FOUND', `${path}: cannot read the model config (${(err as Error).message}); a model folder needs config.json`, {
      cause: err,
    });
  }
  return parseGpt2Config(json, path);
}

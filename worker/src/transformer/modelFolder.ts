// A Hugging Face model folder on disk: config.json + model.safetensors or shards (+ tokenizer.json), of the GPT-2,
// Llama (llama, mistral, qwen2) or GPT-NeoX family. GPT-2 tensor names follow transformers' GPT2Model, with or
// without the `transformer.` prefix that GPT2LMHeadModel checkpoints carry, and load onto TF.js (training, circuits
// and the fallback runner need them there); the other families' weights stay on the host for the onnxruntime
// graph (families/*.ts). Also the model's window rule (context size and BOS token), which
// extraction, the analysis pass and live text analysis all cut their inputs by.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AtlasError } from '../errors.js';
import { BUILTIN_MODEL_DIR, builtinModel } from './builtinModel.js';
import { writeSafetensors, type TensorToWrite } from '../formats/safetensors.js';
import { loadTokenizer, type BpeTokenizer } from '../tokenizer/bpe.js';
import { readBosRule } from '../tokenizer/bosRule.js';
import { Checkpoint } from './checkpoint.js';
import {
  gpt2ConfigToJson,
  readModelConfig,
  type Gemma2Config,
  type Gpt2Config,
  type LlamaConfig,
  type NeoxConfig,
} from './config.js';
import { transposed } from './families/graph.js';
import { readGemma2Weights, type Gemma2Weights } from './families/gemma2.js';
import { readLlamaWeights, type LlamaWeights } from './families/llama.js';
import { readNeoxWeights, type NeoxWeights } from './families/neox.js';
import type { BlockParams, Gpt2Params } from './gpt2.js';
import { initTfjs, tf } from './runtime.js';

export { BUILTIN_MODEL_DIR };

/** What every loaded model has: names, tokenizer and identities for provenance. */
interface LoadedModelBase {
  /** `builtin:tiny-brown` or the absolute folder path. */
  name: string;
  dir: string;
  tokenizer: BpeTokenizer;
  tokenizerIdentity: string;
  /** The token a window starts with when BOS is prepended: <|endoftext|>, else config.json's bos_token_id. */
  bosId: number | undefined;
}

/** A GPT-2 model: parameters on the TF.js backend. */
export interface Gpt2LoadedModel extends LoadedModelBase {
  config: Gpt2Config;
  params: Gpt2Params;
  weights?: undefined;
}

/** A Llama- or NeoX-family model: host weights for the onnxruntime graph (no TF.js forward). */
export interface FamilyLoadedModel extends LoadedModelBase {
  config: LlamaConfig | NeoxConfig | Gemma2Config;
  params?: undefined;
  weights: LlamaWeights | NeoxWeights | Gemma2Weights;
}

/** A loaded model of any family. */
export type LoadedModel = Gpt2LoadedModel | FamilyLoadedModel;

/**
 * The model as GPT-2, for code that only handles GPT-2 (training, circuits, transcoder folders, the TF.js runner);
 * ARGUMENT_INVALID naming `what` for any other family rather than computing nonsense.
 */
export function gpt2Model<M extends Pick<LoadedModel, 'name' | 'config' | 'params'>>(
  model: M,
  what: string,
): M & { config: Gpt2Config; params: Gpt2Params } {
  if (model.config.family !== 'gpt2' || !model.params)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${model.name}: ${what} handles GPT-2-layout models only, and this is a ${model.config.family} model; use a GPT-2 model for it`,
    );
  return model as M & { config: Gpt2Config; params: Gpt2Params };
}

/** How inputs are cut into windows: tokens per window (the BOS included) and the token each one starts with. */
export interface ModelWindows {
  contextSize: number;
  /** undefined: no BOS. */
  bosId: number | undefined;
}

/**
 * The window rule, one definition: windows of `contextSize` tokens (default n_positions, at most that), each
 * starting with the model's BOS token when `prependBos`. ARGUMENT_INVALID when the model has no BOS token to
 * prepend or the context leaves no room for a token.
 */
export function modelWindows(
  model: Pick<LoadedModel, 'name' | 'config' | 'bosId'>,
  o: { contextSize?: number; prependBos: boolean },
): ModelWindows {
  if (o.prependBos && model.bosId === undefined)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${model.name}: the tokenizer has no <|endoftext|> or BOS token and config.json no bos_token_id to prepend; run without BOS (--no-bos)`,
    );
  const bosId = o.prependBos ? model.bosId : undefined;
  const contextSize = o.contextSize ?? model.config.nPositions;
  const least = bosId === undefined ? 1 : 2;
  if (!Number.isInteger(contextSize) || contextSize < least || contextSize > model.config.nPositions)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${model.name}: a context of ${contextSize} tokens does not fit; use ${least} to n_positions ${model.config.nPositions} tokens per window${bosId === undefined ? '' : ' (BOS included)'}`,
    );
  return { contextSize, bosId };
}

const blockNames: Record<keyof BlockParams, string> = {
  ln1G: 'ln_1.weight',
  ln1B: 'ln_1.bias',
  attnW: 'attn.c_attn.weight',
  attnB: 'attn.c_attn.bias',
  projW: 'attn.c_proj.weight',
  projB: 'attn.c_proj.bias',
  ln2G: 'ln_2.weight',
  ln2B: 'ln_2.bias',
  fcW: 'mlp.c_fc.weight',
  fcB: 'mlp.c_fc.bias',
  outW: 'mlp.c_proj.weight',
  outB: 'mlp.c_proj.bias',
};

function expectedShapes(c: Gpt2Config): Record<keyof BlockParams, number[]> {
  const d = c.dModel;
  return {
    ln1G: [d],
    ln1B: [d],
    attnW: [d, 3 * d],
    attnB: [3 * d],
    projW: [d, d],
    projB: [d],
    ln2G: [d],
    ln2B: [d],
    fcW: [d, c.dMlp],
    fcB: [c.dMlp],
    outW: [c.dMlp, d],
    outB: [d],
  };
}

/** Resolve `--model`: `builtin` is the committed tiny LM, `builtin:tiny-brown-4l` its 4-layer sibling, anything else a folder path. */
export function modelDir(spec: string): { dir: string; name: string } {
  const builtin = builtinModel(spec);
  if (builtin) return builtin;
  const dir = resolve(spec);
  return { dir, name: dir };
}

/** GPT-2 parameters onto TF.js. */
function readGpt2Params(file: Checkpoint, config: Gpt2Config): Gpt2Params {
  const prefix = file.has('wte.weight') ? '' : file.has('transformer.wte.weight') ? 'transformer.' : null;
  if (prefix === null)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${file.description}: no 'wte.weight' or 'transformer.wte.weight'; is this a GPT-2-layout checkpoint?`,
    );
  const read = (tensor: string, shape: number[]) => tf.tensor(file.read(prefix + tensor, shape), shape);
  const shapes = expectedShapes(config);
  const blocks: BlockParams[] = [];
  for (let l = 0; l < config.nLayer; l++) {
    const b = {} as Record<keyof BlockParams, tf.Tensor>;
    for (const key of Object.keys(blockNames) as (keyof BlockParams)[])
      b[key] = read(`h.${l}.${blockNames[key]}`, shapes[key]);
    blocks.push(b as unknown as BlockParams);
  }
  const d = config.dModel;
  const wte = read('wte.weight', [config.vocabSize, d]) as tf.Tensor2D;
  const params: Gpt2Params = {
    wte,
    wteHost: wte.dataSync() as Float32Array,
    wpe: read('wpe.weight', [config.nPositions, d]) as tf.Tensor2D,
    blocks,
    lnFG: read('ln_f.weight', [d]) as tf.Tensor1D,
    lnFB: read('ln_f.bias', [d]) as tf.Tensor1D,
  };
  // GPT2LMHeadModel stores the unembedding as lm_head.weight [vocab, d] (no prefix) when untied.
  if (!config.tieWordEmbeddings && file.has('lm_head.weight'))
    params.lmHead = tf.tensor2d(file.read('lm_head.weight', [config.vocabSize, d]), [config.vocabSize, d]);
  return params;
}

/**
 * Load config, weights and tokenizer of a model folder (starts TF.js if needed). Weights come from
 * model.safetensors or the shards of model.safetensors.index.json, stored as F32, F16 or BF16.
 */
export async function loadModel(spec: string): Promise<LoadedModel> {
  await initTfjs();
  const { dir, name } = modelDir(spec);
  if (!existsSync(join(dir, 'config.json')))
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `--model ${spec}: ${dir} has no config.json; pass 'builtin' or a Hugging Face model folder (config.json, model.safetensors or its shards, tokenizer.json)`,
    );
  const config = readModelConfig(join(dir, 'config.json'));
  const file = Checkpoint.open(dir);
  try {
    const weights =
      config.family === 'gpt2'
        ? ({ config, params: readGpt2Params(file, config) } as const)
        : config.family === 'llama'
          ? ({ config, weights: readLlamaWeights(file, config) } as const)
          : config.family === 'neox'
            ? ({ config, weights: readNeoxWeights(file, config) } as const)
            : ({ config, weights: readGemma2Weights(file, config) } as const);
    const tok = loadTokenizer(
      join(dir, 'tokenizer.json'),
      name === 'builtin:tiny-brown' ? 'tiny-brown' : dir.split('/').pop(),
    );
    if (tok.tokenizer.vocabSize > config.vocabSize)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${dir}: tokenizer.json has ${tok.tokenizer.vocabSize} tokens but the model's vocab_size is ${config.vocabSize}; the tokenizer belongs to another model`,
      );
    // GPT-2 and Pythia start windows with <|endoftext|> (TransformerLens's BOS for them); Llama-family folders
    // with their tokenizer's BOS (readBosRule: tokenizer_config.json, the template, config.json's bos_token_id).
    const bosId = tok.tokenizer.eosId ?? readBosRule(dir).bosId ?? config.bosTokenId;
    return { name, dir, ...weights, tokenizer: tok.tokenizer, tokenizerIdentity: tok.identity, bosId };
  } finally {
    file.close();
  }
}

/** Load a folder that must hold a GPT-2 model (see gpt2Model). */
export async function loadGpt2Model(spec: string, what: string): Promise<Gpt2LoadedModel> {
  return gpt2Model(await loadModel(spec), what);
}

/** The unembedding [vocab, d] on the host, for any family. */
export function hostUnembedding(model: LoadedModel): Float32Array {
  if (model.weights) return model.weights.lmHead;
  return (model.params.lmHead ?? model.params.wte).dataSync() as Float32Array;
}

/** Layer `l`'s MLP output projection [dMlp, d] on the host, for any family. */
export function hostMlpOut(model: LoadedModel, l: number): Float32Array {
  if (!model.weights) return model.params.blocks[l].outW.dataSync() as Float32Array;
  return transposed(model.weights.blocks[l].down, model.config.dModel, model.config.dMlp); // stored [d, dMlp]
}

/** Free a model's tensors. */
export function disposeModel(model: LoadedModel): void {
  if (!model.params) return; // host weights: the garbage collector's
  const { wteHost: _host, ...tensors } = model.params;
  void _host;
  tf.dispose(tensors as unknown as tf.TensorContainer);
}

/** Write params in the Hugging Face layout (+ config.json, tokenizer.json) atomically into `dir`. */
export async function saveModel(
  dir: string,
  config: Gpt2Config,
  params: Gpt2Params,
  tokenizerJson: object,
): Promise<void> {
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tensors: Record<string, TensorToWrite> = {};
  const put = async (n: string, t: tf.Tensor) => {
    tensors[n] = { data: (await t.data()) as Float32Array, shape: t.shape };
  };
  await put('wte.weight', params.wte);
  await put('wpe.weight', params.wpe);
  await put('ln_f.weight', params.lnFG);
  await put('ln_f.bias', params.lnFB);
  if (params.lmHead) await put('lm_head.weight', params.lmHead);
  for (let l = 0; l < params.blocks.length; l++)
    for (const key of Object.keys(blockNames) as (keyof BlockParams)[])
      await put(`h.${l}.${blockNames[key]}`, params.blocks[l][key]);
  writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(gpt2ConfigToJson(config), null, 2) + '\n');
  writeFileSync(join(tmp, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

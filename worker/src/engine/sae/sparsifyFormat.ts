// EleutherAI sparsify's on-disk format, read into SAELens layout: a folder (named after the hook point) with
// cfg.json (SparseCoderConfig.to_dict() plus d_in) and sae.safetensors holding encoder.weight [d_sae, d_in],
// encoder.bias [d_sae], W_dec [d_sae, d_in] and b_dec [d_in] (sparsify/sparse_coder.py, save_to_disk).
// Encoding is x − b_dec, then ReLU(encoder(x)), then the top k (fused_encoder.py): the same codes as SAELens TopK.
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { AtlasError } from '../../errors.js';
import { SafetensorsFile } from '../../formats/safetensors.js';
import { checkedTensorReader, type SaelensSae } from './saelensFormat.js';

export const SPARSIFY_CFG_FILE = 'cfg.json';
export const SPARSIFY_WEIGHTS_FILE = 'sae.safetensors';

const SparsifyCfg = z
  .object({
    activation: z.string().default('topk'),
    expansion_factor: z.number().int().positive().default(32),
    num_latents: z.number().int().nonnegative().default(0),
    k: z.number().int().positive(),
    d_in: z.number().int().positive().optional(),
    transcode: z.boolean().default(false),
    skip_connection: z.boolean().default(false),
  })
  .passthrough();

/** Read a sparsify folder as a SAELens TopK SAE; the folder's name is taken as the hook point, as sparsify does. */
export function readSparsify(dir: string): SaelensSae & { hookName: string } {
  const cfgPath = join(dir, SPARSIFY_CFG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: cannot read (${(err as Error).message}); a sparsify folder holds cfg.json and ${SPARSIFY_WEIGHTS_FILE}`,
      { cause: err },
    );
  }
  const parsed = SparsifyCfg.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: ${i.path.join('.')}: ${i.message}; expected sparsify cfg keys k, num_latents or expansion_factor, d_in`,
    );
  }
  const cfg = parsed.data;
  if (cfg.activation !== 'topk')
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: activation '${cfg.activation}' is not supported (expected topk); groupmax coders cannot be imported yet`,
    );
  if (cfg.transcode)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${cfgPath}: this is a transcoder (transcode: true), which predicts another hook's output; import a sparse autoencoder`,
    );
  const weightsPath = join(dir, SPARSIFY_WEIGHTS_FILE);
  const file = new SafetensorsFile(weightsPath);
  try {
    if (cfg.skip_connection || file.has('W_skip'))
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${weightsPath}: the coder has a skip connection (W_skip), which SAELens layout cannot hold; import one trained without --skip_connection`,
      );
    // Old saves may lack d_in in cfg.json; b_dec's length is the same number.
    const dIn = cfg.d_in ?? file.tensors.get('b_dec')?.shape[0];
    if (!dIn)
      throw new AtlasError('SOURCE_MALFORMED', `${cfgPath}: no d_in, and ${weightsPath} has no b_dec to infer it from`);
    const dSae = cfg.num_latents || dIn * cfg.expansion_factor;
    const tensor = checkedTensorReader(file, weightsPath, `cfg.json (d_in=${dIn}, num_latents=${dSae})`);
    if (cfg.k > dSae) throw new AtlasError('SOURCE_MALFORMED', `${cfgPath}: k=${cfg.k} exceeds the ${dSae} latents`);
    const encoderWeight = tensor('encoder.weight', [dSae, dIn]);
    const wEnc = new Float32Array(dIn * dSae);
    for (let l = 0; l < dSae; l++) for (let p = 0; p < dIn; p++) wEnc[p * dSae + l] = encoderWeight[l * dIn + p];
    return {
      architecture: 'topk',
      dIn,
      dSae,
      k: cfg.k,
      applyBDecToInput: true,
      wEnc,
      bEnc: tensor('encoder.bias', [dSae]),
      wDec: tensor('W_dec', [dSae, dIn]),
      bDec: tensor('b_dec', [dIn]),
      cfg: raw as Record<string, unknown>,
      hookName: basename(resolve(dir)),
    };
  } finally {
    file.close();
  }
}

// The weights of a Hugging Face model folder: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json` (`weight_map`: tensor name -> shard file), as transformers' save_pretrained writes
// them. Weights may be stored as F32, F16 or BF16; they are read as float32 (formats/dtype.ts decodes exactly).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { SafetensorsFile } from '../formats/safetensors.js';
import type { DType } from '../formats/dtype.js';

/** The element types a weight may be stored in. */
export const WEIGHT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];

export const SINGLE_FILE = 'model.safetensors';
export const SHARD_INDEX = 'model.safetensors.index.json';

/** A folder's weights, read tensor by tensor (shards are opened on first use). */
export class Checkpoint {
  /** Tensor name -> the file holding it. */
  private readonly where = new Map<string, string>();
  private readonly open = new Map<string, SafetensorsFile>();

  private constructor(readonly dir: string) {}

  /** Open the weights of `dir`: model.safetensors, else the shard index; a shard the index names must exist. */
  static open(dir: string): Checkpoint {
    const c = new Checkpoint(dir);
    if (existsSync(join(dir, SINGLE_FILE))) {
      const file = c.file(SINGLE_FILE);
      for (const name of [...file.tensors.keys(), ...file.unsupported.keys()]) c.where.set(name, SINGLE_FILE);
      return c;
    }
    const indexPath = join(dir, SHARD_INDEX);
    if (!existsSync(indexPath))
      throw new AtlasError(
        'SOURCE_NOT_FOUND',
        `${dir}: no ${SINGLE_FILE} and no ${SHARD_INDEX}; a model folder needs its weights in one of those forms`,
      );
    let weightMap: unknown;
    try {
      weightMap = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
    } catch (err) {
      throw new AtlasError('SOURCE_MALFORMED', `${indexPath}: not JSON (${(err as Error).message})`, { cause: err });
    }
    if (!weightMap || typeof weightMap !== 'object')
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${indexPath}: no 'weight_map' object (tensor name -> shard file); re-save the model with save_pretrained`,
      );
    for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
      if (typeof shard !== 'string' || shard.includes('/'))
        throw new AtlasError('SOURCE_MALFORMED', `${indexPath}: weight_map['${name}'] is not a shard file name`);
      if (!existsSync(join(dir, shard)))
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `${dir}: shard ${shard} is missing (${SHARD_INDEX} maps tensor '${name}' to it); download every shard the index lists`,
        );
      c.where.set(name, shard);
    }
    return c;
  }

  private file(shard: string): SafetensorsFile {
    let f = this.open.get(shard);
    if (!f) {
      f = new SafetensorsFile(join(this.dir, shard));
      this.open.set(shard, f);
    }
    return f;
  }

  /** Where weights are read from, for messages. */
  get description(): string {
    return this.open.size === 1 && this.where.size > 0 && [...this.where.values()].every((s) => s === SINGLE_FILE)
      ? join(this.dir, SINGLE_FILE)
      : join(this.dir, SHARD_INDEX);
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  /** Every tensor name. */
  names(): string[] {
    return [...this.where.keys()];
  }

  /**
   * A tensor as float32, checked against the shape the config implies. One message each for a missing tensor,
   * a wrong shape and a stored type that is not a floating-point weight type.
   */
  read(name: string, shape: readonly number[]): Float32Array {
    const shard = this.where.get(name);
    if (shard === undefined)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${this.description}: no tensor '${name}'; the config's model_type and sizes do not fit these weights`,
      );
    const file = this.file(shard);
    const info = file.tensors.get(name);
    const other = file.unsupported.get(name);
    if (other || (info && !WEIGHT_DTYPES.includes(info.dtype)))
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${file.path}: tensor '${name}' is stored as ${other ?? info!.dtype}; weights must be float32, float16 or bfloat16 (F32, F16, BF16)`,
      );
    if (!info)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${file.path}: no tensor '${name}', though ${SHARD_INDEX} maps it to this shard; re-download the shard`,
      );
    if (info.shape.join(',') !== shape.join(','))
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${file.path}: tensor '${name}' is [${info.shape.join(', ')}] but config.json implies [${shape.join(', ')}]; the config does not belong to these weights`,
      );
    return file.read(name).data;
  }

  close(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}

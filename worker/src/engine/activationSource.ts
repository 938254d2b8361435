// Opens activations for training: a folder with manifest.json (the atlas-activations/1 contract), a folder of
// .npy shards, one .npy file or one .safetensors file. Every shard is checked up front (dtype, shape, size), and
// rows are checked for NaN/Inf as they are read, so a bad file fails with its name and row, not a NaN loss.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AtlasError } from '../errors.js';
import { ActivationManifest, MANIFEST_FILE, type Provenance } from '../formats/activationManifest.js';
import { NpyFile } from '../formats/npy.js';
import { SafetensorsFile } from '../formats/safetensors.js';

/** One readable shard of activations [rows, dIn]. */
export interface ShardReader {
  readonly path: string;
  readonly rows: number;
  /** Rows [start, start+count) as float32 [count, dIn]. */
  readRows(start: number, count: number): Float32Array;
  /** The same rows written into `out` without allocating (the store's streaming path). */
  readRowsInto?(start: number, count: number, out: Float32Array): void;
  close(): void;
}

/** Activations spread over shards, all with the same dIn. */
export interface ActivationSource {
  readonly path: string;
  /** Values per row (a paired source's rows hold the input then the target). */
  readonly dIn: number;
  /**
   * Paired activations (a transcoder's data): each row is the input (dIn − target.width values) followed by the
   * target hook's row at the same position.
   */
  readonly target?: { hook: string | null; width: number };
  readonly totalRows: number;
  readonly shards: ShardReader[];
  readonly provenance?: Provenance;
  close(): void;
}

const FLOAT_DTYPES = new Set(['float32', 'float16', 'bfloat16']);

/** Throws SOURCE_NOT_FINITE naming the file, row and column of the first NaN/Inf in `rows`. */
export function assertFinite(data: Float32Array, dIn: number, path: string, firstRow: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      // v - v is NaN exactly for NaN and ±Inf: one subtraction per value keeps this off the profile.
      const row = firstRow + Math.floor(i / dIn);
      throw new AtlasError(
        'SOURCE_NOT_FINITE',
        `${path}: row ${row}, column ${i % dIn} is ${v}; activations must be finite (check the extraction, e.g. fp16 overflow, and re-extract)`,
      );
    }
  }
}

function npyShard(path: string, expectDIn?: number, expectRows?: number): ShardReader & { dIn: number } {
  const file = new NpyFile(path);
  try {
    const { dtype, shape } = file.header;
    if (!FLOAT_DTYPES.has(dtype))
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${path}: dtype ${dtype} is not an activation dtype (expected float32 or float16); save it with array.astype(numpy.float32)`,
      );
    if (shape.length !== 2)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${path}: shape [${shape.join(', ')}] is not [rows, dIn]; reshape activations to two axes`,
      );
    if (expectDIn !== undefined && shape[1] !== expectDIn)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${path}: shape [${shape.join(', ')}] but dIn=${expectDIn} was expected (from the manifest or the first shard); every shard must have the same width`,
      );
    if (expectRows !== undefined && shape[0] !== expectRows)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${path}: has ${shape[0]} rows but manifest.json says ${expectRows}; re-write the manifest or the shard`,
      );
  } catch (err) {
    file.close();
    throw err;
  }
  const dIn = file.header.shape[1];
  return {
    path,
    rows: file.rows,
    dIn,
    readRows(start, count) {
      const data = file.readRows(start, count);
      assertFinite(data, dIn, path, start);
      return data;
    },
    readRowsInto(start, count, out) {
      file.readRowsInto(start, count, out);
      assertFinite(out.subarray(0, count * dIn), dIn, path, start);
    },
    close: () => file.close(),
  };
}

function safetensorsShard(path: string): ShardReader & { dIn: number } {
  const file = new SafetensorsFile(path);
  const names = [...file.tensors.keys()];
  const name = names.length === 1 ? names[0] : ['acts', 'activations'].find((n) => file.has(n));
  if (!name) {
    file.close();
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: holds tensors ${names.join(', ') || '(none)'}; name the activation tensor 'acts' or store only one tensor`,
    );
  }
  const info = file.tensors.get(name)!;
  if (!FLOAT_DTYPES.has(info.dtype) || info.shape.length !== 2) {
    file.close();
    throw new AtlasError(
      info.shape.length !== 2 ? 'SOURCE_SHAPE_MISMATCH' : 'SOURCE_MALFORMED',
      `${path}: tensor '${name}' is ${info.dtype} [${info.shape.join(', ')}]; expected a float32/float16 [rows, dIn] tensor`,
    );
  }
  const dIn = info.shape[1];
  return {
    path,
    rows: info.shape[0],
    dIn,
    readRows(start, count) {
      const data = file.readRows(name, start, count);
      assertFinite(data, dIn, `${path}:${name}`, start);
      return data;
    },
    close: () => file.close(),
  };
}

function openFile(path: string, expectDIn?: number, expectRows?: number): ShardReader & { dIn: number } {
  if (path.endsWith('.safetensors')) return safetensorsShard(path);
  if (path.endsWith('.npy')) return npyShard(path, expectDIn, expectRows);
  throw new AtlasError(
    'SOURCE_MALFORMED',
    `${path}: not a .npy or .safetensors file; pass a .npy/.safetensors file or a folder of .npy shards`,
  );
}

function closeAll(shards: ShardReader[]): void {
  for (const s of shards) s.close();
}

/** Two shards of the same rows side by side: each row is a's row then b's. */
function sideBySide(a: ShardReader & { dIn: number }, b: ShardReader & { dIn: number }): ShardReader & { dIn: number } {
  if (a.rows !== b.rows)
    throw new AtlasError(
      'SOURCE_SHAPE_MISMATCH',
      `${b.path} has ${b.rows} rows but ${a.path} has ${a.rows}; a paired extraction writes both row for row, extract again`,
    );
  const dIn = a.dIn + b.dIn;
  const readRowsInto = (start: number, count: number, out: Float32Array) => {
    const x = a.readRows(start, count);
    const y = b.readRows(start, count);
    for (let r = 0; r < count; r++) {
      out.set(x.subarray(r * a.dIn, (r + 1) * a.dIn), r * dIn);
      out.set(y.subarray(r * b.dIn, (r + 1) * b.dIn), r * dIn + a.dIn);
    }
  };
  return {
    path: a.path,
    rows: a.rows,
    dIn,
    readRows(start, count) {
      const out = new Float32Array(count * dIn);
      readRowsInto(start, count, out);
      return out;
    },
    readRowsInto,
    close() {
      a.close();
      b.close();
    },
  };
}

/**
 * Open activations at `path` (file or folder) and validate every shard. With `paired`, the folder must come from a
 * paired extraction and each row is the input hook's row followed by the target hook's (ActivationSource.target).
 */
export function openActivationSource(path: string, o: { paired?: boolean } = {}): ActivationSource {
  if (!existsSync(path))
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `--acts ${path} does not exist; pass a .npy/.safetensors file or a folder of activation shards`,
    );
  const shards: (ShardReader & { dIn: number })[] = [];
  let provenance: Provenance | undefined;
  let target: ActivationSource['target'];
  const unpaired = () =>
    new AtlasError(
      'SOURCE_MALFORMED',
      `--acts ${path} holds one hook's activations, but a transcoder trains on pairs; extract them with worker extract --hook blocks.L.ln2.hook_normalized --target-hook blocks.L.hook_mlp_out`,
    );
  try {
    if (statSync(path).isDirectory()) {
      const manifestPath = join(path, MANIFEST_FILE);
      if (existsSync(manifestPath)) {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
        } catch (err) {
          throw new AtlasError('SOURCE_MALFORMED', `${manifestPath}: not valid JSON (${(err as Error).message})`);
        }
        const parsed = ActivationManifest.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `${manifestPath}: ${issue.path.join('.') || '(root)'}: ${issue.message}; expected the atlas-activations/1 manifest`,
          );
        }
        const manifest = parsed.data;
        provenance = manifest.provenance;
        if (o.paired && !manifest.target) throw unpaired();
        for (const shard of manifest.shards) {
          const acts = openFile(join(path, shard.acts), manifest.dIn, shard.rows);
          if (!o.paired) shards.push(acts);
          else if (!shard.targets) {
            acts.close();
            throw new AtlasError('SOURCE_MALFORMED', `${manifestPath}: shard ${shard.acts} names no targets file; extract again`); // prettier-ignore
          } else {
            let targets: ShardReader & { dIn: number };
            try {
              targets = openFile(join(path, shard.targets), manifest.target!.width, shard.rows);
            } catch (err) {
              acts.close();
              throw err;
            }
            shards.push(sideBySide(acts, targets));
          }
        }
        if (o.paired) target = { hook: manifest.target!.hook, width: manifest.target!.width };
        const total = shards.reduce((a, s) => a + s.rows, 0);
        if (total !== manifest.totalRows)
          throw new AtlasError(
            'SOURCE_SHAPE_MISMATCH',
            `${manifestPath}: totalRows is ${manifest.totalRows} but the shards hold ${total} rows; re-write the manifest`,
          );
      } else {
        if (o.paired) throw unpaired();
        const files = readdirSync(path)
          .filter((f) => f.endsWith('.npy'))
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        if (files.length === 0)
          throw new AtlasError(
            'SOURCE_NOT_FOUND',
            `${path}: no manifest.json and no .npy shards; write activations there first`,
          );
        for (const f of files) shards.push(openFile(join(path, f), shards[0]?.dIn));
      }
    } else {
      if (o.paired) throw unpaired();
      shards.push(openFile(path));
    }
  } catch (err) {
    closeAll(shards);
    throw err;
  }
  const dIn = shards[0]?.dIn ?? 0;
  const totalRows = shards.reduce((a, s) => a + s.rows, 0);
  if (totalRows === 0) {
    closeAll(shards);
    throw new AtlasError('SOURCE_SHAPE_MISMATCH', `${path}: holds no activation rows; extract some first`);
  }
  return { path, dIn, totalRows, shards, provenance, target, close: () => closeAll(shards) };
}

/** A short name for logs. */
export function describeSource(s: ActivationSource): string {
  const width = s.target ? `(${s.dIn - s.target.width} → ${s.target.width})` : `${s.dIn}`;
  return `${basename(s.path)}: ${s.totalRows} rows × ${width} in ${s.shards.length} shard${s.shards.length === 1 ? '' : 's'}`;
}

/** Activations already in memory [rows, dIn] (tests, benches, synthetic runs). */
export function memorySource(data: Float32Array, rows: number, dIn: number, name = 'memory'): ActivationSource {
  const shard: ShardReader = {
    path: name,
    rows,
    readRows: (start, count) => data.slice(start * dIn, (start + count) * dIn),
    readRowsInto: (start, count, out) => out.set(data.subarray(start * dIn, (start + count) * dIn)),
    close() {},
  };
  return { path: name, dIn, totalRows: rows, shards: [shard], close() {} };
}

/** Paired activations in memory: inputs x [rows, dIn] and targets y [rows, dOut] (tests, benches). */
export function pairedMemorySource(
  x: Float32Array,
  y: Float32Array,
  rows: number,
  dIn: number,
  dOut: number,
  targetHook: string | null = null,
): ActivationSource {
  const data = new Float32Array(rows * (dIn + dOut));
  for (let r = 0; r < rows; r++) {
    data.set(x.subarray(r * dIn, (r + 1) * dIn), r * (dIn + dOut));
    data.set(y.subarray(r * dOut, (r + 1) * dOut), r * (dIn + dOut) + dIn);
  }
  return { ...memorySource(data, rows, dIn + dOut, 'paired memory'), target: { hook: targetHook, width: dOut } };
}

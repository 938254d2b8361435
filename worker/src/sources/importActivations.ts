// Activation import (`worker import-acts`, the `import` job of kind `activations`): activations made elsewhere
// (numpy, PyTorch via safetensors) into the engine's shard format.
// Everything is validated before it counts: dtypes, shapes against the tokens file, truncation (by the
// format readers), token ids, and NaN/Inf row by row. Output goes to `<out>.partial/` and is renamed
// onto `<out>` only when complete, so a failed import leaves nothing behind under the final name.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AtlasError } from '../errors.js';
import { MANIFEST_FILE, Provenance, type ActivationManifest, type Shard } from '../formats/activationManifest.js';
import { NpyFile, NpyWriter } from '../formats/npy.js';
import { SafetensorsFile } from '../formats/safetensors.js';
import { CORPUS_CACHE_FILE, CorpusCacheWriter } from './corpusCache.js';

export interface ActivationImportOptions {
  /** .npy [rows, dIn] or [sequences, seqLen, dIn], or .safetensors. */
  acts: string;
  /** Tensor name inside a .safetensors file (default: its only tensor). */
  tensor?: string;
  /** .npy or .json token ids, [rows] or [sequences, seqLen]. */
  tokens: string;
  /** .json array of strings: one per row, or a vocabulary indexed by id. */
  tokenStrings?: string;
  /** .npy or .json row indices where documents start (first must be 0). */
  docStarts?: string;
  out: string;
  provenance?: Provenance;
  shardRows: number;
}

const CHUNK_ROWS = 4096;

function readIds(path: string, what: string): { ids: Float64Array; shape: number[] } {
  if (!existsSync(path)) throw new AtlasError('SOURCE_NOT_FOUND', `${path}: no such ${what} file`);
  if (path.toLowerCase().endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${path}: not valid JSON; the ${what} file must be a JSON array of integers or a .npy file`,
      );
    }
    const flat = Array.isArray(json) ? (json as unknown[]).flat() : null;
    const shape =
      Array.isArray(json) && Array.isArray((json as unknown[])[0])
        ? [(json as unknown[]).length, (json as unknown[][])[0].length]
        : [flat?.length ?? 0];
    if (!flat) throw new AtlasError('SOURCE_MALFORMED', `${path}: expected a JSON array of integers for the ${what}`);
    const ids = new Float64Array(flat.length);
    flat.forEach((v, i) => {
      if (typeof v !== 'number')
        throw new AtlasError('SOURCE_MALFORMED', `${path}: entry ${i} is ${JSON.stringify(v)}, not an integer`);
      ids[i] = v;
    });
    return { ids, shape };
  }
  const f = new NpyFile(path);
  try {
    if (!['int32', 'int64', 'uint16', 'uint8'].includes(f.header.dtype))
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${path}: ${what} have dtype ${f.header.dtype}; expected integers (int32 or int64); save them with numpy.save(path, ids.astype(numpy.int32))`,
      );
    return { ids: Float64Array.from(f.readAll()), shape: f.header.shape };
  } finally {
    f.close();
  }
}

/** A row source over .npy or .safetensors activations. */
interface ActsSource {
  rows: number;
  dIn: number;
  dtype: 'float32' | 'float16';
  /** Shape as stored, for messages. */
  shape: number[];
  read(start: number, count: number): Float32Array;
  close(): void;
}

function openActs(path: string, tensor?: string): ActsSource {
  if (!existsSync(path)) throw new AtlasError('SOURCE_NOT_FOUND', `${path}: no such activations file`);
  const shapeOf = (shape: number[], where: string) => {
    if (shape.length !== 2 && shape.length !== 3)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${where} is [${shape.join(', ')}]; activations must be [rows, d_in] or [sequences, seq_len, d_in]`,
      );
    return { rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), dIn: shape[shape.length - 1] };
  };
  if (path.toLowerCase().endsWith('.safetensors')) {
    const f = new SafetensorsFile(path);
    try {
      const names = [...f.tensors.keys()];
      const name = tensor ?? (names.length === 1 ? names[0] : undefined);
      if (name === undefined)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `${path} holds ${names.length} tensors (${names.join(', ')}); pick one with --tensor`,
        );
      const info = f.tensors.get(name);
      if (!info)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `${path}: no tensor named '${name}' (it has ${names.join(', ')}); fix --tensor`,
        );
      if (info.dtype !== 'float32' && info.dtype !== 'float16' && info.dtype !== 'bfloat16')
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${path}: tensor '${name}' has dtype ${info.dtype}; activations must be F32, F16 or BF16`,
        );
      const { rows, dIn } = shapeOf(info.shape, `${path}: tensor '${name}'`);
      const flat = name;
      return {
        rows,
        dIn,
        dtype: info.dtype === 'float16' ? 'float16' : 'float32',
        shape: info.shape,
        read: (start, count) => {
          // readRows treats the leading axis as rows; for 3-D tensors rows are (sequence, position) pairs.
          const perLead = info.shape.length === 3 ? info.shape[1] : 1;
          if (perLead === 1) return f.readRows(flat, start, count);
          const first = Math.floor(start / perLead);
          const last = Math.floor((start + count - 1) / perLead);
          const block = f.readRows(flat, first, last - first + 1);
          const at = (start - first * perLead) * dIn;
          return block.slice(at, at + count * dIn);
        },
        close: () => f.close(),
      };
    } catch (err) {
      f.close();
      throw err;
    }
  }
  const f = new NpyFile(path);
  try {
    if (f.header.dtype !== 'float32' && f.header.dtype !== 'float16')
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${path}: activations have dtype ${f.header.dtype}; expected float32 or float16; save them with numpy.save(path, acts.astype(numpy.float32))`,
      );
    const { rows, dIn } = shapeOf(f.header.shape, path);
    const perLead = f.header.shape.length === 3 ? f.header.shape[1] : 1;
    return {
      rows,
      dIn,
      dtype: f.header.dtype,
      shape: f.header.shape,
      read: (start, count) => {
        if (perLead === 1) return f.readRows(start, count);
        const first = Math.floor(start / perLead);
        const last = Math.floor((start + count - 1) / perLead);
        const block = f.readRows(first, last - first + 1);
        const at = (start - first * perLead) * dIn;
        return block.slice(at, at + count * dIn);
      },
      close: () => f.close(),
    };
  } catch (err) {
    f.close();
    throw err;
  }
}

function readStrings(path: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: cannot read token strings (${(err as Error).message}); expected a JSON array of strings`,
    );
  }
  if (!Array.isArray(json) || json.some((s) => typeof s !== 'string'))
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: expected a JSON array of strings (one per row, or a vocabulary indexed by token id)`,
    );
  return json as string[];
}

/** Validate and convert; returns the manifest of the finished folder. */
export function importActivations(o: ActivationImportOptions): ActivationManifest {
  if (existsSync(o.out))
    throw new AtlasError(
      'OUTPUT_EXISTS',
      `${o.out} already exists; choose another --out or delete it (an import never merges into a folder)`,
    );
  const provenance = o.provenance ? Provenance.parse(o.provenance) : undefined;
  const acts = openActs(o.acts, o.tensor);
  const tmp = `${o.out}.partial`;
  let writers: { acts: NpyWriter; tokens: NpyWriter; positions: NpyWriter } | null = null;
  try {
    const { ids, shape: idShape } = readIds(o.tokens, 'token ids');
    if (ids.length !== acts.rows)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${o.tokens} has ${ids.length} token ids [${idShape.join(', ')}] but ${o.acts} has ${acts.rows} rows [${acts.shape.join(', ')}]; each activation row needs exactly one token id`,
      );
    for (let i = 0; i < ids.length; i++)
      if (!Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] > 2 ** 31 - 1)
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${o.tokens}: row ${i} has token id ${ids[i]}; ids must be integers in [0, 2^31)`,
        );

    // Document boundaries: explicit starts, else one document per sequence of a 2-D ids/3-D acts file, else one.
    let starts: number[];
    if (o.docStarts) {
      starts = Array.from(readIds(o.docStarts, 'document starts').ids);
      starts.forEach((s, i) => {
        if (i === 0 ? s !== 0 : !(s > starts[i - 1] && s < acts.rows))
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `${o.docStarts}: entry ${i} is ${s}; document starts must begin at 0 and increase strictly below the ${acts.rows} rows`,
          );
      });
    } else {
      const seqLen = idShape.length === 2 ? idShape[1] : acts.shape.length === 3 ? acts.shape[1] : acts.rows;
      starts = [];
      for (let s = 0; s < acts.rows; s += Math.max(1, seqLen)) starts.push(s);
    }

    let strings: ((row: number, id: number) => string) | null = null;
    if (o.tokenStrings) {
      const list = readStrings(o.tokenStrings);
      if (list.length === acts.rows) strings = (row) => list[row];
      else {
        const maxId = ids.reduce((a, b) => Math.max(a, b), 0);
        if (list.length <= maxId)
          throw new AtlasError(
            'SOURCE_SHAPE_MISMATCH',
            `${o.tokenStrings} has ${list.length} strings: neither one per row (${acts.rows}) nor a vocabulary covering the largest id ${maxId}`,
          );
        strings = (_row, id) => list[id];
      }
    }

    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const shards: Shard[] = [];
    const name = (kind: string) => `${kind}-${String(shards.length).padStart(5, '0')}.npy`;
    const close = () => {
      if (!writers) return;
      const s: Shard = {
        acts: name('acts'),
        tokens: name('tokens'),
        positions: name('positions'),
        rows: writers.acts.rowCount,
      };
      writers.acts.finish();
      writers.tokens.finish();
      writers.positions.finish();
      shards.push(s);
      writers = null;
    };
    // Row -> (document, offset).
    const docOf = new Int32Array(acts.rows);
    const offsetOf = new Int32Array(acts.rows);
    for (let d = 0; d < starts.length; d++) {
      const end = d + 1 < starts.length ? starts[d + 1] : acts.rows;
      for (let r = starts[d]; r < end; r++) {
        docOf[r] = d;
        offsetOf[r] = r - starts[d];
      }
    }
    for (let start = 0; start < acts.rows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, acts.rows - start);
      const chunk = acts.read(start, count);
      for (let i = 0; i < chunk.length; i++)
        if (!Number.isFinite(chunk[i])) {
          const row = start + Math.floor(i / acts.dIn);
          throw new AtlasError(
            'SOURCE_NOT_FINITE',
            `${o.acts}: row ${row}, column ${i % acts.dIn} is ${chunk[i]}; activations must be finite: drop or fix that row (numpy.isfinite(acts).all(axis=1))`,
          );
        }
      let at = 0;
      while (at < count) {
        writers ??= {
          acts: new NpyWriter(join(tmp, name('acts')), acts.dtype, [acts.dIn]),
          tokens: new NpyWriter(join(tmp, name('tokens')), 'int32', []),
          positions: new NpyWriter(join(tmp, name('positions')), 'int32', [2]),
        };
        const take = Math.min(count - at, o.shardRows - writers.acts.rowCount);
        const r0 = start + at;
        writers.acts.append(chunk.subarray(at * acts.dIn, (at + take) * acts.dIn));
        writers.tokens.append(Int32Array.from(ids.subarray(r0, r0 + take)));
        const pos = new Int32Array(take * 2);
        for (let i = 0; i < take; i++) {
          pos[2 * i] = docOf[r0 + i];
          pos[2 * i + 1] = offsetOf[r0 + i];
        }
        writers.positions.append(pos);
        at += take;
        if (writers.acts.rowCount >= o.shardRows) close();
      }
    }
    close();

    // Tokenized documents for contexts; text is the token strings, or <id> placeholders without them.
    const cache = new CorpusCacheWriter(join(tmp, CORPUS_CACHE_FILE));
    for (let d = 0; d < starts.length; d++) {
      const end = d + 1 < starts.length ? starts[d + 1] : acts.rows;
      let text = '';
      const tokStarts: number[] = [];
      const tokEnds: number[] = [];
      const tokens: number[] = [];
      for (let r = starts[d]; r < end; r++) {
        tokStarts.push(text.length);
        text += strings ? strings(r, ids[r]) : `<${ids[r]}>`;
        tokEnds.push(text.length);
        tokens.push(ids[r]);
      }
      cache.append({ doc: d, id: `${basename(o.tokens)}#${d}`, text, tokens, starts: tokStarts, ends: tokEnds });
    }
    cache.finish();

    const manifest: ActivationManifest = {
      format: 'atlas-activations/1',
      dIn: acts.dIn,
      dtype: acts.dtype,
      totalRows: acts.rows,
      shards,
      ...(provenance ? { provenance } : {}),
    };
    writeFileSync(
      join(tmp, MANIFEST_FILE),
      JSON.stringify(
        {
          ...manifest,
          corpusCache: CORPUS_CACHE_FILE,
          importedFrom: { acts: o.acts, tensor: o.tensor, tokens: o.tokens },
        },
        null,
        2,
      ) + '\n',
    );
    renameSync(tmp, o.out);
    return manifest;
  } catch (err) {
    const open = writers as { acts: NpyWriter; tokens: NpyWriter; positions: NpyWriter } | null;
    if (open) for (const w of [open.acts, open.tokens, open.positions]) w.abort();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    acts.close();
  }
}

// Run a model over a corpus and write the hook point's activations as shards in the engine's format
// (formats/activationManifest.ts), with token ids, (document, offset) positions, the tokenized corpus
// and provenance. Streaming with bounded memory (one batch plus open file handles), resumable: shards
// already complete are listed in progress.json and skipped on restart; manifest.json appears last. With a target
// hook (a transcoder's training data) the same forward pass writes that hook's rows too, row for row, in each
// shard's `targets` file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { ActivationManifest, MANIFEST_FILE, type Provenance, type Shard } from '../formats/activationManifest.js';
import { NpyWriter } from '../formats/npy.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import { initTfjs } from '../transformer/runtime.js';
import { CORPUS_CACHE_FILE, CorpusCacheWriter, readCorpusCache, tokenizeDocument } from './corpusCache.js';
import type { Corpus } from './document.js';

const PROGRESS_FILE = 'progress.json';

export interface ExtractOptions {
  model: LoadedModel;
  corpus: Corpus;
  hook: string;
  /** A second hook written alongside, at the same positions (manifest `target`), e.g. blocks.0.hook_mlp_out. */
  targetHook?: string;
  out: string;
  /** Tokens per forward window including BOS; default the model's n_positions. */
  contextSize?: number;
  /** Start every window with <|endoftext|> (its row is not written). */
  prependBos: boolean;
  /** Stop after this many activation rows (tokens). */
  maxTokens?: number;
  shardRows: number;
  /** Windows per forward pass. */
  batchSize: number;
  dtype: 'float32' | 'float16';
  onProgress?: (p: ExtractProgress) => void;
}

/** Progress of an extraction: rows written (this run and before) out of the total. */
export interface ExtractProgress {
  rows: number;
  totalRows: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

/** Everything that must match for a restart to continue earlier shards. */
interface ExtractionKey {
  provenance: Provenance;
  dIn: number;
  target?: { hook: string; width: number };
  dtype: 'float32' | 'float16';
  shardRows: number;
  maxTokens: number | null;
}

function writeJsonAtomic(path: string, value: unknown): void {
  writeFileSync(`${path}.partial`, JSON.stringify(value, null, 2) + '\n');
  renameSync(`${path}.partial`, path);
}

const shardName = (kind: string, i: number) => `${kind}-${String(i).padStart(5, '0')}.npy`;

/** What an interrupted extraction into `out` left to resume from, or undefined if there is nothing to resume. */
export function extractionResumePoint(out: string): { shards: number; rows: number } | undefined {
  const path = join(out, PROGRESS_FILE);
  if (!existsSync(path)) return undefined;
  const { shards } = JSON.parse(readFileSync(path, 'utf8')) as { shards: Shard[] };
  return { shards: shards.length, rows: shards.reduce((a, s) => a + s.rows, 0) };
}

/** Extract activations; returns the manifest written (or found complete). */
export async function extractActivations(o: ExtractOptions): Promise<ActivationManifest> {
  await initTfjs();
  const model = InferenceModel.of(o.model);
  const hook = model.hook(o.hook);
  const ctx = o.contextSize ?? model.config.nPositions;
  // The flag's own bounds (at least one row per window even without BOS), then the model's window rule.
  if (ctx > model.config.nPositions || ctx < 2)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--context ${ctx} must be between 2 and the model's n_positions ${model.config.nPositions}`,
    );
  const windows = model.windows({ contextSize: ctx, prependBos: o.prependBos });
  const dIn = hook.width;
  const targetHook = o.targetHook === undefined ? undefined : model.hook(o.targetHook);
  if (targetHook?.name === hook.name)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--target-hook ${targetHook.name} is the --hook itself; name the hook a transcoder predicts, e.g. blocks.${hook.layer}.hook_mlp_out`,
    );
  const target = targetHook && { hook: targetHook.name, width: targetHook.width };
  const key: ExtractionKey = {
    provenance: {
      model: model.name,
      hook: hook.name,
      tokenizer: o.model.tokenizerIdentity,
      contextSize: ctx,
      prependBos: o.prependBos,
      corpus: o.corpus.name,
    },
    dIn,
    ...(target && { target }),
    dtype: o.dtype,
    shardRows: o.shardRows,
    maxTokens: o.maxTokens ?? null,
  };
  mkdirSync(o.out, { recursive: true });
  const manifestPath = join(o.out, MANIFEST_FILE);
  const progressPath = join(o.out, PROGRESS_FILE);
  const sameKey = (k: unknown) => JSON.stringify(k) === JSON.stringify(key);
  if (existsSync(manifestPath)) {
    const done = JSON.parse(readFileSync(manifestPath, 'utf8')) as ActivationManifest & { extraction?: ExtractionKey };
    if (sameKey(done.extraction)) return ActivationManifest.parse(done);
    throw new AtlasError(
      'OUTPUT_EXISTS',
      `${o.out} already holds activations of ${done.provenance?.model ?? 'another source'} at ${done.provenance?.hook ?? '?'} made with other settings; choose another --out or delete the folder`,
    );
  }
  const shards: Shard[] = [];
  if (existsSync(progressPath)) {
    const prev = JSON.parse(readFileSync(progressPath, 'utf8')) as { key: ExtractionKey; shards: Shard[] };
    if (!sameKey(prev.key))
      throw new AtlasError(
        'OUTPUT_EXISTS',
        `${o.out} holds an unfinished extraction with other settings (${prev.key.provenance.hook}, ${prev.key.provenance.model}); resume it with the same options, choose another --out, or delete the folder`,
      );
    // Keep the leading run of shards whose files are all there.
    for (const s of prev.shards) {
      if (![s.acts, s.tokens!, s.positions!, ...(s.targets ? [s.targets] : [])].every((f) => existsSync(join(o.out, f)))) break; // prettier-ignore
      shards.push(s);
    }
  } else {
    rmSync(join(o.out, CORPUS_CACHE_FILE), { force: true });
  }
  writeJsonAtomic(progressPath, { key, shards });

  // Phase 1: tokenized corpus (reused on resume: same key, same tokenizer).
  const cachePath = join(o.out, CORPUS_CACHE_FILE);
  if (!existsSync(cachePath)) {
    const writer = new CorpusCacheWriter(cachePath);
    let tokens = 0;
    let index = 0;
    for await (const doc of o.corpus.documents()) {
      if (o.maxTokens !== undefined && tokens >= o.maxTokens) break;
      const t = tokenizeDocument(model.tokenizer, doc, index++);
      tokens += t.tokens.length;
      writer.append(t);
    }
    writer.finish();
  }
  let totalRows = 0;
  for await (const d of readCorpusCache(cachePath)) totalRows += d.tokens.length;
  if (o.maxTokens !== undefined) totalRows = Math.min(totalRows, o.maxTokens);

  // Phase 2: forward passes, rows streamed into shards.
  const skipRows = shards.reduce((a, s) => a + s.rows, 0);
  let rowsWritten = skipRows;
  type ShardWriters = { acts: NpyWriter; tokens: NpyWriter; positions: NpyWriter; targets?: NpyWriter };
  let writers: ShardWriters | null = null;
  const openShard = () => {
    const i = shards.length;
    writers = {
      acts: new NpyWriter(join(o.out, shardName('acts', i)), o.dtype, [dIn]),
      tokens: new NpyWriter(join(o.out, shardName('tokens', i)), 'int32', []),
      positions: new NpyWriter(join(o.out, shardName('positions', i)), 'int32', [2]),
      ...(target && { targets: new NpyWriter(join(o.out, shardName('targets', i)), o.dtype, [target.width]) }),
    };
    return writers;
  };
  const closeShard = () => {
    if (!writers) return;
    const w = writers;
    const i = shards.length;
    w.acts.finish();
    w.tokens.finish();
    w.positions.finish();
    w.targets?.finish();
    shards.push({
      acts: shardName('acts', i),
      tokens: shardName('tokens', i),
      positions: shardName('positions', i),
      ...(target && { targets: shardName('targets', i) }),
      rows: w.acts.rowCount,
    });
    writers = null;
    writeJsonAtomic(progressPath, { key, shards });
  };
  /** Append rows (acts [n, dIn], ids [n], positions [n, 2], targets [n, width]) across shard boundaries. */
  const appendRows = (acts: Float32Array, ids: Int32Array, pos: Int32Array, targets: Float32Array | undefined) => {
    let at = 0;
    const n = ids.length;
    while (at < n) {
      const w = writers ?? openShard();
      const take = Math.min(n - at, o.shardRows - w.acts.rowCount);
      w.acts.append(acts.subarray(at * dIn, (at + take) * dIn));
      w.tokens.append(ids.subarray(at, at + take));
      w.positions.append(pos.subarray(at * 2, (at + take) * 2));
      if (target) w.targets!.append(targets!.subarray(at * target.width, (at + take) * target.width));
      at += take;
      if (w.acts.rowCount >= o.shardRows) closeShard();
    }
  };

  const started = Date.now();
  try {
    for await (const b of model.activations({
      documents: readCorpusCache(cachePath),
      hook: hook.name,
      extraHooks: target ? [target.hook] : [],
      windows,
      batchSize: o.batchSize,
      skipRows,
      maxRows: totalRows,
    })) {
      appendRows(b.acts, b.tokens, b.positions, target && b.extra[target.hook]);
      rowsWritten += b.tokens.length;
      if (o.onProgress) {
        const tps = (rowsWritten - skipRows) / Math.max((Date.now() - started) / 1000, 1e-3);
        o.onProgress({
          rows: rowsWritten,
          totalRows,
          tokensPerSecond: tps,
          etaSeconds: (totalRows - rowsWritten) / Math.max(tps, 1e-9),
        });
      }
    }
    closeShard();
  } catch (err) {
    const w = writers as ShardWriters | null;
    if (w) for (const x of [w.acts, w.tokens, w.positions, ...(w.targets ? [w.targets] : [])]) x.abort();
    throw err;
  }

  const manifest = {
    format: 'atlas-activations/1' as const,
    dIn,
    dtype: o.dtype,
    totalRows: shards.reduce((a, s) => a + s.rows, 0),
    shards,
    provenance: key.provenance,
    ...(target && { target }),
    corpusCache: CORPUS_CACHE_FILE,
    extraction: key,
  };
  writeJsonAtomic(manifestPath, manifest);
  rmSync(progressPath, { force: true });
  return ActivationManifest.parse(manifest);
}

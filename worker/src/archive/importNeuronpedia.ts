// Import of a Neuronpedia export folder (neuronpediaFormat.ts) as a dictionary. Two passes, both streamed:
//   1. read every record of features/, activations/ and explanations/ (gunzip + readline), check it, and append it
//      to a bucket file of 1,024 features on local disk. Neuronpedia's files are ordered by index as text ("10"
//      before "2") and its activation batches do not line up with its feature batches, so this is the sort. Every
//      malformed record is reported (file:line) before anything touches the database.
//   2. walk the buckets in index order through the bulk ingest (staged, swapped in at once), then insert the
//      explanations and mark the dictionary ready in one transaction.
// A run killed in pass 2 leaves a `pending` dictionary tagged with the folder; the next run of the same import finds
// it and resumes the staged load after its last landed chunk, so it ends with the rows of an uninterrupted run.
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BulkLoader, SaeArchitecture } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { AtlasError } from '../errors.js';
import { decoderWidth, readSaelens, saelensProvenance, type SaelensSae } from '../engine/sae/saelensFormat.js';
import { readJsonLines, streamTextLines } from '../formats/jsonLines.js';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '../ingest/ingestDictionary.js';
import {
  deleteDictionary,
  findNeuronpediaImports,
  insertDictionary,
  setDictionaryStatus,
} from '../store/dictionaryRows.js';
import { deleteExplanations, insertExplanations, type ExplanationRow } from '../store/explanationRows.js';
import {
  ActivationRecord,
  examplesFromActivations,
  explanationFromRecord,
  ExplanationRecord,
  featureFromNeuron,
  ModelRecord,
  NeuronRecord,
  neuronMismatch,
  NP_ACTIVATIONS_DIR,
  NP_BATCH_SIZE,
  NP_EXPLANATIONS_DIR,
  NP_FEATURES_DIR,
  NP_MODEL_FILE,
  NP_SOURCE_FILE,
  SourceRecord,
  spillActivation,
  type SpilledActivation,
} from './neuronpediaFormat.js';

export interface NeuronpediaImportOptions {
  /** Dictionary name (default: the source id, e.g. `6-res-jb`). */
  name?: string;
  /** A SAELens folder (cfg.json + sae_weights.safetensors) with this source's weights: decoders and analyzeText. */
  saelens?: string;
  /** The model's width at the hook, where neither weights nor vectors nor model.jsonl give it. */
  dIn?: number;
  /** Where to copy the SAELens folder (it becomes the dictionary's weights_path). */
  weightsDir: (dictionaryId: number) => string;
  /** Scratch folder for the split pass (emptied first, removed at the end). */
  spillDir: string;
  /** Features per ingest chunk. */
  chunk?: number;
  onProgress?: (p: { stage: 'read' | 'ingest'; records: number; features: number; totalFeatures: number }) => void;
}

export interface NeuronpediaImportSummary {
  dictionaryId: number;
  name: string;
  modelId: string;
  sourceId: string;
  features: number;
  examples: number;
  explanations: number;
  /** Records read in the split pass (features + activations + explanations). */
  records: number;
  weightsPath: string | null;
  resumed: boolean;
}

/** Bad records reported at most; the count says how many more there were. */
const MAX_REPORTED = 50;

/** `batch-<n>.jsonl(.gz)` files of a folder in batch order (0, 1, ..., 10; not text order). */
function batchFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const number = (f: string) => Number(/(\d+)/.exec(f)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return readdirSync(dir)
    .filter((f) => /\.jsonl(\.gz)?$/.test(f))
    .sort((a, b) => number(a) - number(b) || a.localeCompare(b))
    .map((f) => join(dir, f));
}

/** The first row of a one-row .jsonl file beside the batches, checked; undefined if the file is absent. */
function readOneRow<T>(path: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(path)) return undefined;
  for (const { line, value } of readJsonLines(path)) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${path}:${line}: ${i.path.join('.') || 'row'}: ${i.message} — fix the row or remove the file (it is optional)`,
      );
    }
    return parsed.data;
  }
  return undefined;
}

/** Append-only bucket files of the split pass, buffered so the disk sees few large writes. */
class BucketSpill {
  private buffers = new Map<string, string[]>();
  private size = 0;
  readonly buckets = new Set<number>();
  constructor(private dir: string) {}

  add(kind: 'f' | 'a' | 'e', index: number, value: unknown): void {
    const bucket = Math.floor(index / NP_BATCH_SIZE);
    this.buckets.add(bucket);
    const file = `${kind}-${bucket}.jsonl`;
    const text = JSON.stringify(value) + '\n';
    const buffer = this.buffers.get(file);
    if (buffer) buffer.push(text);
    else this.buffers.set(file, [text]);
    this.size += text.length;
    if (this.size > 16 << 20) this.flush();
  }

  flush(): void {
    for (const [file, texts] of this.buffers) appendFileSync(join(this.dir, file), texts.join(''));
    this.buffers.clear();
    this.size = 0;
  }

  *read<T>(kind: 'f' | 'a' | 'e', bucket: number): Generator<T> {
    const path = join(this.dir, `${kind}-${bucket}.jsonl`);
    if (!existsSync(path)) return;
    for (const { value } of readJsonLines(path)) yield value as T;
  }
}

const fileTimes = new Map<string, string>();
function fileTime(path: string): string {
  let t = fileTimes.get(path);
  if (t === undefined) fileTimes.set(path, (t = statSync(path).mtime.toISOString()));
  return t;
}

/** What a record of Neuronpedia's JSON cannot hold, said so a person can fix it. */
function describeBadJson(text: string, err: Error): string {
  if (/(^|[^"\w])(-?Infinity|NaN)([^"\w]|$)/.test(text))
    return 'holds NaN or Infinity, which JSON cannot carry — write null or a finite number there (Python: json.dumps(..., allow_nan=False) finds them)';
  return `is not valid JSON (${err.message}) — the file may be truncated; download or export it again`;
}

/** Read, check and bucket every record; returns what pass 2 and the dictionary row need. */
async function splitPass(
  folder: string,
  spill: BucketSpill,
  onRecord: (records: number) => void,
): Promise<{
  modelId: string;
  sourceId: string;
  maxIndex: number;
  vectorWidth: number | null;
  hookName: string | null;
  records: number;
  features: number;
  explanations: number;
}> {
  const errors: string[] = [];
  let bad = 0;
  const report = (file: string, line: number, what: string) => {
    bad++;
    if (errors.length < MAX_REPORTED) errors.push(`${file}:${line}: ${what}`);
  };
  let key: { modelId: string; layer: string; file: string; line: number } | undefined;
  const seen = new Set<number>();
  let maxIndex = -1;
  let vectorWidth: number | null = null;
  let hookName: string | null = null;
  let records = 0;
  let explanations = 0;

  async function each<T extends { modelId: string; layer: string; index: number }>(
    files: string[],
    schema: z.ZodType<T>,
    what: string,
    use: (r: T, file: string, line: number) => void,
  ): Promise<void> {
    for (const file of files)
      for await (const { line, text } of streamTextLines(file)) {
        records++;
        if (records % 10_000 === 0) onRecord(records);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          report(file, line, `the ${what} ${describeBadJson(text, err as Error)}`);
          continue;
        }
        const parsed = schema.safeParse(value);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          const field = i.path.join('.') || '(record)';
          const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
          const missing = i.path.length === 1 && record[String(i.path[0])] === undefined;
          report(
            file,
            line,
            missing
              ? `${what} has no ${field} — every ${what} needs modelId, layer and index${what === 'activation' ? ', tokens, values, maxValue and maxValueTokenIndex' : what === 'explanation' ? ' and description' : ''}`
              : `${what} field ${field}: ${i.message} — fix the value (Neuronpedia's schema: apps/webapp/prisma/schema.prisma)`,
          );
          continue;
        }
        const r = parsed.data;
        if (!key) key = { modelId: r.modelId, layer: r.layer, file, line };
        else if (r.modelId !== key.modelId || r.layer !== key.layer) {
          report(
            file,
            line,
            `${what} is of ${r.modelId}/${r.layer} but ${key.file}:${key.line} is of ${key.modelId}/${key.layer} — import one source folder at a time`,
          );
          continue;
        }
        use(r, file, line);
      }
  }

  const featureFiles = batchFiles(join(folder, NP_FEATURES_DIR));
  if (featureFiles.length === 0)
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${folder}: no ${NP_FEATURES_DIR}/batch-<n>.jsonl.gz files; pass a source folder of a Neuronpedia export (<modelId>/<sourceId>/ with features/, activations/, explanations/)`,
    );
  await each(featureFiles, NeuronRecord, 'feature', (n, file, line) => {
    const mismatch = neuronMismatch(n);
    if (mismatch) return report(file, line, `feature ${n.index}: ${mismatch} — fix the record`);
    if (seen.has(n.index)) return report(file, line, `feature ${n.index} appears twice — keep one record per index`);
    const vector = n.vector?.length ? n.vector : null;
    if (vector) {
      if (vectorWidth === null) vectorWidth = vector.length;
      else if (vector.length !== vectorWidth)
        return report(
          file,
          line,
          `feature ${n.index}: vector has ${vector.length} values, earlier ones ${vectorWidth} — every vector must have the model's width`,
        );
    }
    hookName ??= n.hookName ?? null;
    seen.add(n.index);
    maxIndex = Math.max(maxIndex, n.index);
    spill.add('f', n.index, n);
  });
  await each(batchFiles(join(folder, NP_ACTIVATIONS_DIR)), ActivationRecord, 'activation', (a, file, line) => {
    if (!seen.has(a.index))
      return report(
        file,
        line,
        `activation of feature ${a.index}, which has no record in ${NP_FEATURES_DIR}/ — add the feature or drop the activation`,
      );
    spill.add('a', a.index, spillActivation(a));
  });
  await each(batchFiles(join(folder, NP_EXPLANATIONS_DIR)), ExplanationRecord, 'explanation', (e, file, line) => {
    if (!seen.has(e.index))
      return report(
        file,
        line,
        `explanation of feature ${e.index}, which has no record in ${NP_FEATURES_DIR}/ — add the feature or drop the explanation`,
      );
    explanations++;
    // Neuronpedia's exporter leaves createdAt out; the file's time keeps a rerun's rows equal to the first run's.
    spill.add('e', e.index, e.createdAt ? e : { ...e, createdAt: fileTime(file) });
  });
  spill.flush();
  if (bad > 0)
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${bad} malformed record${bad === 1 ? '' : 's'} in ${folder}; nothing was imported:\n${errors.join('\n')}${bad > errors.length ? `\n… and ${bad - errors.length} more` : ''}`,
    );
  if (!key) throw new AtlasError('SOURCE_MALFORMED', `${folder}: the ${NP_FEATURES_DIR}/ files hold no records`);
  return {
    modelId: key.modelId,
    sourceId: key.layer,
    maxIndex,
    vectorWidth,
    hookName,
    records,
    features: seen.size,
    explanations,
  };
}

/** SAELens' architecture names as the atlas' (`standard` is ReLU + L1). */
const ATLAS_ARCHITECTURE: Record<string, SaeArchitecture> = {
  standard: 'relu',
  topk: 'topk',
  jumprelu: 'jumprelu',
};

/** Import the Neuronpedia source folder `folder` as a dictionary (resuming an interrupted import of it). */
export async function importNeuronpedia(
  target: { dataSource: DataSource; bulkLoader: BulkLoader },
  folder: string,
  options: NeuronpediaImportOptions,
): Promise<NeuronpediaImportSummary> {
  const absolute = resolve(folder);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory())
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${folder}: no such folder; pass a source folder of a Neuronpedia export (<modelId>/<sourceId>/)`,
    );
  const sae: SaelensSae | undefined = options.saelens ? readSaelens(options.saelens) : undefined;
  const model = readOneRow(join(absolute, NP_MODEL_FILE), ModelRecord);
  const source = readOneRow(join(absolute, NP_SOURCE_FILE), SourceRecord);

  rmSync(options.spillDir, { recursive: true, force: true });
  mkdirSync(options.spillDir, { recursive: true });
  const spill = new BucketSpill(options.spillDir);
  try {
    const read = await splitPass(absolute, spill, (records) =>
      options.onProgress?.({ stage: 'read', records, features: 0, totalFeatures: 0 }),
    );
    const nLatents = Math.max(read.maxIndex + 1, sae?.dSae ?? 0);
    if (sae && read.maxIndex >= sae.dSae)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `--saelens ${options.saelens}: d_sae is ${sae.dSae} but the export has feature ${read.maxIndex}; pass the weights of source ${read.sourceId}`,
      );
    const width = sae ? decoderWidth(sae) : (read.vectorWidth ?? model?.dimension ?? options.dIn);
    if (!width)
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${folder}: the export has no vectors and no ${NP_MODEL_FILE} with a dimension, so the model's width is unknown; pass --d-in <width> (or --saelens <folder> with the weights)`,
      );
    const dIn = width;
    if (sae && read.vectorWidth !== null && read.vectorWidth !== dIn)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `--saelens ${options.saelens}: decoder rows have ${dIn} values but the export's vectors ${read.vectorWidth}; pass the weights of source ${read.sourceId}`,
      );
    const name = options.name ?? read.sourceId;
    const hookPoint =
      read.hookName ??
      (sae ? saelensProvenance(sae.cfg).hookName : null) ??
      (source?.saelensConfig ? saelensProvenance(source.saelensConfig as Record<string, unknown>).hookName : null) ??
      `neuronpedia:${read.sourceId}`;

    const q = target.dataSource;
    // An earlier run of this import that did not finish: resume it. One that finished: refuse a silent duplicate.
    const earlier = await findNeuronpediaImports(q, name, absolute);
    const done = earlier.find((d) => d.status !== 'pending');
    if (done)
      throw new AtlasError(
        'OUTPUT_EXISTS',
        `${folder} is already imported as dictionary ${done.id} (${name}); pass --name <another name> to import it again`,
      );
    let id: number | undefined;
    let resumed = false;
    for (const d of earlier) {
      if (id === undefined && d.d_in === dIn && d.n_latents === nLatents) {
        id = d.id;
        resumed = true;
      } else await deleteDictionary(q, d.id); // a different shape (other --saelens): start over
    }
    id ??= await insertDictionary(q, {
      name,
      model: read.modelId,
      corpus: source?.dataset ?? null,
      hook_point: hookPoint,
      architecture: sae ? (ATLAS_ARCHITECTURE[sae.architecture] ?? 'relu') : 'relu',
      d_in: dIn,
      n_latents: nLatents,
      k: sae?.k ?? null,
      l1_coefficient: null,
      hyperparameters: {
        neuronpedia: {
          modelId: read.modelId,
          sourceId: read.sourceId,
          folder: absolute,
          dataset: source?.dataset ?? null,
          hfRepoId: source?.hfRepoId ?? null,
          hfFolderId: source?.hfFolderId ?? null,
          weights: sae ? 'saelens' : read.vectorWidth ? 'vectors' : 'none',
        },
      },
      metrics: {},
      curves: {},
      status: 'pending',
      weights_path: null,
    });
    const dictionaryId = id;

    options.onProgress?.({ stage: 'ingest', records: read.records, features: 0, totalFeatures: read.features });
    let pendingExamples = new Map<number, ExampleRecord[]>();
    let examples = 0; // all of them: on a resume, ingest counts only the ones it loaded
    async function* features(): AsyncGenerator<FeatureRecord> {
      for (const bucket of [...spill.buckets].sort((a, b) => a - b)) {
        const labels = new Map<number, string>();
        for (const e of spill.read<ExplanationRecord>('e', bucket))
          if (!labels.has(e.index)) labels.set(e.index, e.description);
        const acts = new Map<number, SpilledActivation[]>();
        for (const a of spill.read<SpilledActivation>('a', bucket)) {
          const list = acts.get(a.featureIndex);
          if (list) list.push(a);
          else acts.set(a.featureIndex, [a]);
        }
        const neurons = [...spill.read<NeuronRecord>('f', bucket)].sort((a, b) => a.index - b.index);
        pendingExamples = new Map();
        for (const n of neurons) {
          const own = examplesFromActivations(acts.get(n.index) ?? []);
          examples += own.length;
          pendingExamples.set(n.index, own);
          const decoder = sae
            ? sae.wDec.slice(n.index * dIn, (n.index + 1) * dIn)
            : n.vector?.length
              ? Float32Array.from(n.vector)
              : null;
          yield { ...featureFromNeuron(n, labels.get(n.index) ?? null), decoder };
        }
      }
    }
    const ingested = await ingestDictionary(
      target,
      { id: dictionaryId, dIn, nLatents },
      features(),
      (index) => pendingExamples.get(index) ?? [],
      {
        resume: resumed,
        chunk: options.chunk,
        onProgress: (p) =>
          options.onProgress?.({
            stage: 'ingest',
            records: read.records,
            features: p.features,
            totalFeatures: read.features,
          }),
      },
    );

    let weightsPath: string | null = null;
    if (options.saelens) {
      weightsPath = options.weightsDir(dictionaryId);
      rmSync(weightsPath, { recursive: true, force: true }); // a copy an interrupted run of this import began
      cpSync(options.saelens, weightsPath, { recursive: true });
    }
    const importedAt = new Date().toISOString();
    await q.transaction(async (t) => {
      await deleteExplanations(t, dictionaryId);
      for (const bucket of [...spill.buckets].sort((a, b) => a - b)) {
        // Feature order, file order within a feature: the order Neuronpedia listed them.
        const rows: ExplanationRow[] = [...spill.read<ExplanationRecord>('e', bucket)]
          .map((e, i) => ({ e, i }))
          .sort((a, b) => a.e.index - b.e.index || a.i - b.i)
          .map(({ e }) => explanationFromRecord(e, importedAt));
        await insertExplanations(t, dictionaryId, rows);
      }
      await setDictionaryStatus(t, dictionaryId, 'ready', weightsPath);
    });
    return {
      dictionaryId,
      name,
      modelId: read.modelId,
      sourceId: read.sourceId,
      features: ingested.features,
      examples,
      explanations: read.explanations,
      records: read.records,
      weightsPath,
      resumed,
    };
  } finally {
    rmSync(options.spillDir, { recursive: true, force: true });
  }
}

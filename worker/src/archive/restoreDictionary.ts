// Archive restore: an export folder (exportFormat.ts) becomes a new dictionary: the row, then features with their
// decoders and examples through the bulk ingest (staged, swapped in at once), then explanations, then the links whose
// other dictionary exists here. Files stream line by line, so memory stays bounded by one ingest chunk. (Not the
// SAE import of `worker analyze`, nor the activation import of sources/importActivations.ts.)
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { byField, EXAMPLE_COLUMNS, FEATURE_VALUE_COLUMNS, type BulkLoader } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { AtlasError } from '../errors.js';
import { WEIGHTS_FILE } from '../engine/sae/saelensFormat.js';
import { readJsonLines } from '../formats/jsonLines.js';
import { SafetensorsFile } from '../formats/safetensors.js';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '../ingest/ingestDictionary.js';
import { deleteDictionary, findDictionaryIds, insertDictionary, setDictionaryStatus } from '../store/dictionaryRows.js';
import { insertExplanations, type ExplanationRow } from '../store/explanationRows.js';
import { insertLinks } from '../store/linkRows.js';
import {
  DECODER_TENSOR,
  DECODERS_FILE,
  DICTIONARY_FILE,
  EXAMPLES_FILE,
  EXPLANATIONS_FILE,
  ExampleLine,
  ExplanationLine,
  ExportedDictionary,
  FEATURES_FILE,
  FeatureLine,
  LINKS_FILE,
  LinkLine,
  WEIGHTS_DIR,
} from './exportFormat.js';

export interface RestoreOptions {
  /** Where to copy the SAELens weights folder (it becomes the dictionary's weights_path); must not exist. */
  weightsDir: (dictionaryId: number) => string;
  /** A name for the new dictionary instead of the exported one. */
  name?: string;
  onProgress?: (p: { features: number; totalFeatures: number }) => void;
}

export interface RestoreSummary {
  dictionaryId: number;
  features: number;
  examples: number;
  explanations: number;
  links: number;
  /** Links whose other dictionary is not in this database (matched by name, hook point and size). */
  linksSkipped: number;
  weightsPath: string | null;
}

/** Lines of a .jsonl file checked against `schema`; a bad line fails naming the file, line and field. */
function* lines<T>(path: string, schema: z.ZodType<T>): Generator<T> {
  for (const { line, value } of readJsonLines(path)) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AtlasError('SOURCE_MALFORMED', `${path}: line ${line}: ${i.path.join('.') || '(line)'}: ${i.message}`);
    }
    yield parsed.data;
  }
}

/** Read and check dictionary.json of an export folder. */
export function readExportManifest(folder: string): ExportedDictionary {
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new AtlasError('SOURCE_NOT_FOUND', `${folder}: no such folder; pass a folder written by \`worker export\``);
  const path = join(folder, DICTIONARY_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: cannot read (${(err as Error).message}); an export folder holds ${DICTIONARY_FILE}, ${FEATURES_FILE} and the rest written by \`worker export\``,
      { cause: err },
    );
  }
  const parsed = ExportedDictionary.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: ${i.path.join('.')}: ${i.message}; is this a feature-atlas export of a newer version?`,
    );
  }
  return parsed.data;
}

/** Restore an export folder into the database as a new dictionary. */
export async function restoreDictionary(
  target: { dataSource: DataSource; bulkLoader: BulkLoader },
  folder: string,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  const manifest = readExportManifest(folder);
  const d = manifest.dictionary;
  const { d_in: dIn, n_latents: nLatents } = d;
  const weightsSource = join(folder, WEIGHTS_DIR);
  if (manifest.weights.encoder && !existsSync(join(weightsSource, WEIGHTS_FILE)))
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${weightsSource}: missing ${WEIGHTS_FILE}, which ${DICTIONARY_FILE} says holds the encoder; copy the whole export folder`,
    );
  const decodersPath = join(folder, DECODERS_FILE);
  const decoders = new SafetensorsFile(decodersPath);
  const q = target.dataSource;
  let id: number | undefined;
  let weightsPath: string | null = null;
  try {
    const shape = decoders.tensors.get(DECODER_TENSOR)?.shape;
    if (!shape)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${decodersPath}: missing tensor ${DECODER_TENSOR} [${nLatents}, ${dIn}]`,
      );
    if (shape.join(',') !== `${nLatents},${dIn}`)
      throw new AtlasError(
        'SOURCE_SHAPE_MISMATCH',
        `${decodersPath}: ${DECODER_TENSOR} is [${shape.join(', ')}] but ${DICTIONARY_FILE} (d_in=${dIn}, n_latents=${nLatents}) needs [${nLatents}, ${dIn}]`,
      );
    id = await insertDictionary(q, {
      name: options.name ?? d.name,
      model: d.model,
      corpus: d.corpus,
      hook_point: d.hook_point,
      architecture: d.architecture,
      d_in: dIn,
      n_latents: nLatents,
      k: d.k,
      l1_coefficient: d.l1_coefficient,
      hyperparameters: d.hyperparameters,
      metrics: d.metrics,
      curves: d.curves,
      status: 'pending',
      weights_path: null,
    });

    const featuresPath = join(folder, FEATURES_FILE);
    function* features(): Generator<FeatureRecord> {
      let previous = -1;
      for (const f of lines(featuresPath, FeatureLine)) {
        if (f.index <= previous || f.index >= nLatents)
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `${featuresPath}: feature ${f.index} is out of order or past n_latents=${nLatents}; lines must be sorted by index`,
          );
        previous = f.index;
        yield {
          index: f.index,
          decoder: decoders.readRows(DECODER_TENSOR, f.index, 1),
          // The columns are nullable and ingest passes null through; FeatureRecord types what analysis produces.
          ...(byField(FEATURE_VALUE_COLUMNS, f) as Omit<FeatureRecord, 'index' | 'decoder'>),
        };
      }
    }
    // examples.jsonl is sorted by feature like features.jsonl, so one cursor walks both in step.
    const examplesPath = join(folder, EXAMPLES_FILE);
    const exampleCursor = lines(examplesPath, ExampleLine);
    let pending: IteratorResult<ExampleLine> = exampleCursor.next();
    const examplesOf = (index: number): ExampleRecord[] => {
      const out: ExampleRecord[] = [];
      while (!pending.done && pending.value.feature_index <= index) {
        const e = pending.value;
        if (e.feature_index < index)
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `${examplesPath}: an example of feature ${e.feature_index} comes after feature ${index}'s, or its feature is missing from ${FEATURES_FILE}; lines must be sorted by feature_index`,
          );
        out.push(byField(EXAMPLE_COLUMNS, e));
        pending = exampleCursor.next();
      }
      return out;
    };
    const ingested = await ingestDictionary(target, { id, dIn, nLatents }, features(), examplesOf, {
      onProgress: (p) => options.onProgress?.({ features: p.features, totalFeatures: p.totalFeatures }),
    });
    if (!pending.done)
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${examplesPath}: examples of feature ${pending.value.feature_index} have no line in ${FEATURES_FILE}`,
      );

    const explanations: ExplanationRow[] = [...lines(join(folder, EXPLANATIONS_FILE), ExplanationLine)];
    await insertExplanations(q, id, explanations);

    const others = new Map<string, number | undefined>();
    const linkRows: [number, number, number, number, number, number][] = [];
    let linksSkipped = 0;
    for (const l of lines(join(folder, LINKS_FILE), LinkLine)) {
      const key = JSON.stringify([l.other.name, l.other.hook_point, l.other.n_latents]);
      if (!others.has(key)) {
        const found = await findDictionaryIds(q, l.other, id);
        // Several candidates: no way to tell which one the export meant, so link none.
        others.set(key, found.length === 1 ? found[0] : undefined);
      }
      const other = others.get(key);
      if (other === undefined) {
        linksSkipped++;
        continue;
      }
      linkRows.push(
        l.direction === 'out'
          ? [id, l.feature_index, other, l.rank, l.other_index, l.cosine]
          : [other, l.feature_index, id, l.rank, l.other_index, l.cosine],
      );
    }
    await insertLinks(q, linkRows);

    if (manifest.weights.encoder) {
      const dest = options.weightsDir(id);
      if (existsSync(dest))
        throw new AtlasError('OUTPUT_EXISTS', `${dest} already exists; remove it or restore into another data dir`);
      cpSync(weightsSource, dest, { recursive: true });
      weightsPath = dest;
    }
    // The decoder-only folder is rebuilt from the rows on the next export, so it needs no weights_path.
    await setDictionaryStatus(q, id, d.status, weightsPath);
    return {
      dictionaryId: id,
      features: ingested.features,
      examples: ingested.examples,
      explanations: explanations.length,
      links: linkRows.length,
      linksSkipped,
      weightsPath,
    };
  } catch (err) {
    // A half-restored dictionary is removed (its rows cascade), so running the restore again starts clean.
    if (id !== undefined) await deleteDictionary(q, id);
    if (weightsPath) rmSync(weightsPath, { recursive: true, force: true });
    throw err;
  } finally {
    decoders.close();
  }
}

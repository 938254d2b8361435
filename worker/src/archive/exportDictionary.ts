// Export one dictionary to a folder of open formats (layout in exportFormat.ts). Everything is written into
// `<out>.partial` and renamed at the end, so a folder at `<out>` is always complete.
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decoderColumn, FEATURE_VALUE_COLUMNS } from '@atlas/migrations';
import { AtlasError } from '../errors.js';
import { CFG_FILE, WEIGHTS_FILE } from '../engine/sae/saelensFormat.js';
import { JsonLinesWriter } from '../formats/jsonLines.js';
import { SafetensorsRowWriter } from '../formats/safetensorsRowWriter.js';
import { readDictionary, type DictionaryRow } from '../store/dictionaryRows.js';
import { readExamplePage, type ExampleKey } from '../store/exampleRows.js';
import { readExplanations } from '../store/explanationRows.js';
import { readFeaturePage, type FeatureRow } from '../store/featureRows.js';
import { readLinks } from '../store/linkRows.js';
import type { Queryable } from '../store/queryable.js';
import {
  DECODER_TENSOR,
  DECODERS_FILE,
  DICTIONARY_FILE,
  EXAMPLES_FILE,
  EXPLANATIONS_FILE,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  FEATURES_FILE,
  LINKS_FILE,
  WEIGHTS_DIR,
  type ExportedDictionary,
  type FeatureLine,
} from './exportFormat.js';

/** Rows per query: large enough to amortise the round trip, small enough to bound memory. */
const PAGE = 2000;

/** SAELens' names for our architectures (BatchTopK runs as JumpReLU at inference, ReLU+L1 is `standard`). */
const SAELENS_ARCHITECTURE: Record<string, string> = {
  topk: 'topk',
  batchtopk: 'jumprelu',
  relu: 'standard',
  jumprelu: 'jumprelu',
};

export interface ExportProgress {
  stage: 'features' | 'examples' | 'explanations' | 'links' | 'weights';
  /** Rows written in this stage so far. */
  rows: number;
  features: number;
  totalFeatures: number;
}

/** What was written. */
export type ExportSummary = ExportedDictionary['counts'] & { out: string; encoder: boolean };

function isSaelensFolder(path: string | null): path is string {
  return (
    path !== null &&
    existsSync(join(path, CFG_FILE)) &&
    existsSync(join(path, WEIGHTS_FILE)) &&
    statSync(path).isDirectory()
  );
}

/** cfg.json of a SAELens folder with W_dec only, for a dictionary whose trained weights are not on this machine. */
function writeDecoderOnlyCfg(dir: string, d: DictionaryRow): void {
  const cfg = {
    architecture: SAELENS_ARCHITECTURE[d.architecture] ?? d.architecture,
    d_in: d.d_in,
    d_sae: d.n_latents,
    dtype: 'float32',
    model_name: d.model,
    hook_name: d.hook_point,
    ...(d.k !== null ? { k: d.k, activation_fn_kwargs: { k: d.k } } : {}),
    normalize_activations: 'none',
    atlas: {
      architecture: d.architecture,
      encoder_absent: true,
      note: 'W_dec holds the decoder rows stored in the atlas; W_enc, b_enc and b_dec were not available',
    },
  };
  writeFileSync(join(dir, CFG_FILE), JSON.stringify(cfg, null, 2) + '\n');
}

/** features.jsonl's line of a stored feature: its index and every value column, as stored. */
function featureLine(f: FeatureRow): FeatureLine {
  const line: Record<string, unknown> = { index: f.index };
  for (const c of FEATURE_VALUE_COLUMNS) line[c.name] = f[c.name];
  // The jsonb columns hold what the line schema describes (analysis wrote them); import checks them again.
  return line as FeatureLine;
}

/** Write dictionary `id` to `out` (which must not exist); the folder appears only when complete. */
export async function exportDictionary(
  q: Queryable,
  id: number,
  out: string,
  options: {
    /** Awaited, so a job can renew its lease or stop the export here (a throw removes the partial folder). */
    onProgress?: (p: ExportProgress) => void | Promise<void>;
    pageRows?: number;
  } = {},
): Promise<ExportSummary> {
  const { onProgress, pageRows = PAGE } = options;
  if (existsSync(out))
    throw new AtlasError('OUTPUT_EXISTS', `--out ${out} already exists; pick a new folder or remove it first`);
  const d = await readDictionary(q, id);
  if (!d)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--dictionary ${id}: no such dictionary; list them with SELECT id, name FROM dictionaries`,
    );
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true }); // left by an interrupted export
  mkdirSync(partial, { recursive: true });
  // Everything opened, so a failure closes it before the partial folder goes.
  const writers: { abort(): void }[] = [];
  try {
    const { d_in: dIn, n_latents: nLatents } = d;
    const half = decoderColumn(dIn).type === 'halfvec';
    const weightsDir = join(partial, WEIGHTS_DIR);
    const copied = isSaelensFolder(d.weights_path);
    // Decoder rows stream to disk as they are read: a wide dictionary's decoder need not fit in memory.
    const decoders = new SafetensorsRowWriter(
      join(partial, DECODERS_FILE),
      DECODER_TENSOR,
      [nLatents, dIn],
      half ? 'float16' : 'float32',
    );
    writers.push(decoders);
    let wDec: SafetensorsRowWriter | undefined;
    if (!copied) {
      mkdirSync(weightsDir);
      wDec = new SafetensorsRowWriter(join(weightsDir, WEIGHTS_FILE), 'W_dec', [nLatents, dIn]);
      writers.push(wDec);
    }

    const features = new JsonLinesWriter(join(partial, FEATURES_FILE));
    writers.push({ abort: () => features.close() });
    for (let after = -1; ;) {
      const page = await readFeaturePage(q, id, after, pageRows);
      for (const f of page) {
        if (f.index >= nLatents)
          throw new AtlasError(
            'SOURCE_MALFORMED',
            `dictionary ${id}: feature ${f.index} is past n_latents=${nLatents}; re-run the analysis`,
          );
        if (f.decoder) {
          decoders.writeRow(f.index, f.decoder);
          wDec?.writeRow(f.index, f.decoder);
        }
        features.write(featureLine(f));
      }
      await onProgress?.({
        stage: 'features',
        rows: features.count,
        features: features.count,
        totalFeatures: nLatents,
      });
      if (page.length < pageRows) break;
      after = page[page.length - 1].index;
    }
    features.close();

    const examples = new JsonLinesWriter(join(partial, EXAMPLES_FILE));
    writers.push({ abort: () => examples.close() });
    for (let after: ExampleKey = [-1, '', 0, 0]; ;) {
      const page = await readExamplePage(q, id, after, pageRows);
      for (const e of page) examples.write(e);
      await onProgress?.({
        stage: 'examples',
        rows: examples.count,
        features: features.count,
        totalFeatures: nLatents,
      });
      if (page.length < pageRows) break;
      const last = page[page.length - 1];
      after = [last.feature_index, last.kind, last.bin, last.rank];
    }
    examples.close();

    const explanations = new JsonLinesWriter(join(partial, EXPLANATIONS_FILE));
    writers.push({ abort: () => explanations.close() });
    for (const e of await readExplanations(q, id)) explanations.write(e);
    explanations.close();
    await onProgress?.({
      stage: 'explanations',
      rows: explanations.count,
      features: features.count,
      totalFeatures: nLatents,
    });

    const links = new JsonLinesWriter(join(partial, LINKS_FILE));
    writers.push({ abort: () => links.close() });
    for (const l of await readLinks(q, id))
      links.write({
        direction: l.direction,
        other: {
          id: l.other_dictionary_id,
          name: l.other_name,
          hook_point: l.other_hook_point,
          n_latents: l.other_n_latents,
        },
        feature_index: l.feature_index,
        rank: l.rank,
        other_index: l.other_index,
        cosine: l.cosine,
      });
    links.close();
    await onProgress?.({ stage: 'links', rows: links.count, features: features.count, totalFeatures: nLatents });

    decoders.close();
    if (wDec) {
      wDec.close();
      writeDecoderOnlyCfg(weightsDir, d);
    } else cpSync(d.weights_path!, weightsDir, { recursive: true });
    await onProgress?.({ stage: 'weights', rows: nLatents, features: features.count, totalFeatures: nLatents });

    const counts = {
      features: features.count,
      examples: examples.count,
      explanations: explanations.count,
      links: links.count,
    };
    const manifest: ExportedDictionary = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exported_at: new Date().toISOString(),
      dictionary: {
        id: d.id,
        name: d.name,
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
        status: d.status,
        created_at: d.created_at,
        updated_at: d.updated_at,
      },
      counts,
      weights: copied
        ? { source: 'weights_path', encoder: true }
        : {
            source: 'decoder rows',
            encoder: false,
            note: `the dictionary's trained SAELens folder was not on the exporting machine, so ${WEIGHTS_DIR}/ holds W_dec from the stored decoder rows and no encoder`,
          },
      decoders: { tensor: DECODER_TENSOR, dtype: half ? 'float16' : 'float32' },
    };
    writeFileSync(join(partial, DICTIONARY_FILE), JSON.stringify(manifest, null, 2) + '\n');
    renameSync(partial, out);
    return { ...counts, out, encoder: copied };
  } catch (err) {
    for (const w of writers) w.abort();
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

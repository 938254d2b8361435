// Export of a dictionary as a Neuronpedia source folder (layout in neuronpediaFormat.ts), so its dashboards can be
// handed to Neuronpedia or read back with `import-neuronpedia`. Batch n of each kind holds features n*1024 up to
// (n+1)*1024 - 1. Written into `<out>.partial` and renamed at the end, so a folder at `<out>` is always complete.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.js';
import { GzipJsonLinesWriter } from '../formats/jsonLines.js';
import { readDictionary, type DictionaryRow } from '../store/dictionaryRows.js';
import { readExamplePage, type ExampleKey, type ExampleRow } from '../store/exampleRows.js';
import { readExplanations } from '../store/explanationRows.js';
import { readFeaturePage } from '../store/featureRows.js';
import type { Queryable } from '../store/queryable.js';
import {
  activationFromExample,
  explanationRecordFromRow,
  neuronFromFeature,
  DEFAULT_NP_CREATOR_ID,
  neuronpediaId,
  quantileBinBounds,
  NP_ACTIVATIONS_DIR,
  NP_BATCH_SIZE,
  NP_EXPLANATIONS_DIR,
  NP_FEATURES_DIR,
  NP_MODEL_FILE,
  NP_SOURCE_FILE,
  NP_SOURCESET_FILE,
  type NeuronpediaNames,
} from './neuronpediaFormat.js';

export interface NeuronpediaExportSummary extends NeuronpediaNames {
  out: string;
  features: number;
  activations: number;
  explanations: number;
}

/**
 * Where the dictionary goes on Neuronpedia: the ids it was imported under, else its model's name and its own name
 * (made URL-safe). docs/neuronpedia-format.md has the mapping.
 */
export function neuronpediaNames(d: DictionaryRow): NeuronpediaNames {
  const np = (d.hyperparameters.neuronpedia ?? {}) as { modelId?: unknown; sourceId?: unknown };
  return {
    modelId: typeof np.modelId === 'string' ? np.modelId : neuronpediaId(d.model ?? 'atlas-model'),
    sourceId: typeof np.sourceId === 'string' ? np.sourceId : neuronpediaId(d.name),
  };
}

/** One gzipped batch file per 1,024 features, opened when its first row comes. */
class BatchFiles {
  private current: { batch: number; writer: GzipJsonLinesWriter } | undefined;
  count = 0;
  constructor(private dir: string) {
    mkdirSync(dir);
  }

  async write(featureIndex: number, value: unknown): Promise<void> {
    const batch = Math.floor(featureIndex / NP_BATCH_SIZE);
    if (this.current?.batch !== batch) {
      await this.current?.writer.close();
      this.current = { batch, writer: new GzipJsonLinesWriter(join(this.dir, `batch-${batch}.jsonl.gz`)) };
    }
    await this.current.writer.write(value);
    this.count++;
  }

  async close(): Promise<void> {
    await this.current?.writer.close();
    this.current = undefined;
  }
}

const oneRow = (path: string, row: unknown) => writeFileSync(path, JSON.stringify(row) + '\n');

/** Write dictionary `id` to `out` (which must not exist) as a Neuronpedia source folder. */
export async function exportNeuronpedia(
  q: Queryable,
  id: number,
  out: string,
  options: { creatorId?: string; onProgress?: (p: { stage: string; rows: number }) => void } = {},
): Promise<NeuronpediaExportSummary> {
  const creatorId = options.creatorId ?? DEFAULT_NP_CREATOR_ID;
  if (existsSync(out))
    throw new AtlasError('OUTPUT_EXISTS', `--out ${out} already exists; pick a new folder or remove it first`);
  const d = await readDictionary(q, id);
  if (!d)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `dictionary ${id}: no such dictionary; list them with SELECT id, name FROM dictionaries`,
    );
  const names = neuronpediaNames(d);
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true }); // left by an interrupted export
  mkdirSync(partial, { recursive: true });
  const files: BatchFiles[] = [];
  try {
    const np = (d.hyperparameters.neuronpedia ?? {}) as Record<string, unknown>;
    const setName = names.sourceId.replace(/^\d+-/, '');
    oneRow(join(partial, NP_MODEL_FILE), {
      id: names.modelId,
      displayName: d.model ?? names.modelId,
      displayNameShort: d.model ?? names.modelId,
      instruct: names.modelId.endsWith('-it'),
      creatorId,
      // The width at the hook: what the import reads back as d_in when no vectors or weights come with it.
      dimension: d.d_in,
      visibility: 'PUBLIC',
    });
    oneRow(join(partial, NP_SOURCE_FILE), {
      id: names.sourceId,
      modelId: names.modelId,
      setName,
      creatorId,
      hasDashboards: true,
      visibility: 'PUBLIC',
      dataset: d.corpus ?? np.dataset ?? null,
      hfRepoId: np.hfRepoId ?? null,
      hfFolderId: np.hfFolderId ?? null,
      saelensConfig: null,
    });
    oneRow(join(partial, NP_SOURCESET_FILE), {
      modelId: names.modelId,
      name: setName,
      creatorId,
      creatorName: 'feature atlas',
      description: `${d.name} (${d.hook_point}, ${d.n_latents} features)`,
      visibility: 'PUBLIC',
    });

    const features = new BatchFiles(join(partial, NP_FEATURES_DIR));
    files.push(features);
    for (let after = -1; ;) {
      const page = await readFeaturePage(q, id, after, NP_BATCH_SIZE);
      for (const f of page)
        await features.write(f.index, neuronFromFeature(f, names, d.hook_point, creatorId, np.weights === 'vectors'));
      options.onProgress?.({ stage: 'features', rows: features.count });
      if (page.length < NP_BATCH_SIZE) break;
      after = page[page.length - 1].index;
    }
    await features.close();

    const activations = new BatchFiles(join(partial, NP_ACTIVATIONS_DIR));
    files.push(activations);
    // A feature's examples are buffered so each quantile bin's bounds are known before its rows are written.
    let held: ExampleRow[] = [];
    const writeHeld = async () => {
      const bins = quantileBinBounds(held);
      for (const e of held)
        await activations.write(
          e.feature_index,
          activationFromExample(e, names, creatorId, e.kind === 'quantile' ? bins.get(e.bin)! : null),
        );
      held = [];
    };
    for (let after: ExampleKey = [-1, '', 0, 0]; ;) {
      const page = await readExamplePage(q, id, after, 2000);
      for (const e of page) {
        if (held.length && held[0].feature_index !== e.feature_index) await writeHeld();
        held.push(e);
      }
      options.onProgress?.({ stage: 'activations', rows: activations.count });
      if (page.length < 2000) break;
      const last = page[page.length - 1];
      after = [last.feature_index, last.kind, last.bin, last.rank];
    }
    await writeHeld();
    await activations.close();

    const explanations = new BatchFiles(join(partial, NP_EXPLANATIONS_DIR));
    files.push(explanations);
    let n = 0;
    for (const e of await readExplanations(q, id))
      await explanations.write(
        e.feature_index,
        explanationRecordFromRow(e, names, `${names.sourceId}-${e.feature_index}-${n++}`, creatorId),
      );
    await explanations.close();

    renameSync(partial, out);
    return {
      ...names,
      out,
      features: features.count,
      activations: activations.count,
      explanations: explanations.count,
    };
  } catch (err) {
    await Promise.allSettled(files.map((f) => f.close()));
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

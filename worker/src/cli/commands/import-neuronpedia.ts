// `worker import-neuronpedia <folder>`: a source folder of a Neuronpedia export (features/, activations/,
// explanations/ as gzipped JSON lines) becomes a browse-only dictionary, or a complete one with `--saelens`.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { importNeuronpedia } from '../../archive/importNeuronpedia.js';
import { loadWorkerConfig } from '../../config.js';
import { parseNumber } from '../parseArgs.js';

export function registerImportNeuronpedia(program: Command): void {
  program
    .command('import-neuronpedia')
    .description(
      "a Neuronpedia export's source folder (<modelId>/<sourceId>/) becomes a dictionary; rerun after an interruption to resume",
    )
    .argument('<folder>', 'the source folder: features/, activations/, explanations/ of batch-<n>.jsonl.gz')
    .option('--name <name>', 'name of the new dictionary (default: the source id, e.g. 6-res-jb)')
    .option(
      '--saelens <dir>',
      "the source's SAELens weights (cfg.json + sae_weights.safetensors): decoders and analyzeText",
    )
    .option('--d-in <width>', "the model's width at the hook, when the export has no vectors, model.jsonl or weights")
    .option('--chunk <features>', 'features per ingest chunk', '1000')
    .action(async (folder: string, flags: { name?: string; saelens?: string; dIn?: string; chunk: string }) => {
      const config = loadWorkerConfig();
      const db = await openDatabase(config.db);
      const tag = createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 16);
      try {
        const s = await importNeuronpedia(db, folder, {
          name: flags.name,
          saelens: flags.saelens,
          dIn: flags.dIn === undefined ? undefined : parseNumber('--d-in', flags.dIn, { integer: true, min: 1 }),
          chunk: parseNumber('--chunk', flags.chunk, { integer: true, min: 1 }),
          // Weights and scratch live with the rest of the local state.
          weightsDir: (id) => join(config.db.dataDir, 'dictionaries', String(id)),
          spillDir: join(config.db.dataDir, 'imports', `neuronpedia-${tag}`),
          onProgress: (p) => {
            if (p.stage === 'read') process.stderr.write(`import-neuronpedia: read ${p.records} records\n`);
            else process.stderr.write(`import-neuronpedia: ingested ${p.features}/${p.totalFeatures} features\n`);
          },
        });
        console.log(
          `imported ${folder} (${s.modelId}/${s.sourceId}) as dictionary ${s.dictionaryId} "${s.name}": ${s.features} features, ${s.examples} examples, ${s.explanations} explanations${s.resumed ? ' (resumed an interrupted import)' : ''}; ${s.weightsPath ? `weights in ${s.weightsPath}` : 'browse-only (no weights: pass --saelens <dir> to analyze text)'}`,
        );
      } finally {
        await db.close();
      }
    });
}

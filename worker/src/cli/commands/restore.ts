// `worker restore <folder>` (also `import-export`): the archive restore of a folder written by `worker export`.
import { join } from 'node:path';
import { openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { restoreDictionary } from '../../archive/restoreDictionary.js';
import { loadWorkerConfig } from '../../config.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .alias('import-export')
    .description(
      'archive restore: a folder written by `worker export` becomes a new dictionary (links only to dictionaries present here)',
    )
    .argument('<folder>', 'the export folder')
    .option('--name <name>', 'name of the new dictionary (default: the exported name)')
    .action(async (folder: string, flags: { name?: string }) => {
      const config = loadWorkerConfig();
      const db = await openDatabase(config.db);
      try {
        const s = await restoreDictionary(db, folder, {
          name: flags.name,
          // Weights live with the rest of the local state, one folder per dictionary.
          weightsDir: (id) => join(config.db.dataDir, 'dictionaries', String(id)),
          onProgress: (p) => process.stderr.write(`restore: ${p.features}/${p.totalFeatures} features\n`),
        });
        console.log(
          `imported ${folder} as dictionary ${s.dictionaryId}: ${s.features} features, ${s.examples} examples, ${s.explanations} explanations, ${s.links} links${s.linksSkipped ? ` (${s.linksSkipped} skipped: their other dictionary is not in this database)` : ''}${s.weightsPath ? `, weights in ${s.weightsPath}` : ''}`,
        );
      } finally {
        await db.close();
      }
    });
}

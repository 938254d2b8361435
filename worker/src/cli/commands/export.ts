// `worker export --dictionary <id> --out <folder>`: everything the atlas knows about a dictionary, in open formats.
import { openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { exportDictionary } from '../../archive/exportDictionary.js';
import { loadWorkerConfig } from '../../config.js';
import { AtlasError } from '../../errors.js';
import { parseNumber } from '../parseArgs.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a dictionary (features, examples, explanations, links, weights) to a folder of open formats')
    .option('--dictionary <id>', 'the dictionary to export')
    .option('--out <folder>', 'where to write it (must not exist; written to <folder>.partial, then renamed)')
    .action(async (flags: { dictionary?: string; out?: string }) => {
      if (flags.dictionary === undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--dictionary is required: the id of the dictionary to export');
      if (!flags.out) throw new AtlasError('ARGUMENT_INVALID', '--out is required: the folder to write the export to');
      const id = parseNumber('--dictionary', flags.dictionary, { integer: true, min: 1 });
      const config = loadWorkerConfig();
      const db = await openDatabase(config.db);
      try {
        const s = await exportDictionary(db.dataSource, id, flags.out, {
          onProgress: (p) => {
            process.stderr.write(`export: ${p.stage} ${p.rows.toLocaleString('en-US')}\n`);
          },
        });
        console.log(
          `exported dictionary ${id} to ${s.out}: ${s.features} features, ${s.examples} examples, ${s.explanations} explanations, ${s.links} links, weights ${s.encoder ? 'with encoder' : 'decoder only (no encoder stored)'}`,
        );
      } finally {
        await db.close();
      }
    });
}

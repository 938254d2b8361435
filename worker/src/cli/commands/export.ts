// `worker export <dictionary> --out <folder> [--format atlas|neuronpedia]`: everything the atlas knows about a
// dictionary in open formats, or its dashboards as a Neuronpedia source folder.
import { openDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { exportDictionary } from '../../archive/exportDictionary.js';
import { exportNeuronpedia } from '../../archive/exportNeuronpedia.js';
import { DEFAULT_NP_CREATOR_ID } from '../../archive/neuronpediaFormat.js';
import { loadWorkerConfig } from '../../config.js';
import { AtlasError } from '../../errors.js';
import { findDictionaryIdsByName } from '../../store/dictionaryRows.js';
import { parseNumber } from '../parseArgs.js';

const FORMATS = ['atlas', 'neuronpedia'] as const;

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a dictionary (features, examples, explanations, links, weights) to a folder of open formats, or (--format neuronpedia) as a Neuronpedia source folder',
    )
    .argument('[dictionary]', 'the dictionary to export: its id or its name')
    .option('--dictionary <id>', 'the dictionary to export (the same as the argument)')
    .option('--out <folder>', 'where to write it (must not exist; written to <folder>.partial, then renamed)')
    .option('--format <format>', `${FORMATS.join(' or ')}`, 'atlas')
    .option('--creator-id <id>', "neuronpedia: the user id every row's creator and author get", DEFAULT_NP_CREATOR_ID)
    .action(
      async (
        positional: string | undefined,
        flags: { dictionary?: string; out?: string; format: string; creatorId: string },
      ) => {
        if (positional === undefined && flags.dictionary === undefined)
          throw new AtlasError('ARGUMENT_INVALID', '--dictionary is required: the id of the dictionary to export');
        if (!flags.out)
          throw new AtlasError('ARGUMENT_INVALID', '--out is required: the folder to write the export to');
        if (!(FORMATS as readonly string[]).includes(flags.format))
          throw new AtlasError('ARGUMENT_INVALID', `--format ${flags.format}: expected ${FORMATS.join(' or ')}`);
        // The flag takes an id; the argument an id or a name.
        const byName = positional !== undefined && !/^\d+$/.test(positional) ? positional : undefined;
        const givenId =
          byName === undefined
            ? parseNumber(positional === undefined ? '--dictionary' : 'dictionary', (positional ?? flags.dictionary)!, {
                integer: true,
                min: 1,
              })
            : undefined;
        const config = loadWorkerConfig();
        const db = await openDatabase(config.db);
        try {
          let id: number;
          if (givenId !== undefined) id = givenId;
          else {
            const found = await findDictionaryIdsByName(db.dataSource, byName!);
            if (found.length !== 1)
              throw new AtlasError(
                'ARGUMENT_INVALID',
                `dictionary "${byName}": ${found.length ? `${found.length} dictionaries have this name (ids ${found.join(', ')})` : 'no dictionary has this name'}; pass its id`,
              );
            id = found[0];
          }
          if (flags.format === 'neuronpedia') {
            const s = await exportNeuronpedia(db.dataSource, id, flags.out, {
              creatorId: flags.creatorId,
              onProgress: (p) => process.stderr.write(`export: ${p.stage} ${p.rows.toLocaleString('en-US')}\n`),
            });
            console.log(
              `exported dictionary ${id} to ${s.out} as Neuronpedia source ${s.modelId}/${s.sourceId}: ${s.features} features, ${s.activations} activations, ${s.explanations} explanations`,
            );
            return;
          }
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
      },
    );
}

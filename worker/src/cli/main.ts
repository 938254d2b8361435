#!/usr/bin/env node
// The worker's command line: `npm run worker -- <command> [options]`.
import { Command, CommanderError } from 'commander';
import { AtlasError as DbError } from '@atlas/migrations';
import { AtlasError } from '../errors.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerWork } from './commands/work.js';
import { registerSynth } from './commands/synth.js';
import { registerTrain } from './commands/train.js';
import { registerExtract } from './commands/extract.js';
import { registerImportActs } from './commands/import-acts.js';
import { registerTrainLm } from './commands/train-lm.js';
import { registerExport } from './commands/export.js';
import { registerRestore } from './commands/restore.js';
import { registerImportNeuronpedia } from './commands/import-neuronpedia.js';
import { registerSteer } from './commands/steer.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerGraph } from './commands/graph.js';
import { registerTranscoders } from './commands/transcoders.js';

const program = new Command('worker')
  .description('feature atlas worker: activations in, dictionaries and features out')
  .exitOverride()
  .showHelpAfterError(false);

// Each command registers itself here (one file per command in ./commands).
registerWork(program);
registerAnalyze(program);
registerTrain(program);
registerSynth(program);
registerTrainLm(program);
registerExtract(program);
registerImportActs(program);
registerExport(program);
registerRestore(program);
registerImportNeuronpedia(program);
registerSteer(program);
registerEvaluate(program);
registerGraph(program);
registerTranscoders(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof AtlasError || err instanceof DbError) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

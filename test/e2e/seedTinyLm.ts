// Trains a small TopK dictionary on the built-in tiny LM with the worker's own code and writes it as a SAELens
// folder under ATLAS_DATA_DIR; prints the folder. The browser test then analyses and ingests it with the worker's
// `analyze` command, so the atlas holds one dictionary that can run on new text (analyzeText).
import { join } from 'node:path';
import { loadModel } from '@atlas/worker';
import { trainTinyLmDictionary, TINY_LM } from '../../api/src/testing/tinyLmDictionaries.js';

const dataDir = process.env.ATLAS_DATA_DIR;
if (!dataDir) throw new Error('seedTinyLm: set ATLAS_DATA_DIR to the atlas data folder');
const model = await loadModel(TINY_LM);
console.log(await trainTinyLmDictionary(model, join(dataDir, 'e2e'), 'tiny-lm-64', { dSae: 64, k: 4, seed: 7 }));

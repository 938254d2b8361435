// Bring-your-own analysis on the other families, into a real database: a SAELens dictionary named after a public
// release (TransformerLens's model_name) on a random Llama folder (BF16 in shards) and on a random Pythia-layout
// folder is analysed and ingested; the model row records its family and the examples' tokens are the folder
// tokenizer's (a 300-token vocabulary: pieces of the built-in 4,096-token one would not be among them).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { Rng } from '../engine/rng.js';
import { writeSaelens } from '../engine/sae/saelensFormat.js';
import { loadTokenizer } from '../tokenizer/bpe.js';
import { writeRandomModelFolder } from '../transformer/randomModelFolder.js';
import { analyzeIntoAtlas } from './analyzeIntoAtlas.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-analyze-families-'));
const sizes = { vocab: 300, ctx: 32, d: 32, heads: 4, mlp: 40, layers: 2 };
let db: TestDatabase;
before(async () => (db = await openTestDatabase()));
after(async () => {
  await db?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function saeFor(name: string, modelName: string, hook: string, dIn: number): string {
  const folder = join(scratch, name);
  mkdirSync(folder);
  const dSae = 24;
  const wDec = new Rng(5).normals(dSae * dIn);
  writeSaelens(folder, {
    architecture: 'topk',
    dIn,
    dSae,
    k: 3,
    wEncT: Float32Array.from(wDec),
    bEnc: new Float32Array(dSae),
    wDec,
    bDec: new Float32Array(dIn),
    scale: 1,
  });
  // SAELens writes TransformerLens names; writeSaelens leaves provenance out, so set it as a release would.
  const cfgPath = join(folder, 'cfg.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, model_name: modelName, hook_name: hook }));
  return folder;
}

for (const c of [
  { type: 'llama', folder: 'TinyLlama-1.1B', modelName: 'TinyLlama/TinyLlama-1.1B', hook: 'blocks.1.attn.hook_z', layout: { dtype: 'bfloat16', shards: 2 } }, // prettier-ignore
  { type: 'gpt_neox', folder: 'pythia-14m', modelName: 'pythia-14m', hook: 'blocks.0.hook_mlp_out', layout: {} },
] as const) {
  test(`a ${c.type} folder: ${c.modelName}'s SAE on ${c.hook} is analysed and ingested`, async () => {
    const model = writeRandomModelFolder(join(scratch, c.folder), c.type, { ...sizes, kvHeads: 2 }, { seed: 9, ...c.layout }); // prettier-ignore
    const sae = saeFor(`${c.folder}-sae`, c.modelName, c.hook, sizes.d);
    const logs: string[] = [];
    const id = await analyzeIntoAtlas(
      async () => db,
      { folder: sae, model: model.dir, corpus: 'brown', maxTokens: 600, contextSize: 24, prependBos: true },
      { log: (l) => void logs.push(l), progress: () => {} },
    );
    const [row] = await db.dataSource.query(
      `SELECT d.status, d.hook_point, m.architecture, m.d_model, m.n_layers,
              (SELECT count(*)::int FROM features f WHERE f.dictionary_id = d.id) AS features
         FROM dictionaries d JOIN models m ON m.id = d.model_id WHERE d.id = $1`,
      [id],
    );
    assert.deepEqual(row, {
      status: 'ready',
      hook_point: c.hook,
      architecture: c.type === 'llama' ? 'llama' : 'neox',
      d_model: sizes.d,
      n_layers: sizes.layers,
      features: 24,
    });
    assert.ok(!logs.some((l) => l.startsWith('note:')), `the release's name fits the folder: ${logs.join('\n')}`);
    const { tokenizer } = loadTokenizer(join(model.dir, 'tokenizer.json'));
    const pieces = new Set(Array.from({ length: tokenizer.vocabSize }, (_, t) => tokenizer.tokenText(t)));
    const examples: { tokens: string[] }[] = await db.dataSource.query(
      `SELECT tokens FROM feature_examples WHERE dictionary_id = $1`,
      [id],
    );
    assert.ok(examples.length > 0, 'examples were stored');
    const foreign = examples.flatMap((e) => e.tokens).filter((t) => !pieces.has(t));
    assert.deepEqual(foreign.slice(0, 5), [], 'every example token is a piece of the folder tokenizer');
  });
}

// Paired extraction (a transcoder's data): one forward pass writes the input hook and the target hook at the same
// positions; the target equals a single-hook extraction of that hook and a direct forward pass; training reads
// the pair as one row and writes a transcoder folder naming both hooks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openActivationSource } from '../engine/activationSource.js';
import { runTraining } from '../engine/trainRun.js';
import { ActivationManifest, type Shard } from '../formats/activationManifest.js';
import { readNpy } from '../formats/npy.js';
import { disposeResult, forwardTidy } from '../transformer/gpt2.js';
import { loadGpt2Model, type Gpt2LoadedModel as LoadedModel } from '../transformer/modelFolder.js';
import { writeRandomModel } from '../transformer/randomModel.js';
import { tf } from '../transformer/runtime.js';
import { loadCorpusCache } from './corpusCache.js';
import { extractActivations, type ExtractOptions } from './extractActivations.js';
import { folderCorpus } from './folderCorpus.js';

const scratch = mkdtempSync(join(tmpdir(), 'atlas-pairedExtraction-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const corpusDir = mkdtempSync(join(scratch, 'corpus-'));
writeFileSync(
  join(corpusDir, 'docs.jsonl'),
  ['the cat sat on the mat and the cat ate', 'a mat', 'the end of the cat, the mat, the hat and the bat']
    .map((t) => JSON.stringify({ text: t }))
    .join('\n'),
);
let model: LoadedModel;
const input = 'blocks.1.ln2.hook_normalized';
const target = 'blocks.1.hook_mlp_out';
const d = 16;

async function run(out: string, extra: Partial<ExtractOptions>) {
  model ??= await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))), 'this test');
  return extractActivations({
    model,
    corpus: folderCorpus(corpusDir),
    hook: input,
    out,
    prependBos: true,
    shardRows: 7,
    batchSize: 2,
    dtype: 'float32',
    ...extra,
  });
}

const concat = (parts: ArrayLike<number>[]) => parts.flatMap((p) => Array.from(p));

test('a paired extraction writes both hooks at the same positions, the target as the MLP output there', async () => {
  const paired = mkdtempSync(join(scratch, 'paired-'));
  const manifest = await run(paired, { targetHook: target });
  ActivationManifest.parse(JSON.parse(readFileSync(join(paired, 'manifest.json'), 'utf8')));
  assert.deepEqual(manifest.target, { hook: target, width: d });
  assert.equal(manifest.provenance?.hook, input);
  for (const s of manifest.shards) assert.equal(readNpy(join(paired, s.targets!)).shape[0], s.rows);

  // The target hook extracted alone: the same positions, the same rows.
  const alone = mkdtempSync(join(scratch, 'alone-'));
  const single = await run(alone, { hook: target });
  assert.equal(single.target, undefined);
  assert.ok(
    single.shards.every((s) => s.targets === undefined),
    'single-hook extraction is unchanged',
  );
  /** One file kind of every shard, read back and concatenated in row order. */
  const column = (dir: string, shards: Shard[], file: (s: Shard) => string) =>
    concat(shards.map((s) => readNpy(join(dir, file(s))).data));
  const pos = column(paired, manifest.shards, (s) => s.positions!);
  assert.deepEqual(
    pos,
    column(alone, single.shards, (s) => s.positions!),
  );
  const targets = column(paired, manifest.shards, (s) => s.targets!);
  assert.deepEqual(
    targets,
    column(alone, single.shards, (s) => s.acts),
  );
  const inputs = column(paired, manifest.shards, (s) => s.acts);

  // One row against a direct forward pass: document 2, token 13 (second window, offset 2 after BOS).
  const docs = await loadCorpusCache(join(paired, 'documents.jsonl'));
  const row = docs[0].tokens.length + docs[1].tokens.length + 13;
  assert.deepEqual([pos[2 * row], pos[2 * row + 1]], [2, 13]);
  const ids = [model.tokenizer.eosId!, ...docs[2].tokens.slice(11, 22)];
  const r = forwardTidy(model.params, model.config, tf.tensor2d(ids, [1, ids.length], 'int32'), {
    hooks: [input, target],
  });
  const direct = { in: r.hooks[input].dataSync(), out: r.hooks[target].dataSync() };
  disposeResult(r);
  for (let k = 0; k < d; k++) {
    assert.ok(Math.abs(inputs[row * d + k] - direct.in[3 * d + k]) < 1e-4, `input unit ${k}`);
    assert.ok(Math.abs(targets[row * d + k] - direct.out[3 * d + k]) < 1e-4, `target unit ${k}`);
  }

  // Training reads the pair as one row [input | target]; other readers see the input hook alone.
  const source = openActivationSource(paired, { paired: true });
  assert.equal(source.dIn, 2 * d);
  assert.deepEqual(source.target, { hook: target, width: d });
  const first = source.shards[0].readRows(0, 2);
  assert.deepEqual(Array.from(first.subarray(d, 2 * d)), targets.slice(0, d));
  assert.deepEqual(Array.from(first.subarray(2 * d + 0, 3 * d)), inputs.slice(d, 2 * d));
  source.close();
  const plain = openActivationSource(paired);
  assert.equal(plain.dIn, d);
  assert.equal(plain.target, undefined);
  plain.close();
  assert.throws(() => openActivationSource(alone, { paired: true }), /extract them with worker extract/);

  const options = {
    acts: paired,
    backend: 'reference' as const,
    checkpointEvery: 0,
    resume: false,
    config: { arch: 'transcoder', dSae: 32, archOptions: { k: 4 }, batchSize: 16, tokens: 16 * 20, seed: 1 },
  };
  await assert.rejects(
    runTraining({ ...options, out: join(scratch, 'wrong'), targetHook: 'blocks.0.hook_mlp_out' }),
    /pairs its input with blocks\.1\.hook_mlp_out/,
  );
  const trained = await runTraining({ ...options, out: join(scratch, 'tc'), targetHook: target });
  const cfg = JSON.parse(readFileSync(join(trained.out!, 'cfg.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(
    [cfg.architecture, cfg.hook_name, cfg.hook_name_out, cfg.d_in, cfg.d_out, cfg.d_sae],
    ['transcoder', input, target, d, d, 32],
  );
  await assert.rejects(
    runTraining({
      ...options,
      out: join(scratch, 'sae'),
      config: { ...options.config, arch: 'topk' },
      targetHook: target,
    }),
    /--target-hook applies to --arch transcoder/,
  );
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AtlasError } from '../errors.js';
import { ActivationManifest } from '../formats/activationManifest.js';
import { readNpy } from '../formats/npy.js';
import { disposeResult, forwardTidy } from '../transformer/gpt2.js';
import { loadGpt2Model, type Gpt2LoadedModel as LoadedModel } from '../transformer/modelFolder.js';
import { writeRandomModel } from '../transformer/randomModel.js';
import { tf } from '../transformer/runtime.js';
import { loadCorpusCache } from './corpusCache.js';
import { extractActivations, type ExtractOptions } from './extractActivations.js';
import { folderCorpus } from './folderCorpus.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-extractActivations-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const corpusDir = mkdtempSync(join(scratch, 'corpus-'));
writeFileSync(
  join(corpusDir, 'docs.jsonl'),
  ['the cat sat on the mat and the cat ate', 'a mat', 'the end of the cat, the mat, the hat and the bat']
    .map((t) => JSON.stringify({ text: t }))
    .join('\n'),
);
let model: LoadedModel;

async function run(out: string, extra: Partial<ExtractOptions> = {}) {
  model ??= await loadGpt2Model(writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))), 'this test');
  return extractActivations({
    model,
    corpus: folderCorpus(corpusDir),
    hook: 'blocks.1.mlp.hook_post',
    out,
    prependBos: true,
    shardRows: 7,
    batchSize: 2,
    dtype: 'float32',
    ...extra,
  });
}

test('shards hold every token once with its (document, offset) and the activations of a direct forward pass', async () => {
  const out = mkdtempSync(join(scratch, 'acts-'));
  const manifest = await run(out);
  ActivationManifest.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
  const docs = await loadCorpusCache(join(out, 'documents.jsonl'));
  const total = docs.reduce((a, d) => a + d.tokens.length, 0);
  assert.equal(manifest.totalRows, total);
  assert.equal(manifest.dIn, 40);
  assert.deepEqual(manifest.provenance, {
    model: model.name,
    hook: 'blocks.1.mlp.hook_post',
    tokenizer: model.tokenizerIdentity,
    contextSize: 12,
    prependBos: true,
    corpus: `folder:${corpusDir}`,
  });
  assert.ok(manifest.shards.slice(0, -1).every((s) => s.rows === 7));
  const rows = manifest.shards.flatMap((s) => {
    const acts = readNpy(join(out, s.acts)).data;
    const ids = readNpy(join(out, s.tokens!)).data;
    const pos = readNpy(join(out, s.positions!)).data;
    return Array.from(ids, (id, i) => ({
      id,
      doc: pos[2 * i],
      offset: pos[2 * i + 1],
      act: acts.subarray(i * 40, (i + 1) * 40),
    }));
  });
  // Document 0 has more tokens than one window (11 after BOS): the second window starts again with BOS.
  assert.ok(docs[0].tokens.length > 11);
  const expected = (doc: number, offset: number) => {
    const windowStart = offset - (offset % 11);
    const ids = [model.tokenizer.eosId!, ...docs[doc].tokens.slice(windowStart, windowStart + 11)];
    const r = forwardTidy(model.params, model.config, tf.tensor2d(ids, [1, ids.length], 'int32'), {
      hooks: ['blocks.1.mlp.hook_post'],
    });
    const all = r.hooks['blocks.1.mlp.hook_post'].dataSync();
    disposeResult(r);
    const at = offset - windowStart + 1;
    return all.slice(at * 40, (at + 1) * 40);
  };
  let i = 0;
  for (const d of docs)
    for (let t = 0; t < d.tokens.length; t++, i++) {
      assert.deepEqual([rows[i].doc, rows[i].offset, rows[i].id], [d.doc, t, d.tokens[t]]);
      if (t === 0 || t === 12 || t === d.tokens.length - 1) {
        const e = expected(d.doc, t);
        for (let k = 0; k < 40; k++)
          assert.ok(Math.abs(rows[i].act[k] - e[k]) < 1e-4, `doc ${d.doc} token ${t} unit ${k}`);
      }
    }
});

test('an interrupted extraction resumes: finished shards are kept, the result equals an uninterrupted run', async () => {
  const clean = mkdtempSync(join(scratch, 'acts-'));
  await run(clean, { maxTokens: 30 });
  const out = mkdtempSync(join(scratch, 'acts-'));
  await assert.rejects(
    run(out, {
      maxTokens: 30,
      onProgress: (p) => {
        if (p.rows >= 16) throw new Error('killed');
      },
    }),
    /killed/,
  );
  assert.ok(!existsSync(join(out, 'manifest.json')));
  assert.ok(!readdirSync(out).some((f) => f.endsWith('.partial')), 'no half-written files are left');
  const first = statSync(join(out, 'acts-00000.npy')).mtimeMs;
  const manifest = await run(out, { maxTokens: 30 });
  assert.equal(manifest.totalRows, 30);
  assert.equal(statSync(join(out, 'acts-00000.npy')).mtimeMs, first, 'completed shard was not rewritten');
  for (const f of readdirSync(clean).filter((x) => x.endsWith('.npy')))
    assert.ok(
      readFileSync(join(out, f)).equals(readFileSync(join(clean, f))),
      `${f} differs from the uninterrupted run`,
    );
  // Finished: a second call returns the same manifest without work.
  assert.deepEqual(await run(out, { maxTokens: 30 }), manifest);
});

test('the same folder with another hook is refused with the way out', async () => {
  const out = mkdtempSync(join(scratch, 'acts-'));
  await run(out, { maxTokens: 10 });
  await assert.rejects(run(out, { maxTokens: 10, hook: 'blocks.0.hook_resid_post' }), (err: AtlasError) => {
    assert.equal(err.code, 'OUTPUT_EXISTS');
    assert.match(
      err.message,
      /already holds activations of .* at blocks\.1\.mlp\.hook_post made with other settings; choose another --out or delete the folder/,
    );
    return true;
  });
  await assert.rejects(
    run(out, { hook: 'blocks.7.mlp.hook_post' }),
    /--hook 'blocks\.7\.mlp\.hook_post': the model has 2 layer\(s\)/,
  );
});

// The extract and import-acts commands as a user runs them: options parsed, progress on stderr,
// errors as `CODE: message` with exit status 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../formats/npy.js';
import { writeRandomModel } from '../../transformer/randomModel.js';

const here = dirname(fileURLToPath(import.meta.url));
const main = resolve(here, '../main.ts');
const fixtures = resolve(here, '../../../test-fixtures/acts');

function worker(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', cwd: resolve(here, '../../..') });
}

test('extract --no-bos --max-tokens writes a manifest with that provenance and reports progress', () => {
  const corpus = mkdtempSync(join(tmpdir(), 'corpus-'));
  writeFileSync(join(corpus, 'a.txt'), 'the cat sat on the mat, and the dog sat on the log.');
  const out = join(mkdtempSync(join(tmpdir(), 'cli-')), 'acts');
  const r = worker('extract', '--model', writeRandomModel(), '--corpus', corpus, '--hook', 'blocks.0.hook_resid_post', '--out', out, '--no-bos', '--max-tokens', '20', '--context', '8', '--dtype', 'float16');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /extract \[#+\] 100\.0% 20\/20 tokens, \d+ tokens\/s, ETA 0:00/);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.totalRows, 20);
  assert.equal(m.dIn, 16);
  assert.equal(m.provenance.prependBos, false);
  assert.equal(m.provenance.contextSize, 8);
  assert.equal(m.dtype, 'float16');
  const acts = readNpy(join(out, m.shards[0].acts));
  assert.equal(acts.dtype, 'float16');
  assert.deepEqual(acts.shape, [20, 16]);
  assert.ok(acts.data.every((v) => Number.isFinite(v)) && acts.data.some((v) => v !== 0));
  const bad = worker('extract', '--model', 'builtin', '--out', out, '--dtype', 'float64');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /ARGUMENT_INVALID: --dtype must be float32 or float16 \(got 'float64'\)/);
});

test('import-acts errors reach the user as CODE: message with exit status 2', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'cli-')), 'acts');
  const r = worker('import-acts', '--acts', join(fixtures, 'acts_nan_row3.npy'), '--tokens', join(fixtures, 'tokens_i64_6.npy'), '--out', out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^SOURCE_NOT_FINITE: .*acts_nan_row3\.npy: row 3, column 2 is NaN/m);
  const ok = worker('import-acts', '--acts', join(fixtures, 'acts_f16_6x4.npy'), '--tokens', join(fixtures, 'tokens_i64_6.npy'), '--out', out, '--model-name', 'gpt2', '--hook', 'blocks.6.hook_resid_post');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).provenance.hook, 'blocks.6.hook_resid_post');
});

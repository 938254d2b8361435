// The extract and import-acts commands as a user runs them: options parsed, progress on stderr,
// errors as `CODE: message` with exit status 2.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../formats/npy.js';
import { writeRandomModel } from '../../transformer/randomModel.js';

// Every file a test writes lives under one folder, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'atlas-sourcesCli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const here = dirname(fileURLToPath(import.meta.url));
const main = resolve(here, '../main.ts');
const fixtures = resolve(here, '../../../test-fixtures/acts');

function worker(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    cwd: resolve(here, '../../..'),
  });
}

test('extract --no-bos --max-tokens writes a manifest with that provenance and reports progress', () => {
  const corpus = mkdtempSync(join(scratch, 'corpus-'));
  writeFileSync(join(corpus, 'a.txt'), 'the cat sat on the mat, and the dog sat on the log.');
  const out = join(mkdtempSync(join(scratch, 'cli-')), 'acts');
  const r = worker(
    'extract',
    '--model',
    writeRandomModel(mkdtempSync(join(scratch, 'gpt2-'))),
    '--corpus',
    corpus,
    '--hook',
    'blocks.0.hook_resid_post',
    '--out',
    out,
    '--no-bos',
    '--max-tokens',
    '20',
    '--context',
    '8',
    '--dtype',
    'float16',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /extract \[#+\] 100% 20\/20 tokens {2}[\d,]+ tok\/s {2}ETA 0:00/);
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
  const out = join(mkdtempSync(join(scratch, 'cli-')), 'acts');
  const r = worker(
    'import-acts',
    '--acts',
    join(fixtures, 'acts_nan_row3.npy'),
    '--tokens',
    join(fixtures, 'tokens_i64_6.npy'),
    '--out',
    out,
  );
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^SOURCE_NOT_FINITE: .*acts_nan_row3\.npy: row 3, column 2 is NaN/m);
  const ok = worker(
    'import-acts',
    '--acts',
    join(fixtures, 'acts_f16_6x4.npy'),
    '--tokens',
    join(fixtures, 'tokens_i64_6.npy'),
    '--out',
    out,
    '--model-name',
    'gpt2',
    '--hook',
    'blocks.6.hook_resid_post',
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(
    JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).provenance.hook,
    'blocks.6.hook_resid_post',
  );
});

test('extract killed with SIGKILL mid-run resumes to files identical to an uninterrupted run', async () => {
  const args = (out: string) => [
    'extract',
    '--model',
    'builtin',
    '--corpus',
    'brown',
    '--out',
    out,
    '--max-tokens',
    '30000',
    '--shard-rows',
    '4000',
  ];
  const killed = join(scratch, 'killed');
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args(killed)], {
    cwd: resolve(here, '../../..'),
    stdio: 'ignore',
  });
  const exited = new Promise((done) => child.on('exit', done));
  // Kill once the second shard is on disk (or let it finish if this machine is too quick to catch).
  for (let i = 0; i < 600 && !existsSync(join(killed, 'acts-00001.npy')) && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await exited;
  const resumed = worker(...args(killed));
  assert.equal(resumed.status, 0, resumed.stderr);
  const clean = join(scratch, 'clean');
  assert.equal(worker(...args(clean)).status, 0);
  const files = readdirSync(clean).filter((f) => f.endsWith('.npy'));
  assert.equal(files.length, 24);
  for (const f of files) assert.ok(readFileSync(join(killed, f)).equals(readFileSync(join(clean, f))), `${f} differs`);
  assert.ok(!readdirSync(killed).some((f) => f.endsWith('.partial') || f === 'progress.json'));
});

// `worker analyze --range … --partial-out` and `analyze --merge …` as a person runs them: two workers' partials
// merged and ingested into a real database.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { Rng } from '../../engine/rng.js';
import { writeSaelens } from '../../engine/sae/saelensFormat.js';
import { runCli, runCliAsync } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-analyze-cli-'));
const sae = join(dir, 'sae');
const hook = 'blocks.0.mlp.hook_post';
let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
  const dIn = 512;
  const dSae = 32;
  const wDec = new Rng(2).normals(dSae * dIn);
  mkdirSync(sae);
  writeSaelens(sae, {
    architecture: 'topk',
    dIn,
    dSae,
    k: 4,
    wEncT: Float32Array.from(wDec),
    bEnc: new Float32Array(dSae),
    wDec,
    bDec: new Float32Array(dIn),
    scale: 1,
  });
});
after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('analyses two token ranges into partials, then merges and ingests them', async () => {
  const common = ['analyze', '--sae', sae, '--hook', hook, '--max-tokens', '700'];
  for (const [range, file] of [
    ['0:300', 'p0.bin'],
    ['300:700', 'p1.bin'],
  ]) {
    const r = runCli([...common, '--range', range, '--partial-out', join(dir, file)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr + r.stdout, new RegExp(`analysed rows \\[${range.replace(':', ', ')}\\)`));
  }
  const merged = await runCliAsync(
    [...common, '--merge', `${join(dir, 'p1.bin')},${join(dir, 'p0.bin')}`, '--name', 'merged'],
    { DATABASE_URL: db.url },
  );
  assert.equal(merged.status, 0, merged.stderr);
  const [row] = await db.dataSource.query(
    `SELECT d.status, count(f.*)::int AS features FROM dictionaries d JOIN features f ON f.dictionary_id = d.id
     WHERE d.name = 'merged' GROUP BY d.status`,
  );
  assert.deepEqual(row, { status: 'ready', features: 32 });
  const [{ examples }] = await db.dataSource.query(`SELECT count(*)::int AS examples FROM feature_examples`);
  assert.ok(examples > 32, `${examples} examples`);
});

it('refuses a range without an output file, a reversed range, and partials that do not tile the corpus', async () => {
  const common = ['analyze', '--sae', sae, '--hook', hook, '--max-tokens', '700'];
  assert.match(runCli([...common, '--range', '0:300']).stderr, /--range and --partial-out go together/);
  assert.match(runCli([...common, '--range', '300:0', '--partial-out', 'x']).stderr, /start < end/);
  const gap = await runCliAsync([...common, '--merge', join(dir, 'p1.bin')], { DATABASE_URL: db.url });
  assert.notEqual(gap.status, 0);
  assert.match(gap.stderr, /rows \[0, 300\) are missing/);
});

// `worker export` and `worker import-export` as a person runs them, against a real database.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary } from '../../ingest/ingestDictionary.js';
import { runCliAsync } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-export-cli-'));
let db: TestDatabase;
let id = 0;
before(async () => {
  db = await openTestDatabase();
  [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status)
     VALUES ('cli', 'blocks.0.hook_resid_post', 'topk', 2, 3, 1, 'ready') RETURNING id`,
  );
  const features = [0, 1, 2].map((index) => ({
    index,
    decoder: Float32Array.of(index, 1),
    density: 0.5,
    meanActivation: 1,
    maxActivation: 2,
    histogram: null,
    label: `f${index}`,
    labelScores: null,
    logits: null,
    mapX: null,
    mapY: null,
    neighbors: null,
  }));
  await ingestDictionary(db, { id, dIn: 2, nLatents: 3 }, features, () => []);
});
after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('worker export / import-export', () => {
  it('exports a dictionary and imports the folder back as a new one', async () => {
    const env = { DATABASE_URL: db.url, ATLAS_DATA_DIR: join(dir, 'data') };
    const out = join(dir, 'out');
    const exported = await runCliAsync(['export', '--dictionary', String(id), '--out', out], env);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, new RegExp(`exported dictionary ${id} to .*out: 3 features, 0 examples`));
    assert.match(exported.stdout, /decoder only \(no encoder stored\)/);
    assert.equal(JSON.parse(readFileSync(join(out, 'dictionary.json'), 'utf8')).dictionary.name, 'cli');

    const imported = await runCliAsync(['import-export', out, '--name', 'cli copy'], env);
    assert.equal(imported.status, 0, imported.stderr);
    const m = /imported .* as dictionary (\d+): 3 features/.exec(imported.stdout);
    assert.ok(m, imported.stdout);
    const rows = await db.dataSource.query(
      `SELECT d.name, f.index, f.decoder::text AS decoder FROM dictionaries d JOIN features f ON f.dictionary_id = d.id
        WHERE d.id = $1 ORDER BY f.index`,
      [Number(m[1])],
    );
    assert.deepEqual(
      rows.map((r: { name: string; decoder: string }) => [r.name, r.decoder]),
      [
        ['cli copy', '[0,1]'],
        ['cli copy', '[1,1]'],
        ['cli copy', '[2,1]'],
      ],
    );
  });

  it('exports by name as a Neuronpedia source folder, which import-neuronpedia reads back', async () => {
    const env = { DATABASE_URL: db.url, ATLAS_DATA_DIR: join(dir, 'data') };
    const out = join(dir, 'np');
    const exported = await runCliAsync(['export', 'cli', '--format', 'neuronpedia', '--out', out], env);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(
      exported.stdout,
      /as Neuronpedia source atlas-model\/cli: 3 features, 0 activations, 0 explanations$/m,
    );
    assert.ok(existsSync(join(out, 'features', 'batch-0.jsonl.gz')));
    const imported = await runCliAsync(['import-neuronpedia', out, '--name', 'cli from np'], env);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /\(atlas-model\/cli\) as dictionary \d+ "cli from np": 3 features, 0 examples, 0 explanations; browse-only/,
    );
    const bad = await runCliAsync(['export', 'cli', '--format', 'csv', '--out', join(dir, 'y')], env);
    assert.equal(bad.stderr.trim(), 'ARGUMENT_INVALID: --format csv: expected atlas or neuronpedia');
  });

  it('lists the archive restore as `restore`, with the old name `import-export` as its alias', async () => {
    const help = await runCliAsync(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^ {2}restore\|import-export \[options\] <folder> +archive restore: /m);
  });

  it('says which flag is missing or wrong, on one line', async () => {
    const noId = await runCliAsync(['export', '--out', join(dir, 'x')]);
    assert.equal(noId.status, 2);
    assert.equal(noId.stderr.trim(), 'ARGUMENT_INVALID: --dictionary is required: the id of the dictionary to export');
    const badId = await runCliAsync(['export', '--dictionary', 'abc', '--out', join(dir, 'x')]);
    assert.equal(badId.stderr.trim(), 'ARGUMENT_INVALID: --dictionary must be an integer >= 1 (got "abc")');
    assert.equal(existsSync(join(dir, 'x')), false);
  });
});

// import-neuronpedia on a real database, from a fixture export written here by hand from Neuronpedia's record
// layouts (export-data.py's column lists, prisma/schema.prisma's Neuron, Activation, Explanation), not by our
// exporter: every optional field absent and present, Unicode and byte-level tokens, a 512-token window, index
// order as text across batch files; malformed records named by file and line with nothing written; export →
// import round trips; a CLI import SIGKILLed mid-ingest resumes to the rows of an uninterrupted one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { writeSaelens } from '../engine/sae/saelensFormat.js';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '../ingest/ingestDictionary.js';
import { insertExplanations } from '../store/explanationRows.js';
import { runCliAsync } from '../cli/runCli.testing.js';
import { exportNeuronpedia } from './exportNeuronpedia.js';
import { longTokens, longValues, writeBatch, writeFixture } from './neuronpediaFixture.testing.js';
import { importNeuronpedia, type NeuronpediaImportOptions } from './importNeuronpedia.js';

const root = mkdtempSync(join(tmpdir(), 'atlas-np-'));
let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(async () => {
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

const f32 = Math.fround;
let spills = 0;
const options = (extra: Partial<NeuronpediaImportOptions> = {}): NeuronpediaImportOptions => ({
  weightsDir: (id) => join(root, 'weights', String(id)),
  spillDir: join(root, `spill-${spills++}`),
  ...extra,
});

async function dictionaryRows(id: number) {
  const features = await db.dataSource.query(
    `SELECT index, decoder::text AS decoder, density, mean_activation, max_activation, histogram, label, label_scores,
            logits, map_x, map_y, neighbors FROM features WHERE dictionary_id = $1 ORDER BY index`,
    [id],
  );
  const examples = await db.dataSource.query(
    `SELECT feature_index, kind, bin, rank, max_activation, doc_index, token_start, max_position, tokens, activations
       FROM feature_examples WHERE dictionary_id = $1 ORDER BY feature_index, kind, bin, rank`,
    [id],
  );
  const explanations = await db.dataSource.query(
    `SELECT feature_index, text, source, score, author, to_json(created_at) #>> '{}' AS created_at
       FROM explanations WHERE dictionary_id = $1 ORDER BY feature_index, id`,
    [id],
  );
  return { features, examples, explanations };
}

describe('import-neuronpedia', () => {
  const folder = join(root, 'exports', 'gpt2-small', '6-res-jb');
  let id = 0;
  before(async () => {
    mkdirSync(folder, { recursive: true });
    writeFixture(folder);
    const s = await importNeuronpedia(db, folder, options({ chunk: 2 }));
    id = s.dictionaryId;
    assert.deepEqual(
      [s.name, s.modelId, s.sourceId, s.features, s.examples, s.explanations, s.weightsPath, s.resumed],
      ['6-res-jb', 'gpt2-small', '6-res-jb', 5, 7, 3, null, false],
    );
  });

  it('names the dictionary after the source and keeps its model id; browse-only without weights', async () => {
    const [d] = await db.dataSource.query(
      `SELECT name, hook_point, d_in, n_latents, status, weights_path, hyperparameters FROM dictionaries WHERE id = $1`,
      [id],
    );
    assert.equal(d.name, '6-res-jb');
    assert.equal(d.hook_point, 'blocks.6.hook_resid_pre');
    assert.equal(d.d_in, 8); // model.jsonl's dimension
    assert.equal(d.n_latents, 1501);
    assert.equal(d.status, 'ready');
    assert.equal(d.weights_path, null);
    assert.equal(d.hyperparameters.neuronpedia.modelId, 'gpt2-small');
    assert.equal(d.hyperparameters.neuronpedia.sourceId, '6-res-jb');
    assert.equal(d.hyperparameters.neuronpedia.dataset, 'owt');
  });

  it('maps every Neuron field the atlas holds, and leaves absent ones null', async () => {
    const { features } = await dictionaryRows(id);
    assert.deepEqual(
      features.map((f: { index: number }) => f.index),
      [0, 1, 2, 10, 1500],
    );
    const [f0, f1, f2, f10, f1500] = features;
    assert.equal(f0.decoder, null);
    assert.equal(f0.density, 0.0125); // real, read back as its shortest decimal
    assert.equal(f0.mean_activation, null);
    assert.equal(f0.max_activation, 6.5);
    assert.deepEqual(f0.histogram, { edges: [0, 1, 2, 3], counts: [10, 5, 1] });
    assert.equal(f0.label, 'the word café');
    assert.equal(f0.label_scores, null);
    assert.deepEqual(f0.logits, {
      positive: [
        { token: ' café', value: 1.5 },
        { token: '😀', value: 1.25 },
        { token: '日本', value: 1 },
      ],
      negative: [
        { token: 'â', value: -2 },
        { token: 'Ġthe', value: -1.5 },
      ],
      histogram: { centers: [-1, 0, 1], counts: [3, 4, 5] },
    });
    assert.deepEqual(f0.neighbors, [
      { index: 10, cosine: 0.75 },
      { index: 2, cosine: 0.5 },
    ]);
    assert.deepEqual([f0.map_x, f0.map_y], [0.25, -0.5]);
    assert.deepEqual([f1.max_activation, f1.density, f1.label], [null, 0.5, null]);
    assert.deepEqual([f2.density, f2.logits, f2.histogram, f2.neighbors], [0, null, null, null]);
    for (const c of ['density', 'max_activation', 'histogram', 'logits', 'neighbors', 'map_x', 'label'])
      assert.equal(f10[c], null, c);
    assert.deepEqual([f1500.max_activation, f1500.label], [1, 'end of text']);
  });

  it('turns activations into ranked top and quantile examples with every token and value', async () => {
    const { examples } = await dictionaryRows(id);
    const of0 = examples.filter((e: { feature_index: number }) => e.feature_index === 0);
    assert.deepEqual(
      of0.map((e: ExampleRow) => [e.kind, e.bin, e.rank, e.max_activation, e.doc_index, e.max_position]),
      [
        ['quantile', 0, 0, 0.375, -1, 0],
        ['quantile', 0, 1, 0.25, -1, 0],
        ['quantile', 1, 0, 1, 7, 0],
        ['top', 0, 0, 6.5, -1, 300],
        ['top', 0, 1, 2.5, 41, 1],
      ],
    );
    const long = of0[3];
    assert.equal(long.tokens.length, 512);
    assert.deepEqual(long.tokens, longTokens);
    assert.deepEqual(long.activations, longValues);
    assert.deepEqual(
      [of0[4].tokens, of0[4].activations],
      [
        [' a', 'â', 'Ġb'],
        [0, 2.5, 0.25],
      ],
    );
    assert.deepEqual(
      [of0[2].tokens, of0[2].activations],
      [
        ['😀', '日本'],
        [1, 0.5],
      ],
    );
    const rest = examples.filter((e: { feature_index: number }) => e.feature_index !== 0);
    assert.deepEqual(
      rest.map((e: ExampleRow) => [e.feature_index, e.kind, e.tokens, e.activations, e.token_start]),
      [
        [10, 'top', ['only'], [3], 0],
        [1500, 'top', ['<|endoftext|>', 'x'], [0.5, 1], 0],
      ],
    );
  });

  it('keeps explanations with their authors, models and scores', async () => {
    const { explanations } = await dictionaryRows(id);
    assert.deepEqual(
      explanations.map((e: Record<string, unknown>) => [e.feature_index, e.text, e.source, e.score, e.author]),
      [
        [0, 'the word café', 'gpt-4o-mini', 0.75, 'u1'],
        [0, 'emoji and 日本', 'human', null, 'u2'],
        [1500, 'end of text', 'neuronpedia', null, null],
      ],
    );
    assert.equal(explanations[0].created_at, '2024-05-01T12:00:00+00:00');
  });

  it('with --saelens, decoders come from W_dec and the weights are kept, so the dictionary can analyze text', async () => {
    const weights = join(root, 'saelens');
    mkdirSync(weights);
    const dSae = 1501;
    const dIn = 4;
    writeSaelens(weights, {
      architecture: 'topk',
      dIn,
      dSae,
      k: 2,
      wEncT: new Float32Array(dSae * dIn),
      bEnc: new Float32Array(dSae),
      wDec: Float32Array.from({ length: dSae * dIn }, (_, i) => (i % 5) / 4),
      bDec: new Float32Array(dIn),
      scale: 1,
    });
    const s = await importNeuronpedia(db, folder, options({ name: 'with weights', saelens: weights }));
    assert.equal(s.weightsPath, join(root, 'weights', String(s.dictionaryId)));
    const [d] = await db.dataSource.query(
      `SELECT d_in, n_latents, architecture, k, weights_path FROM dictionaries WHERE id = $1`,
      [s.dictionaryId],
    );
    assert.deepEqual(d, { d_in: 4, n_latents: 1501, architecture: 'topk', k: 2, weights_path: s.weightsPath });
    assert.ok(existsSync(join(s.weightsPath!, 'sae_weights.safetensors')));
    const rows = await db.dataSource.query(
      `SELECT index, decoder::text AS decoder FROM features WHERE dictionary_id = $1 AND index IN (0, 1500) ORDER BY index`,
      [s.dictionaryId],
    );
    // Row i of W_dec holds flat values 4i..4i+3, each (v % 5) / 4.
    assert.deepEqual(rows, [
      { index: 0, decoder: '[0,0.25,0.5,0.75]' },
      { index: 1500, decoder: '[0,0.25,0.5,0.75]' },
    ]);
  });

  it('refuses to import the same folder twice under one name', async () => {
    await assert.rejects(importNeuronpedia(db, folder, options()), /already imported as dictionary \d+.*--name/);
  });

  it('round trip: export --format neuronpedia, import, same features, examples, logits and explanations', async () => {
    const out = join(root, 'np-out');
    const s = await exportNeuronpedia(db.dataSource, id, out);
    assert.deepEqual(
      [s.modelId, s.sourceId, s.features, s.activations, s.explanations],
      ['gpt2-small', '6-res-jb', 5, 7, 3],
    );
    const back = await importNeuronpedia(db, out, options({ name: 'copy' }));
    const a = await dictionaryRows(id);
    const b = await dictionaryRows(back.dictionaryId);
    // frac_nonzero is NOT NULL in Neuronpedia's schema: an unmeasured density comes back as 0.
    assert.deepEqual(
      b.features,
      a.features.map((f: { density: number | null }) => ({ ...f, density: f.density ?? 0 })),
    );
    assert.deepEqual(b.examples, a.examples);
    // authorId is NOT NULL there too: an explanation without an author goes out under the export's creator id.
    assert.deepEqual(
      b.explanations,
      a.explanations.map((e: { author: string | null }) => ({ ...e, author: e.author ?? 'feature-atlas' })),
    );
  });
});

type ExampleRow = {
  kind: string;
  bin: number;
  rank: number;
  max_activation: number;
  doc_index: number;
  max_position: number;
  tokens: string[];
  activations: number[];
  feature_index: number;
  token_start: number;
};

describe('import-neuronpedia: malformed records', () => {
  it('names each bad record by file and line, with the fix, and writes nothing', async () => {
    const folder = join(root, 'bad', 'm', '0-bad');
    writeBatch(join(folder, 'features'), 'batch-0.jsonl.gz', [
      { modelId: 'm', layer: '0-bad', index: '0' },
      '{"modelId": "m", "layer": "0-bad", "index": "1"',
      { modelId: 'm', layer: '0-bad' },
      { modelId: 'm', layer: '0-bad', index: '3', frac_nonzero: 'high' },
      '{"modelId": "m", "layer": "0-bad", "index": "4", "maxActApprox": NaN}',
      { modelId: 'm', layer: '0-bad', index: '5', pos_str: ['a', 'b'], pos_values: [1] },
    ]);
    writeBatch(join(folder, 'activations'), 'batch-0.jsonl.gz', [
      { modelId: 'm', layer: '0-bad', index: '0', tokens: ['a', 'b'], values: [1], maxValue: 1, maxValueTokenIndex: 0 },
      { modelId: 'm', layer: '0-bad', index: '9', tokens: ['a'], values: [1], maxValue: 1, maxValueTokenIndex: 0 },
    ]);
    const before = (await db.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries`))[0].n;
    const err = await importNeuronpedia(db, folder, options({ dIn: 4 })).then(
      () => assert.fail('imported a malformed export'),
      (e: Error) => e,
    );
    const f = join(folder, 'features', 'batch-0.jsonl.gz');
    const a = join(folder, 'activations', 'batch-0.jsonl.gz');
    const lines = err.message.split('\n');
    assert.match(lines[0], /^7 malformed records in .*0-bad; nothing was imported:$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(': ')[0]),
      [`${f}:2`, `${f}:3`, `${f}:4`, `${f}:5`, `${f}:6`, `${a}:1`, `${a}:2`],
    );
    assert.match(lines[1], /is not valid JSON .* — the file may be truncated/);
    assert.match(lines[2], /feature has no index — every feature needs modelId, layer and index/);
    assert.match(lines[3], /feature field frac_nonzero: .*number.* — fix the value/);
    assert.match(lines[4], /holds NaN or Infinity, which JSON cannot carry — write null or a finite number/);
    assert.match(lines[5], /feature 5: pos_str has 2 entries but pos_values has 1; they must pair up — fix the record/);
    assert.match(lines[6], /activation field values: has 1 values for 2 tokens/);
    assert.match(lines[7], /activation of feature 9, which has no record in features\/ — add the feature/);
    const after = (await db.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries`))[0].n;
    assert.equal(after, before);
  });
});

describe('import-neuronpedia: a truncated batch file', () => {
  it('names the file and the last line read, and writes nothing', async () => {
    const folder = join(root, 'truncated', 'm', '1-cut');
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({
        modelId: 'm',
        layer: '1-cut',
        index: String(i),
        pos_str: [`token ${i}`.repeat(4)],
        pos_values: [i],
      }),
    );
    mkdirSync(join(folder, 'features'), { recursive: true });
    const gz = gzipSync(lines.join('\n') + '\n');
    writeFileSync(join(folder, 'features', 'batch-0.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    const before = (await db.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries`))[0].n;
    await assert.rejects(
      importNeuronpedia(db, folder, options({ dIn: 4 })),
      /features\/batch-0\.jsonl\.gz: cannot read past line \d+ \(unexpected end of file\); the file may be truncated, download it again/,
    );
    assert.equal((await db.dataSource.query(`SELECT count(*)::int AS n FROM dictionaries`))[0].n, before);
  });
});

describe('import-neuronpedia: steering vectors', () => {
  it('a source with vectors gets them as decoder rows (d_in = their length) and exports them back', async () => {
    const folder = join(root, 'vectors', 'gemma-2-2b', '12-steer');
    const k = (index: string) => ({ modelId: 'gemma-2-2b', layer: '12-steer', index });
    writeBatch(join(folder, 'features'), 'batch-0.jsonl.gz', [
      { ...k('0'), hasVector: true, vector: [0.5, -0.25, 2], hookName: 'blocks.12.hook_resid_post', maxActApprox: 3 },
      { ...k('1'), hasVector: true, vector: [1, 0, -1] },
    ]);
    const s = await importNeuronpedia(db, folder, options());
    const decoders = async (id: number) =>
      db.dataSource.query(
        `SELECT d.d_in, d.hook_point, f.index, f.decoder::text AS decoder FROM features f
           JOIN dictionaries d ON d.id = f.dictionary_id WHERE d.id = $1 ORDER BY f.index`,
        [id],
      );
    const rows = await decoders(s.dictionaryId);
    assert.deepEqual(rows, [
      { d_in: 3, hook_point: 'blocks.12.hook_resid_post', index: 0, decoder: '[0.5,-0.25,2]' },
      { d_in: 3, hook_point: 'blocks.12.hook_resid_post', index: 1, decoder: '[1,0,-1]' },
    ]);
    const out = join(root, 'vectors-out');
    await exportNeuronpedia(db.dataSource, s.dictionaryId, out);
    const back = await importNeuronpedia(db, out, options({ name: 'vectors back' }));
    assert.deepEqual(await decoders(back.dictionaryId), rows);
  });
});

describe('import-neuronpedia: export of any dictionary', () => {
  it('a dictionary analysed in the atlas exports and imports back with the same rows', async () => {
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k, status)
       VALUES ('Tiny MLP 16x', 'blocks.0.mlp.hook_post', 'topk', 2, 3, 1, 'ready') RETURNING id`,
    );
    const features: FeatureRecord[] = [0, 1, 2].map((index) => ({
      index,
      decoder: Float32Array.of(index, 1),
      density: f32(index / 10),
      meanActivation: 1, // not in Neuronpedia's Neuron: dropped
      maxActivation: 2 + index,
      histogram: { edges: [0, 0.5, 1, 1.5], counts: [index, 2, 1] },
      label: index === 1 ? 'hear, feel' : null,
      labelScores: null,
      logits: { positive: [{ token: ' hear', value: 0.5 }], negative: [{ token: '日本', value: -0.25 }] },
      mapX: null,
      mapY: null,
      neighbors: [{ index: (index + 1) % 3, cosine: 0.5 }],
    }));
    const examples = (index: number): ExampleRecord[] =>
      (['top', 'top', 'quantile', 'quantile', 'quantile'] as const).map((kind, i) => ({
        featureIndex: index,
        kind,
        bin: kind === 'top' ? 0 : i - 2 === 2 ? 1 : 0,
        rank: kind === 'top' ? i : i === 3 ? 1 : 0,
        maxActivation: [5, 4, 1.5, 1.25, 3][i],
        docIndex: 100 + i,
        tokenStart: 0,
        maxPosition: 1,
        tokens: ['<bos>', ' hear', '😀'],
        activations: [0, [5, 4, 1.5, 1.25, 3][i], 0.5],
      }));
    await ingestDictionary(db, { id, dIn: 2, nLatents: 3 }, features, examples);
    await insertExplanations(db.dataSource, id, [
      {
        feature_index: 1,
        text: 'hear, feel',
        source: 'auto',
        score: 0.5,
        author: 'atlas',
        created_at: '2025-01-02T03:04:05+00:00',
      },
    ]);
    const out = join(root, 'any-out');
    const s = await exportNeuronpedia(db.dataSource, id, out);
    assert.deepEqual([s.modelId, s.sourceId], ['atlas-model', 'tiny-mlp-16x']);
    const back = await importNeuronpedia(db, out, options());
    const a = await dictionaryRows(id);
    const b = await dictionaryRows(back.dictionaryId);
    // What Neuronpedia's records do not carry: decoders (vector is left empty) and the mean activation.
    const comparable = (rows: Record<string, unknown>[]) =>
      rows.map(({ decoder: _d, mean_activation: _m, ...rest }) => rest);
    assert.deepEqual(comparable(b.features), comparable(a.features));
    assert.deepEqual(b.examples, a.examples);
    assert.deepEqual(b.explanations, a.explanations);
  });
});

describe('import-neuronpedia: SIGKILL mid-import', () => {
  it('a rerun resumes the staged load and ends with the rows of an uninterrupted import', async () => {
    const folder = join(root, 'big', 'm', '3-res-big');
    const n = 1100;
    const features = Array.from({ length: n }, (_, i) => ({
      modelId: 'm',
      layer: '3-res-big',
      index: String(i),
      maxActApprox: i / 8,
      frac_nonzero: 0.001,
      pos_str: [`t${i}`],
      pos_values: [i / 16],
    }));
    const acts = features.flatMap((f, i) =>
      [0, 1].map((r) => ({
        modelId: 'm',
        layer: '3-res-big',
        index: f.index,
        tokens: ['a', `b${i}`, 'ç'],
        values: [0, (i + r) / 4, 0.5],
        maxValue: (i + r) / 4,
        maxValueTokenIndex: 1,
      })),
    );
    writeBatch(join(folder, 'features'), 'batch-0.jsonl.gz', features.slice(0, 700));
    writeBatch(join(folder, 'features'), 'batch-1.jsonl.gz', features.slice(700));
    writeBatch(join(folder, 'activations'), 'batch-0.jsonl.gz', acts);
    writeBatch(join(folder, 'explanations'), 'batch-0.jsonl.gz', [
      { modelId: 'm', layer: '3-res-big', index: '7', description: 'seven' },
    ]);

    const clean = await importNeuronpedia(db, folder, options({ name: 'clean', dIn: 4 }));
    const env = { DATABASE_URL: db.url, ATLAS_DATA_DIR: join(root, 'cli-data'), LOG_LEVEL: 'warn' };
    const args = ['import-neuronpedia', folder, '--name', 'killed', '--d-in', '4', '--chunk', '25'];
    const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((done) => child.on('exit', done));
    const staged = async () => {
      const [d] = await db.dataSource.query(`SELECT id FROM dictionaries WHERE name = 'killed'`);
      if (!d) return 0;
      const [{ present }] = await db.dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [
        `features_d${d.id}_next`,
      ]);
      return present ? (await db.dataSource.query(`SELECT count(*)::int AS n FROM features_d${d.id}_next`))[0].n : 0;
    };
    let atKill = 0;
    for (let i = 0; i < 1200 && child.exitCode === null; i++) {
      atKill = await staged();
      if (atKill >= 50) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(atKill > 0 && atKill < n, `killed with ${atKill} of ${n} features staged`);
    const [pending] = await db.dataSource.query(`SELECT id, status FROM dictionaries WHERE name = 'killed'`);
    assert.equal(pending.status, 'pending');

    const rerun = await runCliAsync(args, env);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(
      rerun.stdout,
      new RegExp(`as dictionary ${pending.id} "killed": 1100 features, 2200 examples, 1 explanations \\(resumed`),
    );
    const ids = await db.dataSource.query(`SELECT id FROM dictionaries WHERE name = 'killed'`);
    assert.equal(ids.length, 1);
    assert.deepEqual(await dictionaryRows(pending.id), await dictionaryRows(clean.dictionaryId));
  });
});

// Export → import → export on real databases: a dictionary loaded through the bulk ingest, exported, imported
// into a fresh database and exported again gives the same files apart from ids and timestamps; links come back
// only once their other dictionary exists; bad folders fail with the file and the fix.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { writeSaelens } from '../engine/sae/saelensFormat.js';
import { halfToFloat, floatToHalf } from '../formats/dtype.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from '../ingest/ingestDictionary.js';
import { insertExplanations } from '../store/explanationRows.js';
import { insertLinks } from '../store/linkRows.js';
import { exportDictionary } from './exportDictionary.js';
import { restoreDictionary } from './restoreDictionary.js';

const root = mkdtempSync(join(tmpdir(), 'atlas-export-'));
let source: TestDatabase;
let target: TestDatabase;
before(async () => {
  source = await openTestDatabase();
  target = await openTestDatabase();
});
after(async () => {
  await source?.close();
  await target?.close();
  rmSync(root, { recursive: true, force: true });
});

const dIn = 4;

function feature(i: number, nLatents: number): FeatureRecord {
  return {
    index: i,
    // Values that are not round in binary, so a lossy step in the round trip shows.
    decoder: Float32Array.from({ length: dIn }, (_, j) => Math.sin(i * 7 + j) / 3),
    density: i / 97,
    meanActivation: 0.1 + i / 3,
    maxActivation: 2.5 + i,
    // A key this version does not know must survive the round trip too.
    histogram: { edges: [0, 0.5, 1.25], counts: [i, 3], underflow: i } as FeatureRecord['histogram'],
    label: i % 3 === 0 ? null : `past-tense verb (F1 0.${i}1)`,
    labelScores: i % 3 === 0 ? null : { pos: { VBD: { precision: 0.9, recall: 0.1 * i, f1: 0.5 } } },
    logits: { positive: [{ token: ' café', value: 1.5 + i }], negative: [{ token: '"日本"', value: -2.25 }] },
    mapX: i / 7,
    mapY: -i,
    neighbors: [{ index: (i + 1) % nLatents, cosine: 0.333 }],
  };
}

function examples(i: number): ExampleRecord[] {
  if (i === 2) return []; // a feature without examples
  return [
    { kind: 'top' as const, bin: 0, rank: 0 },
    { kind: 'top' as const, bin: 0, rank: 1 },
    { kind: 'quantile' as const, bin: 3, rank: 0 },
  ].map((k) => ({
    featureIndex: i,
    ...k,
    maxActivation: 5.5 - k.rank,
    docIndex: i * 10 + k.rank,
    tokenStart: 17,
    maxPosition: 1,
    tokens: [' a', ' "b"\n', ' ñ,'],
    activations: [0, 5.5 - k.rank, 0.1],
  }));
}

async function makeDictionary(
  db: TestDatabase,
  name: string,
  nLatents: number,
  extra: { architecture: string; k: number | null; weightsPath: string | null },
): Promise<number> {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO dictionaries (name, model_id, hook_point, architecture, d_in, n_latents, k, l1_coefficient,
       hyperparameters, metrics, curves, status, weights_path)
     VALUES ($1, (SELECT id FROM models WHERE name = 'tiny'), 'blocks.0.mlp.hook_post', $2, $3, $4, $5, $6, $7, $8, $9,
       'ready', $10) RETURNING id`,
    [
      name,
      extra.architecture,
      dIn,
      nLatents,
      extra.k,
      extra.k === null ? 5 : null,
      { lr: 0.0004, batchSize: 256 },
      { l0: 2.01, fvu: 0.123, ceLossRecovered: 0.91 },
      { tokens: [256, 512], loss: [1.5, 0.75] },
      extra.weightsPath,
    ],
  );
  await ingestDictionary(
    db,
    { id, dIn, nLatents },
    Array.from({ length: nLatents }, (_, i) => feature(i, nLatents)),
    examples,
    { chunk: 4 },
  );
  return id;
}

const addModel = (db: TestDatabase) =>
  db.dataSource.query(
    `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size) VALUES ('tiny', 'gpt2', 4, 1, 100)`,
  );

/** An export folder's content, parsed, without what is local to one database (ids, timestamps, paths). */
function content(folder: string) {
  const jsonl = (file: string) =>
    readFileSync(join(folder, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const manifest = JSON.parse(readFileSync(join(folder, 'dictionary.json'), 'utf8'));
  delete manifest.exported_at;
  for (const key of ['id', 'created_at', 'updated_at']) delete manifest.dictionary[key];
  const weights = Object.fromEntries(
    readdirSync(join(folder, 'weights')).map((f) => [f, readFileSync(join(folder, 'weights', f)).toString('base64')]),
  );
  return {
    manifest,
    features: jsonl('features.jsonl'),
    examples: jsonl('examples.jsonl'),
    explanations: jsonl('explanations.jsonl'),
    links: jsonl('links.jsonl').map((l) => ({ ...l, other: { ...l.other, id: undefined } })),
    decoders: readFileSync(join(folder, 'decoders.safetensors')).toString('base64'),
    weights,
  };
}

describe('export → import round trip', () => {
  let a = 0;
  let b = 0;
  const weightsA = join(root, 'weights-a');

  before(async () => {
    await addModel(source);
    await addModel(target);
    mkdirSync(weightsA);
    const nA = 6;
    writeSaelens(weightsA, {
      architecture: 'topk',
      dIn,
      dSae: nA,
      k: 2,
      wEncT: Float32Array.from({ length: nA * dIn }, (_, i) => i / 10),
      bEnc: new Float32Array(nA),
      wDec: Float32Array.from({ length: nA * dIn }, (_, i) => -i / 10),
      bDec: new Float32Array(dIn),
      scale: 1,
    });
    a = await makeDictionary(source, 'mlp 4x', nA, { architecture: 'topk', k: 2, weightsPath: weightsA });
    b = await makeDictionary(source, 'mlp 2x', 8, { architecture: 'relu', k: null, weightsPath: null });
    await insertExplanations(source.dataSource, a, [
      {
        feature_index: 1,
        text: 'fires on "ed" endings',
        source: 'human',
        score: 0.75,
        author: 'ana',
        created_at: '2026-01-02T03:04:05.678+00:00',
      },
      {
        feature_index: 1,
        text: 'past tense',
        source: 'auto',
        score: null,
        author: null,
        created_at: '2026-01-03T00:00:00+00:00',
      },
      {
        feature_index: 4,
        text: 'quotes',
        source: 'gpt-4o',
        score: 0.5,
        author: null,
        created_at: '2026-01-04T00:00:00+00:00',
      },
    ]);
    await insertLinks(source.dataSource, [
      [a, 0, b, 0, 3, 0.875],
      [a, 0, b, 1, 5, 0.5],
      [a, 5, b, 0, 7, 0.25],
      [b, 3, a, 0, 0, 0.875],
      [b, 7, a, 0, 5, 0.25],
    ]);
  });

  it('exports, imports into a fresh database and exports again to the same content', async () => {
    const firstA = join(root, 'first-a');
    const firstB = join(root, 'first-b');
    // Pages of 4 rows, so keyset paging crosses features and example kinds.
    const sA = await exportDictionary(source.dataSource, a, firstA, { pageRows: 4 });
    assert.deepEqual(sA, { features: 6, examples: 15, explanations: 3, links: 5, out: firstA, encoder: true });
    assert.equal(existsSync(`${firstA}.partial`), false);
    const sB = await exportDictionary(source.dataSource, b, firstB);
    assert.equal(sB.encoder, false);

    const manifestB = JSON.parse(readFileSync(join(firstB, 'dictionary.json'), 'utf8'));
    assert.equal(manifestB.weights.source, 'decoder rows');
    assert.match(manifestB.weights.note, /no encoder/);
    const cfgB = JSON.parse(readFileSync(join(firstB, 'weights', 'cfg.json'), 'utf8'));
    assert.equal(cfgB.architecture, 'standard');
    assert.equal(cfgB.atlas.encoder_absent, true);
    const manifestA = JSON.parse(readFileSync(join(firstA, 'dictionary.json'), 'utf8'));
    assert.equal(manifestA.dictionary.model, 'tiny');
    assert.deepEqual(manifestA.dictionary.metrics, { l0: 2.01, fvu: 0.123, ceLossRecovered: 0.91 });
    const featureLine = JSON.parse(readFileSync(join(firstA, 'features.jsonl'), 'utf8').split('\n')[1]);
    assert.deepEqual(featureLine.logits, {
      positive: [{ token: ' café', value: 2.5 }],
      negative: [{ token: '"日本"', value: -2.25 }],
    });
    assert.equal(featureLine.label, 'past-tense verb (F1 0.11)');
    // real columns come out as the shortest decimal that reads back to the same float32.
    assert.equal(Math.fround(featureLine.density), Math.fround(1 / 97));

    // B first: A is not there yet, so B's links wait; then A brings the links of both directions.
    const weightsDir = (id: number) => join(root, 'target-weights', String(id));
    const importedB = await restoreDictionary(target, firstB, { weightsDir });
    assert.equal(importedB.links, 0);
    assert.equal(importedB.linksSkipped, 5);
    assert.equal(importedB.weightsPath, null);
    const importedA = await restoreDictionary(target, firstA, { weightsDir });
    assert.deepEqual(
      { ...importedA, dictionaryId: undefined },
      {
        dictionaryId: undefined,
        features: 6,
        examples: 15,
        explanations: 3,
        links: 5,
        linksSkipped: 0,
        weightsPath: weightsDir(importedA.dictionaryId),
      },
    );
    const [{ model }] = await target.dataSource.query(
      `SELECT m.name AS model FROM dictionaries d JOIN models m ON m.id = d.model_id WHERE d.id = $1`,
      [importedA.dictionaryId],
    );
    assert.equal(model, 'tiny');

    const secondA = join(root, 'second-a');
    const secondB = join(root, 'second-b');
    await exportDictionary(target.dataSource, importedA.dictionaryId, secondA);
    await exportDictionary(target.dataSource, importedB.dictionaryId, secondB);
    assert.deepEqual(content(secondA), content(firstA));
    assert.deepEqual(content(secondB), content(firstB));
  });

  it('refuses an existing --out and an unknown dictionary', async () => {
    const out = join(root, 'taken');
    mkdirSync(out);
    await assert.rejects(
      exportDictionary(source.dataSource, a, out),
      /--out .*taken already exists; pick a new folder/,
    );
    await assert.rejects(
      exportDictionary(source.dataSource, 9999, join(root, 'none')),
      /--dictionary 9999: no such dictionary/,
    );
    assert.equal(existsSync(join(root, 'none.partial')), false);
  });

  it('rejects bad export folders with the file and the fix, leaving no half-imported dictionary', async () => {
    const weightsDir = (id: number) => join(root, 'bad-weights', String(id));
    const count = async () => Number((await target.dataSource.query(`SELECT count(*) AS n FROM dictionaries`))[0].n);
    const before = await count();
    await assert.rejects(restoreDictionary(target, join(root, 'missing'), { weightsDir }), /missing: no such folder/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(
      restoreDictionary(target, empty, { weightsDir }),
      /dictionary\.json: cannot read .*worker export/,
    );

    const good = join(root, 'good');
    await exportDictionary(source.dataSource, a, good);
    const copy = (name: string) => {
      const dir = join(root, name);
      cpSync(good, dir, { recursive: true });
      return dir;
    };
    const noWeights = copy('no-weights');
    rmSync(join(noWeights, 'weights'), { recursive: true });
    await assert.rejects(
      restoreDictionary(target, noWeights, { weightsDir }),
      /no-weights\/weights: missing sae_weights\.safetensors, which dictionary\.json says holds the encoder/,
    );
    const wrongShape = copy('wrong-shape');
    writeSafetensors(join(wrongShape, 'decoders.safetensors'), {
      decoder: { data: new Float32Array(12), shape: [3, 4] },
    });
    await assert.rejects(
      restoreDictionary(target, wrongShape, { weightsDir }),
      /decoders\.safetensors: decoder is \[3, 4\] but dictionary\.json \(d_in=4, n_latents=6\) needs \[6, 4\]/,
    );
    const truncated = copy('truncated');
    const bytes = readFileSync(join(good, 'decoders.safetensors'));
    writeFileSync(join(truncated, 'decoders.safetensors'), bytes.subarray(0, bytes.length - 8));
    await assert.rejects(restoreDictionary(target, truncated, { weightsDir }), /decoders\.safetensors: truncated/);
    const badLine = copy('bad-line');
    const lines = readFileSync(join(good, 'features.jsonl'), 'utf8').split('\n');
    lines[3] = lines[3].replace('"mean_activation":', '"mean_activation":"high","was":');
    writeFileSync(join(badLine, 'features.jsonl'), lines.join('\n'));
    await assert.rejects(
      restoreDictionary(target, badLine, { weightsDir }),
      /features\.jsonl: line 4: mean_activation: Invalid input: expected number, received string/,
    );
    const cut = copy('cut');
    writeFileSync(join(cut, 'examples.jsonl'), readFileSync(join(good, 'examples.jsonl'), 'utf8').slice(0, -40));
    await assert.rejects(restoreDictionary(target, cut, { weightsDir }), /examples\.jsonl: line 15 is not valid JSON/);
    assert.equal(await count(), before, 'failed imports leave no dictionary behind');
    const [{ staged }] = await target.dataSource.query(
      `SELECT count(*)::int AS staged FROM pg_tables WHERE tablename LIKE '%\\_next'`,
    );
    assert.equal(staged, 0, 'nor staging tables');
  });
});

describe('export → import of a wide dictionary (d_in > 2,000: decoders stored as halfvec)', () => {
  it('keeps the half-precision decoder rows exactly', async () => {
    const wide = 2001;
    const [{ id }] = await source.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k) VALUES ('wide', 'h', 'topk', $1, 2, 1) RETURNING id`,
      [wide],
    );
    const rows = [0, 1].map((i) => ({
      ...feature(i, 2),
      decoder: Float32Array.from({ length: wide }, (_, j) => Math.cos(i + j / 10) / 7),
    }));
    await ingestDictionary(source, { id, dIn: wide, nLatents: 2 }, rows, () => []);
    const first = join(root, 'wide-1');
    await exportDictionary(source.dataSource, id, first);
    const manifest = JSON.parse(readFileSync(join(first, 'dictionary.json'), 'utf8'));
    assert.equal(manifest.decoders.dtype, 'float16');
    const imported = await restoreDictionary(target, first, {
      weightsDir: (i) => join(root, 'wide-weights', String(i)),
    });
    const [{ half }] = await target.dataSource.query(
      `SELECT decoder IS NULL AND decoder_half IS NOT NULL AS half FROM features WHERE dictionary_id = $1 AND index = 1`,
      [imported.dictionaryId],
    );
    assert.equal(half, true);
    const second = join(root, 'wide-2');
    await exportDictionary(target.dataSource, imported.dictionaryId, second);
    assert.deepEqual(content(second), content(first));
    // The stored rows are the float16 roundings of what was ingested, and the export holds exactly those.
    const decoder = readSafetensors(join(second, 'decoders.safetensors')).tensors.get('decoder')!;
    assert.deepEqual(decoder.shape, [2, wide]);
    for (let j = 0; j < wide; j += 97)
      assert.equal(decoder.data[wide + j], halfToFloat(floatToHalf(rows[1].decoder[j])), `decoder[1, ${j}]`);
  });
});

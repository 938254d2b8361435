import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase } from '@atlas/migrations/testing';
import { ingestDictionary, type ExampleRecord, type FeatureRecord } from './ingestDictionary.js';

const dIn = 4;
const nLatents = 25;

function feature(i: number): FeatureRecord {
  const decoder = Float32Array.from({ length: dIn }, (_, j) => (j === i % dIn ? 1 : 0));
  return {
    index: i,
    decoder,
    density: i / 100,
    meanActivation: 1 + i,
    maxActivation: 2 + i,
    histogram: { edges: [0, 1, 2], counts: [i, 1] },
    label: `feature ${i}`,
    labelScores: { best: { f1: 0.5 } },
    logits: { positive: [{ token: ' the', value: 1.5 }], negative: [{ token: '"', value: -2 }] },
    mapX: i,
    mapY: -i,
    neighbors: [{ index: (i + 1) % nLatents, cosine: 0.5 }],
  };
}

function examples(i: number): ExampleRecord[] {
  return [0, 1].map((rank) => ({
    featureIndex: i,
    kind: 'top' as const,
    bin: 0,
    rank,
    maxActivation: 5 - rank,
    docIndex: i,
    tokenStart: rank * 10,
    maxPosition: 1,
    tokens: [' a', rank === 0 ? ' "b"' : ' "B"', ' c,'],
    activations: [0, 5 - rank, 0.5],
  }));
}

function* features(failAt?: number): Generator<FeatureRecord> {
  for (let i = 0; i < nLatents; i++) {
    if (i === failAt) throw new Error('killed mid-ingest');
    yield feature(i);
  }
}

async function snapshot(db: Awaited<ReturnType<typeof openTestDatabase>>, id: number) {
  const f = await db.dataSource.query(
    `SELECT index, decoder::text, density, label, logits, map_x, neighbors FROM features WHERE dictionary_id = $1 ORDER BY index`,
    [id],
  );
  const e = await db.dataSource.query(
    `SELECT feature_index, kind, rank, tokens, activations FROM feature_examples WHERE dictionary_id = $1 ORDER BY feature_index, rank`,
    [id],
  );
  const t = await db.dataSource.query(
    `SELECT token_key, feature_index, token, max_activation, examples FROM feature_tokens WHERE dictionary_id = $1 ORDER BY feature_index, token COLLATE "C"`,
    [id],
  );
  return { f, e, t };
}

test('ingest loads every feature and example; re-running replaces; an interrupted ingest resumes to the same content', async () => {
  const db = await openTestDatabase();
  try {
    const make = async (name: string) =>
      (
        await db.dataSource.query(
          `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents, k) VALUES ($1, 'h', 'topk', $2, $3, 2) RETURNING id`,
          [name, dIn, nLatents],
        )
      )[0].id as number;
    const a = await make('uninterrupted');
    const progress: number[] = [];
    const done = await ingestDictionary(db, { id: a, dIn, nLatents }, features(), examples, {
      chunk: 10,
      onProgress: (p) => progress.push(p.features),
    });
    assert.deepEqual(done, { features: 25, examples: 50, totalFeatures: 25 });
    assert.deepEqual(progress, [10, 20, 25]);
    const first = await snapshot(db, a);
    assert.equal(first.f.length, 25);
    assert.equal(first.e.length, 50);
    assert.equal(first.f[5].decoder, '[0,1,0,0]');
    assert.equal(first.f[5].label, 'feature 5');
    assert.deepEqual(first.f[5].logits.negative, [{ token: '"', value: -2 }]);
    assert.deepEqual(first.e[0].tokens, [' a', ' "b"', ' c,']);
    assert.deepEqual(first.f[5].neighbors, [{ index: 6, cosine: 0.5 }]);
    // The top examples peak on ' "b"' and ' "B"': different tokens, one inverted-index row each, same folded key.
    assert.equal(first.t.length, 50);
    assert.deepEqual(first.t.slice(6, 8), [
      { token_key: '"b"', feature_index: 3, token: ' "B"', max_activation: 4, examples: 1 },
      { token_key: '"b"', feature_index: 3, token: ' "b"', max_activation: 5, examples: 1 },
    ]);

    await ingestDictionary(db, { id: a, dIn, nLatents }, features(), examples, { chunk: 10 });
    assert.deepEqual(await snapshot(db, a), first, 're-run must replace, not duplicate');

    const b = await make('interrupted');
    await assert.rejects(
      ingestDictionary(db, { id: b, dIn, nLatents }, features(17), examples, { chunk: 5 }),
      /killed/,
    );
    assert.equal((await snapshot(db, b)).f.length, 0, 'nothing visible before the swap');
    const resumed = await ingestDictionary(db, { id: b, dIn, nLatents }, features(), examples, {
      chunk: 5,
      resume: true,
    });
    assert.equal(resumed.examples, 50 - 15 * 2, 'only the chunks after the last landed one are loaded again');
    const second = await snapshot(db, b);
    assert.deepEqual(second, first);
  } finally {
    await db.close();
  }
});

test('a decoder of the wrong width is refused with the feature named', async () => {
  const db = await openTestDatabase();
  try {
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO dictionaries (name, hook_point, architecture, d_in, n_latents) VALUES ('x', 'h', 'relu', 8, 1) RETURNING id`,
    );
    await assert.rejects(
      ingestDictionary(db, { id, dIn: 8, nLatents: 1 }, [feature(0)], () => []),
      /feature 0: decoder has 4 values, dictionary d_in is 8/,
    );
  } finally {
    await db.close();
  }
});

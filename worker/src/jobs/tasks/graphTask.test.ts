// The graph job through the real queue and runner, with a stand-in core that returns a fixed graph (the numeric
// core is tested on its own): the job resolves the atlas model and its transcoder set, reports progress, stores the
// graph with each feature's dictionary, names it in its result, answers a retry with the stored graph, and refuses
// a prompt longer than the model's context.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadGraph } from '@atlas/migrations';
import { openTestDatabase } from '@atlas/migrations/testing';
import { DEFAULT_GRAPH_PARAMS, type GraphParams, type TranscoderSet } from '../../circuits/attributionGraph.js';
import { smallAttributionGraph } from '../../circuits/smallAttributionGraph.testing.js';
import { graphIntoAtlas, resolveGraphModel, type AttributionCore } from '../../pipeline/graphIntoAtlas.js';
import { loadTokenizer } from '../../tokenizer/bpe.js';
import { BUILTIN_4L_MODEL_DIR, BUILTIN_MODEL_DIR } from '../../transformer/builtinModel.js';
import { modelDir, type LoadedModel } from '../../transformer/modelFolder.js';
import { claimJob } from '../queue/claimJob.js';
import { runJob, type ClaimedJob } from '../runJob.js';
import { createGraphTask } from './graphTask.js';

const worker = { id: 'w1', leaseMs: 60_000 };

/** The fields of a loaded model the job reads: the built-in tokenizer, a 2-layer config with a 16-token context. */
function standInModel(): LoadedModel {
  const { tokenizer } = loadTokenizer(join(BUILTIN_MODEL_DIR, 'tokenizer.json'));
  // The job reads name, config, tokenizer and bosId; the stand-in core never touches the weights.
  return { name: 'tiny-test-lm', config: { nLayer: 2, nPositions: 16 }, tokenizer, bosId: 0 } as unknown as LoadedModel;
}

test('a graph job builds with the atlas transcoders, stores the graph, names it in its result; a retry reuses it', async () => {
  const db = await openTestDatabase();
  try {
    const [{ id: modelId }] = await db.dataSource.query(
      `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size, weights_path)
       VALUES ('tiny-test-lm', 'gpt2', 8, 2, 100, '/models/tiny-test-lm') RETURNING id`,
    );
    const transcoder = async (name: string, layer: number): Promise<number> =>
      (
        await db.dataSource.query(
          `INSERT INTO dictionaries (name, model_id, hook_point, architecture, d_in, n_latents, weights_path, hyperparameters)
           VALUES ($1, $2, $3, 'topk', 8, 32, $4, '{"architecture": "transcoder"}') RETURNING id`,
          [name, modelId, `blocks.${layer}.ln2.hook_normalized`, `/dictionaries/${name}`],
        )
      )[0].id;
    await transcoder('old-tc0', 0);
    const tc0 = await transcoder('tc0', 0);
    const tc1 = await transcoder('tc1', 1);
    const calls: { folders: string[]; prompt?: string; params?: GraphParams; loadedFrom?: string }[] = [];
    const core: AttributionCore = {
      loadTranscoderSet(folders) {
        calls.push({ folders });
        return { modelId: 'tiny-test-lm', layers: [] } satisfies TranscoderSet;
      },
      async buildAttributionGraph(_model, _set, prompt, params, onProgress) {
        Object.assign(calls[calls.length - 1], { prompt, params });
        for (let step = 1; step <= 4; step++) onProgress?.(step, 4);
        return smallAttributionGraph();
      },
    };
    const task = createGraphTask(db, {
      core,
      loadModel: async (folder) => {
        calls.push({ folders: [], loadedFrom: folder });
        return standInModel();
      },
    });
    const enqueue = async (payload: object): Promise<number> =>
      (
        await db.dataSource.query(`INSERT INTO jobs (type, payload) VALUES ('graph', $1) RETURNING id`, [
          JSON.stringify(payload),
        ])
      )[0].id;
    const run = async (jobId: number) => {
      const job = await claimJob(db.dataSource, ['graph'], worker.id, worker.leaseMs);
      assert.equal(job?.id, jobId);
      const outcome = await runJob(db.dataSource, job as unknown as ClaimedJob, task, worker);
      const [row] = await db.dataSource.query(
        `SELECT state, error, progress, result, checkpoint FROM jobs WHERE id = $1`,
        [jobId],
      );
      return { outcome, row };
    };

    const jobId = await enqueue({ modelName: 'tiny-test-lm', prompt: 'The cat sat', nodeThreshold: 0.5 });
    const first = await run(jobId);
    assert.equal(first.outcome, 'succeeded', first.row.error);
    const graphId = first.row.result.graphId;
    assert.ok(Number.isInteger(graphId));
    assert.deepEqual(first.row.checkpoint, { graphId });
    assert.equal(first.row.progress.fraction, 1);
    assert.equal(first.row.progress.message, `graph ${graphId}`);
    // The model came from the atlas row's folder; the newest transcoder of each layer, in layer order.
    assert.equal(calls[0].loadedFrom, '/models/tiny-test-lm');
    assert.deepEqual(calls[1].folders, ['/dictionaries/tc0', '/dictionaries/tc1']);
    assert.equal(calls[1].prompt, 'The cat sat');
    assert.deepEqual(calls[1].params, {
      nodeThreshold: 0.5,
      edgeThreshold: 0.98,
      maxFeatureNodes: 4096,
      logitProbability: 0.95,
      maxLogits: 10,
    });

    const stored = await loadGraph(db.dataSource, graphId);
    assert.ok(stored);
    assert.equal(stored.modelName, 'tiny-test-lm');
    assert.equal(stored.modelId, modelId);
    assert.equal(stored.title, 'The cat sat');
    assert.deepEqual(stored.transcoderIds, [tc0, tc1]);
    assert.deepEqual(stored.transcoderNames, ['tc0', 'tc1']);
    const fixed = smallAttributionGraph();
    assert.equal(stored.nodes.length, fixed.nodes.length);
    assert.deepEqual(stored.edges, fixed.edges);
    const byId = new Map(stored.nodes.map((n) => [n.nodeId, n]));
    assert.equal(byId.get('0_17_1')?.dictionaryId, tc0);
    assert.equal(byId.get('1_5_2')?.dictionaryId, tc1);
    assert.equal(byId.get('E_3797_1')?.tokenText, ' cat');
    // Logit token text comes from the model's tokenizer.
    assert.equal(byId.get('3_13_2')?.tokenText, standInModel().tokenizer.tokenText(13));

    // A retry of a job whose graph was stored (its checkpoint names it) builds nothing new.
    await db.dataSource.query(`UPDATE jobs SET state = 'queued', locked_by = NULL, result = NULL WHERE id = $1`, [
      jobId,
    ]);
    const builds = calls.length;
    const retry = await run(jobId);
    assert.equal(retry.outcome, 'succeeded', retry.row.error);
    assert.deepEqual(retry.row.result, { graphId });
    assert.equal(calls.length, builds);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM graphs`);
    assert.equal(n, 1);

    // Folders (the CLI's --transcoders) link to the dictionaries analysed from them when every layer's is one.
    const byFolders = (folders: string[]) =>
      graphIntoAtlas(db, {
        modelName: 'tiny-test-lm',
        prompt: 'The cat',
        transcoderFolders: folders,
        params: DEFAULT_GRAPH_PARAMS,
        core,
        loadModel: async () => standInModel(),
      });
    const linked = await byFolders(['/dictionaries/tc0', '/dictionaries/tc1']);
    assert.deepEqual(linked.transcoders.dictionaryIds, [tc0, tc1]);
    assert.deepEqual((await loadGraph(db.dataSource, linked.graphId!))?.transcoderIds, [tc0, tc1]);
    const partly = await byFolders(['/dictionaries/tc0', '/elsewhere/tc1']);
    assert.deepEqual([partly.transcoders.dictionaryIds, partly.transcoders.names], [[], ['tc0', 'tc1']]);
    await db.dataSource.query(`DELETE FROM graphs WHERE id = ANY($1::int[])`, [[linked.graphId, partly.graphId]]);

    // A prompt longer than the context fails with both numbers; nothing is stored.
    const long = await run(await enqueue({ modelName: 'tiny-test-lm', prompt: 'the cat sat on the mat '.repeat(10) }));
    assert.equal(long.outcome === 'succeeded', false);
    assert.match(long.row.error, /payload prompt is \d+ tokens with BOS but tiny-test-lm reads at most 16; shorten/);
    const unknown = await run(await enqueue({ modelName: 'no-such-model', prompt: 'The cat' }));
    assert.match(unknown.row.error, /payload modelName no-such-model: no atlas model has this name/);
    assert.deepEqual(await db.dataSource.query(`SELECT count(*)::int AS n FROM graphs`), [{ n: 1 }]);
  } finally {
    await db.close();
  }
});

test("an atlas model named for a committed model (no weights_path) loads that model's folder, not the one-layer one", async () => {
  const db = await openTestDatabase();
  try {
    await db.dataSource.query(
      `INSERT INTO models (name, architecture, d_model, n_layers, vocab_size, weights_path)
       VALUES ('builtin:tiny-brown-4l', 'gpt2', 128, 4, 4096, NULL), ('builtin:tiny-brown', 'gpt2', 128, 1, 4096, NULL)`,
    );
    const fourLayers = await resolveGraphModel(db.dataSource, 'builtin:tiny-brown-4l');
    assert.equal(fourLayers.folder, 'builtin:tiny-brown-4l');
    assert.equal(modelDir(fourLayers.folder).dir, BUILTIN_4L_MODEL_DIR);
    assert.equal(
      modelDir((await resolveGraphModel(db.dataSource, 'builtin:tiny-brown')).folder).dir,
      BUILTIN_MODEL_DIR,
    );
  } finally {
    await db.close();
  }
});

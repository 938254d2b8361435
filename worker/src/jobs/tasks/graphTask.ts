// The `graph` job: build the attribution graph of a prompt with the atlas's model and transcoders, store it, and
// name it in the job's result (`{ graphId }`). The graph id is also the checkpoint: a retry after the graph was
// stored (a worker killed before the job was marked done) answers with that graph instead of building another.
import { JobPayloads, loadGraph, type OpenDatabase } from '@atlas/migrations';
import { graphSummaryLine } from '../../circuits/attributionGraph.js';
import { attributionCore } from '../../pipeline/attributionCore.js';
import { graphIntoAtlas, graphParams, type AttributionCore } from '../../pipeline/graphIntoAtlas.js';
import type { LoadedModel } from '../../transformer/modelFolder.js';
import type { TaskHandler } from './taskHandler.js';

export interface GraphTaskDeps {
  /** The numeric core (default: the worker's); tests pass one that returns a fixed graph. */
  core?: AttributionCore;
  /** Loads a model folder (default: modelFolder's loadModel). */
  loadModel?: (folder: string) => Promise<LoadedModel>;
}

const PAYLOAD_FIELDS = {
  nodeThreshold: 'payload nodeThreshold',
  edgeThreshold: 'payload edgeThreshold',
  maxFeatureNodes: 'payload maxFeatureNodes',
};

/** The graph task on `db`. */
export function createGraphTask(db: OpenDatabase, deps: GraphTaskDeps = {}): TaskHandler {
  return {
    async run({ payload, checkpoint, progress }) {
      const p = JobPayloads.graph.parse(payload);
      const done = checkpoint?.graphId;
      if (typeof done === 'number' && (await loadGraph(db.dataSource, done))) {
        await progress.result({ graphId: done });
        await progress.log('info', `graph ${done} was stored by an earlier attempt`);
        return;
      }
      // TF.js only when a real model is loaded: a test's stand-in needs none of it.
      const modelFolder = deps.loadModel ? undefined : await import('../../transformer/modelFolder.js');
      const loadModel = deps.loadModel ?? ((folder: string) => modelFolder!.loadModel(folder));
      const started = Date.now();
      const built = await graphIntoAtlas(db, {
        modelName: p.modelName,
        prompt: p.prompt,
        title: p.title,
        transcoderIds: p.transcoderIds,
        params: graphParams(p, PAYLOAD_FIELDS),
        core: deps.core ?? attributionCore,
        loadModel,
        disposeModel: modelFolder ? (m) => modelFolder.disposeModel(m) : undefined,
        // reportSoon throws JobCancelled at the next callback after a cancel, which stops the build there.
        onProgress: (d, total) => progress.reportSoon({ done: d, total, unit: 'steps' }),
        fields: { model: 'payload modelName', prompt: 'payload prompt', transcoderIds: 'payload transcoderIds' },
      });
      await progress.settle();
      const { graph, graphId } = built;
      if (graphId === null) throw new Error('graphIntoAtlas stores the graph when given a database');
      await progress.checkpoint({ graphId });
      await progress.result({ graphId });
      await progress.report({ done: 1, total: 1, unit: 'graphs', message: `graph ${graphId}` }, true);
      await progress.log(
        'info',
        `graph ${graphId}: ${graphSummaryLine(graph, p.modelName, (Date.now() - started) / 1000)}`,
      );
    },
  };
}

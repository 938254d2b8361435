// `worker graph`: the attribution graph of a prompt (issue 18), written as Neuronpedia's graph JSON and, with
// --database, stored in the atlas; `worker import-graph <file.json>`: store a graph file made elsewhere.
import { readFileSync, writeFileSync } from 'node:fs';
import { graphSlug, loadGraph, openDatabase, saveGraph, type OpenDatabase } from '@atlas/migrations';
import type { Command } from 'commander';
import { loadWorkerConfig } from '../../config.js';
import { AtlasError } from '../../errors.js';
import { graphSummaryLine } from '../../circuits/attributionGraph.js';
import { fromNeuronpediaGraph, toNeuronpediaGraph } from '../../circuits/neuronpediaGraph.js';
import { attributionCore } from '../../pipeline/attributionCore.js';
import { importedGraphToSave, storedGraphToNeuronpedia } from '../../pipeline/graphJson.js';
import { graphIntoAtlas, graphParams, resolveGraphModel } from '../../pipeline/graphIntoAtlas.js';
import { integerFlag, numberFlag } from '../parseArgs.js';
import { createProgress } from '../progress.js';

interface GraphFlags {
  model: string;
  transcoders?: string[];
  prompt?: string;
  title?: string;
  out?: string;
  nodeThreshold?: number;
  edgeThreshold?: number;
  maxFeatureNodes?: number;
  database?: boolean;
}

const share = (flag: string) => numberFlag(flag, { min: Number.MIN_VALUE, max: 1 });

async function withDatabase<T>(work: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadWorkerConfig().db);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description(
      "build the attribution graph of a prompt through a model's per-layer transcoders and write it as Neuronpedia's graph JSON (--out), store it in the atlas (--database), or both",
    )
    .option('--model <name|folder>', "an atlas model's name (with --database), 'builtin', or a GPT-2 folder", 'builtin')
    .option(
      '--transcoders <dir...>',
      "one transcoder folder per layer, in layer order (with --database and none given: the model's ingested transcoder set)",
    )
    .option('--prompt <text>', 'the text whose next token the graph explains')
    .option('--title <text>', 'title of the stored graph (default: the prompt)')
    .option('--out <file.json>', "write the graph as Neuronpedia's graph JSON")
    .option(
      '--node-threshold <share>',
      'keep the nodes holding this share of influence (0, 1]',
      share('--node-threshold'),
    )
    .option(
      '--edge-threshold <share>',
      'keep the edges holding this share of influence (0, 1]',
      share('--edge-threshold'),
    )
    .option(
      '--max-feature-nodes <n>',
      'most feature nodes whose inputs are attributed',
      integerFlag('--max-feature-nodes', 1),
    )
    .option('--database', 'store the graph in the atlas database (DATABASE_URL, else the embedded one)')
    .action(async (flags: GraphFlags) => {
      const prompt = flags.prompt;
      if (prompt === undefined)
        throw new AtlasError('ARGUMENT_INVALID', '--prompt is required: the text whose next token the graph explains');
      if (!flags.out && !flags.database)
        throw new AtlasError('ARGUMENT_INVALID', 'nothing to write: give --out <file.json>, --database, or both');
      const params = graphParams(flags);
      const progress = createProgress('graph', { rateUnit: 'step' });
      const { disposeModel, loadModel } = await import('../../transformer/modelFolder.js');
      const build = (db: OpenDatabase | undefined) =>
        graphIntoAtlas(db, {
          modelName: flags.model,
          prompt,
          title: flags.title,
          transcoderFolders: flags.transcoders,
          params,
          core: attributionCore,
          loadModel,
          disposeModel,
          onProgress: (done, total) => progress.update(done, total, done, ''),
        });
      const built = flags.database ? await withDatabase(build) : await build(undefined);
      progress.done();
      const { graph } = built;
      console.log(graphSummaryLine(graph, built.modelName));
      if (built.graphId !== null) console.log(`stored as graph ${built.graphId}`);
      if (flags.out) {
        const json = toNeuronpediaGraph(graph, {
          slug: graphSlug(flags.title ?? graph.prompt),
          logitTokens: built.logitTokens,
          transcoderList: built.transcoders.names,
          createdAtMs: Date.now(),
        });
        writeFileSync(flags.out, JSON.stringify(json));
        console.log(`wrote ${flags.out} (Neuronpedia graph JSON)`);
      }
    });

  program
    .command('import-graph <file>')
    .description(
      "store an attribution graph file in Neuronpedia's graph JSON (from Neuronpedia, circuit-tracer or `worker graph`)",
    )
    .option('--title <text>', 'title of the stored graph (default: the prompt)')
    .option('--check', 'read it back and compare with the file (our own exports come back byte for byte)')
    .action(async (file: string, flags: { title?: string; check?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new AtlasError('SOURCE_NOT_FOUND', `${file}: cannot read it (${(err as Error).message})`);
      }
      const imported = fromNeuronpediaGraph(text);
      await withDatabase(async (db) => {
        // The file's scan names the model; it is linked when the atlas knows a model of that name.
        const model = await resolveGraphModel(db.dataSource, imported.graph.modelId).catch(() => null);
        const id = await saveGraph(db, importedGraphToSave(imported, { title: flags.title, modelId: model?.modelId }));
        const { graph } = imported;
        console.log(
          `stored graph ${id}: "${graph.prompt}" on ${graph.modelId}, ${graph.nodes.length} nodes, ${graph.edges.length} edges`,
        );
        if (flags.check) {
          const stored = await loadGraph(db.dataSource, id);
          const same =
            stored !== null && JSON.stringify(storedGraphToNeuronpedia(stored)) === JSON.stringify(JSON.parse(text));
          console.log(
            same ? 'read back: the same JSON' : 'read back: differs from the file (fields the atlas does not keep)',
          );
        }
      });
    });
}

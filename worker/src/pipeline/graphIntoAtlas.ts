// Attribution graphs into the atlas (issue 18): resolve the model (an atlas model's folder, or a folder given) and
// the transcoder set (dictionaries of the atlas, or folders given), check the prompt fits the model's context, build
// the graph, and store it with its token texts and the dictionary of each layer. Shared by `worker graph` and the
// `graph` job.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { saveGraph, type OpenDatabase } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import type { AttributionGraph, GraphParams, TranscoderSet } from '../circuits/attributionGraph.js';
import { DEFAULT_GRAPH_PARAMS } from '../circuits/attributionGraph.js';
import { transcoderFolders } from '../circuits/transcoderSet.js';
import { AtlasError } from '../errors.js';
import { loadTokenizer, type BpeTokenizer } from '../tokenizer/bpe.js';
import { builtinModel } from '../transformer/builtinModel.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import { graphToSave } from './graphJson.js';

/**
 * The numeric core, passed in: `buildAttributionGraph` (worker/src/circuits/buildAttributionGraph.ts) and
 * `loadTranscoderSet` (worker/src/circuits/transcoderSet.ts), written beside this; tests pass a fixed graph.
 */
export interface AttributionCore {
  loadTranscoderSet(folders: string[]): Promise<TranscoderSet> | TranscoderSet;
  buildAttributionGraph(
    model: LoadedModel,
    transcoders: TranscoderSet,
    prompt: string,
    params: GraphParams,
    onProgress?: (done: number, total: number) => void,
  ): Promise<AttributionGraph>;
}

/** Where a graph's model comes from: an atlas model (its weights folder), or a folder or 'builtin' given directly. */
export interface GraphModelSource {
  /** The atlas model's name, or the folder as given. */
  name: string;
  folder: string;
  modelId: number | null;
}

/** The model named `spec`: an atlas model by name (its weights_path), else a model folder; one error otherwise. */
export async function resolveGraphModel(
  ds: DataSource | undefined,
  spec: string,
  field = '--model',
): Promise<GraphModelSource> {
  if (ds) {
    const rows: { id: number; name: string; weights_path: string | null }[] = await ds.query(
      `SELECT id, name, weights_path FROM models WHERE name = $1`,
      [spec],
    );
    if (rows[0]) {
      const folder = rows[0].weights_path ?? (builtinModel(rows[0].name) ? rows[0].name : null);
      if (!folder)
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `${field} ${spec}: the atlas knows this model but not where its weights are (models.weights_path is empty); pass the model folder instead`,
        );
      return { name: rows[0].name, folder, modelId: rows[0].id };
    }
  }
  if (builtinModel(spec) || existsSync(join(spec, 'config.json'))) return { name: spec, folder: spec, modelId: null };
  throw new AtlasError(
    'SOURCE_NOT_FOUND',
    `${field} ${spec}: no atlas model has this name and it is no model folder (no config.json); give a model name from { models } or a GPT-2 folder`,
  );
}

/** A graph's transcoders: one per layer, in layer order. */
export interface GraphTranscoders {
  folders: string[];
  /** The atlas dictionaries (empty when given as folders). */
  dictionaryIds: number[];
  names: string[];
}

const layerOf = (hookPoint: string) => {
  const m = /^blocks\.(\d+)\./.exec(hookPoint);
  return m ? Number(m[1]) : undefined;
};

interface TranscoderRow {
  id: number;
  name: string;
  hook_point: string;
  weights_path: string | null;
  model_id: number | null;
}

/**
 * The transcoder dictionaries of a graph: `ids` in layer order when given (each a dictionary with weights on disk),
 * else the model's newest ingested transcoder of each layer; one error naming what is missing.
 */
export async function resolveGraphTranscoders(
  ds: DataSource,
  model: { modelId: number | null; name: string; nLayers: number },
  ids: readonly number[] | undefined,
  field = 'transcoderIds',
): Promise<GraphTranscoders> {
  let rows: TranscoderRow[];
  if (ids) {
    const found: TranscoderRow[] = await ds.query(
      `SELECT id, name, hook_point, weights_path, model_id FROM dictionaries WHERE id = ANY($1::int[])`,
      [[...ids]],
    );
    const byId = new Map(found.map((r) => [r.id, r]));
    rows = ids.map((id, i) => {
      const r = byId.get(id);
      if (!r)
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `${field}[${i}]: no dictionary ${id}; list them with { dictionaries { id name } }`,
        );
      if (layerOf(r.hook_point) !== i)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `${field}[${i}]: dictionary ${id} (${r.name}) reads ${r.hook_point}, not layer ${i}; give one transcoder per layer, in layer order`,
        );
      return r;
    });
  } else {
    const all: TranscoderRow[] =
      model.modelId === null
        ? []
        : await ds.query(
            `SELECT id, name, hook_point, weights_path, model_id FROM dictionaries
              WHERE model_id = $1 AND hyperparameters->>'architecture' IN ('transcoder', 'skip_transcoder')
              ORDER BY id DESC`,
            [model.modelId],
          );
    rows = [];
    for (let layer = 0; layer < model.nLayers; layer++) {
      const r = all.find((d) => layerOf(d.hook_point) === layer);
      if (!r)
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `model ${model.name} has no ingested transcoder for layer ${layer} (of ${model.nLayers}); ingest one per layer, or give ${field}`,
        );
      rows.push(r);
    }
  }
  if (rows.length !== model.nLayers)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${field}: ${rows.length} transcoders for a model of ${model.nLayers} layers; give one per layer`,
    );
  return {
    folders: rows.map((r, i) => {
      if (!r.weights_path)
        throw new AtlasError(
          'SOURCE_NOT_FOUND',
          `${field}[${i}]: dictionary ${r.id} (${r.name}) has no weights on disk (weights_path is empty); restore or re-import it`,
        );
      return r.weights_path;
    }),
    dictionaryIds: rows.map((r) => r.id),
    names: rows.map((r) => r.name),
  };
}

/**
 * Transcoder folders as a graph's transcoders: linked to the atlas dictionaries analysed from them (same
 * weights_path) when every layer's folder is one, so the graph's feature nodes open their feature pages; else
 * named by folder and linked to none (a mixed set would link some layers and not others).
 */
export async function transcodersOfFolders(ds: DataSource | undefined, given: string[]): Promise<GraphTranscoders> {
  const folders = transcoderFolders(given).map((f) => resolve(f));
  const unlinked = { folders, dictionaryIds: [], names: folders.map((f) => basename(f)) };
  if (!ds) return unlinked;
  // weights_path is as the analysis was given it (maybe relative to where it ran): compare resolved paths.
  const rows: { id: number; name: string; weights_path: string }[] = await ds.query(
    `SELECT id, name, weights_path FROM dictionaries
      WHERE weights_path IS NOT NULL AND hyperparameters->>'architecture' IN ('transcoder', 'skip_transcoder')
      ORDER BY id DESC`,
  );
  const byFolder = new Map<string, { id: number; name: string }>();
  for (const r of rows) if (!byFolder.has(resolve(r.weights_path))) byFolder.set(resolve(r.weights_path), r);
  const linked = folders.map((f) => byFolder.get(f));
  if (linked.some((r) => r === undefined)) return unlinked;
  return { folders, dictionaryIds: linked.map((r) => r!.id), names: linked.map((r) => r!.name) };
}

/** The prompt's tokens must fit the model's context (BOS included); one error with both numbers otherwise. */
export function checkPromptFits(
  model: Pick<LoadedModel, 'name' | 'tokenizer' | 'bosId'> & { config: { nPositions: number } },
  prompt: string,
  field = '--prompt',
): number {
  if (prompt.trim() === '') throw new AtlasError('ARGUMENT_INVALID', `${field} is empty; give the text to attribute`);
  const tokens = model.tokenizer.encode(prompt).ids.length + (model.bosId === undefined ? 0 : 1);
  if (tokens > model.config.nPositions)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${field} is ${tokens} tokens${model.bosId === undefined ? '' : ' with BOS'} but ${model.name} reads at most ${model.config.nPositions}; shorten the prompt`,
    );
  return tokens;
}

const tokenizers = new Map<string, BpeTokenizer>();

/**
 * checkPromptFits before the weights are loaded (the api, before it queues a job): the folder's tokenizer, cached,
 * and its <|endoftext|> as BOS, as modelFolder's loadModel reads them; `nPositions` from the models row.
 */
export function checkPromptFitsFolder(
  model: { name: string; folder: string; nPositions: number },
  prompt: string,
  field = '--prompt',
): number {
  const dir = builtinModel(model.folder)?.dir ?? model.folder;
  const path = join(dir, 'tokenizer.json');
  let tokenizer = tokenizers.get(path);
  if (!tokenizer) {
    tokenizer = loadTokenizer(path).tokenizer;
    tokenizers.set(path, tokenizer);
  }
  return checkPromptFits(
    {
      name: model.name,
      config: { nPositions: model.nPositions },
      tokenizer,
      bosId: tokenizer.tokenId('<|endoftext|>'),
    },
    prompt,
    field,
  );
}

/** Graph parameters: the defaults with the thresholds given, each in (0, 1]; one error naming the bad one. */
export function graphParams(
  given: { nodeThreshold?: number; edgeThreshold?: number; maxFeatureNodes?: number },
  fields = {
    nodeThreshold: '--node-threshold',
    edgeThreshold: '--edge-threshold',
    maxFeatureNodes: '--max-feature-nodes',
  },
): GraphParams {
  for (const key of ['nodeThreshold', 'edgeThreshold'] as const) {
    const v = given[key];
    if (v !== undefined && !(v > 0 && v <= 1))
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${fields[key]} is ${v}; give a share of influence in (0, 1], e.g. ${DEFAULT_GRAPH_PARAMS[key]}`,
      );
  }
  const m = given.maxFeatureNodes;
  if (m !== undefined && !(Number.isInteger(m) && m >= 1))
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${fields.maxFeatureNodes} is ${m}; give a positive integer, e.g. ${DEFAULT_GRAPH_PARAMS.maxFeatureNodes}`,
    );
  return {
    ...DEFAULT_GRAPH_PARAMS,
    ...(given.nodeThreshold === undefined ? {} : { nodeThreshold: given.nodeThreshold }),
    ...(given.edgeThreshold === undefined ? {} : { edgeThreshold: given.edgeThreshold }),
    ...(m === undefined ? {} : { maxFeatureNodes: m }),
  };
}

/** Text of the graph's logit tokens, by vocabulary id (embeddings' text is the graph's tokens). */
export function logitTokenTexts(graph: AttributionGraph, tokenText: (id: number) => string): Record<number, string> {
  const texts: Record<number, string> = {};
  for (const n of graph.nodes)
    if (n.kind === 'logit' && n.tokenId !== undefined) texts[n.tokenId] = tokenText(n.tokenId);
  return texts;
}

export interface GraphIntoAtlasOptions {
  /** An atlas model's name, or a model folder ('builtin'). */
  modelName: string;
  prompt: string;
  title?: string;
  /** The atlas dictionaries of the layers, in layer order (default: the model's ingested transcoder set). */
  transcoderIds?: number[];
  /**
   * Transcoder folders instead of atlas dictionaries (the CLI's --transcoders): linked to the dictionaries analysed
   * from them when every layer's is one (transcodersOfFolders).
   */
  transcoderFolders?: string[];
  params: GraphParams;
  core: AttributionCore;
  /** Loads the model folder (modelFolder's loadModel; tests a stand-in). */
  loadModel: (folder: string) => Promise<LoadedModel>;
  disposeModel?: (model: LoadedModel) => void;
  onProgress?: (done: number, total: number) => void;
  /** How the caller names fields in messages (payload fields for the job). */
  fields?: { model: string; prompt: string; transcoderIds: string };
}

/** A built graph: stored (graphId) when a database was given, and what its JSON needs beside it. */
export interface BuiltGraph {
  graph: AttributionGraph;
  graphId: number | null;
  modelName: string;
  transcoders: GraphTranscoders;
  logitTokens: Record<number, string>;
}

/**
 * Build the graph of a prompt and, given a database, store it. With a database the model may be an atlas model's
 * name and the transcoders its ingested set; without one both are folders.
 */
export async function graphIntoAtlas(db: OpenDatabase | undefined, o: GraphIntoAtlasOptions): Promise<BuiltGraph> {
  const fields = o.fields ?? { model: '--model', prompt: '--prompt', transcoderIds: '--transcoders' };
  const source = await resolveGraphModel(db?.dataSource, o.modelName, fields.model);
  const model = await o.loadModel(source.folder);
  try {
    checkPromptFits(model, o.prompt, fields.prompt);
    let transcoders: GraphTranscoders;
    if (o.transcoderFolders) {
      transcoders = await transcodersOfFolders(db?.dataSource, o.transcoderFolders);
    } else if (db) {
      transcoders = await resolveGraphTranscoders(
        db.dataSource,
        { modelId: source.modelId, name: source.name, nLayers: model.config.nLayer },
        o.transcoderIds,
        fields.transcoderIds,
      );
    } else
      throw new AtlasError(
        'ARGUMENT_INVALID',
        `${fields.transcoderIds}: give the transcoder folders, one per layer (or --database to use the atlas's transcoder set)`,
      );
    const set = await o.core.loadTranscoderSet(transcoders.folders);
    const graph = await o.core.buildAttributionGraph(model, set, o.prompt, o.params, o.onProgress);
    const logitTokens = logitTokenTexts(graph, (id) => model.tokenizer.tokenText(id));
    const graphId = db
      ? await saveGraph(
          db,
          graphToSave(graph, {
            modelName: source.name,
            modelId: source.modelId,
            title: o.title,
            transcoderIds: transcoders.dictionaryIds,
            transcoderNames: transcoders.names,
            logitTokens,
          }),
        )
      : null;
    return { graph, graphId, modelName: source.name, transcoders, logitTokens };
  } finally {
    o.disposeModel?.(model);
  }
}

// Attribution graphs in the graph (issue 18): read one or a list (by model, by a feature they contain), build one
// (a `graph` job), import Neuronpedia's graph JSON, and save a person's supernodes and pinned nodes. Nodes, edges,
// transcoders and features are batched by the request's loaders, so a list costs a constant number of statements.
import {
  AtlasError as DbError,
  saveGraph,
  deleteGraph as removeGraph,
  saveGraphAnnotations as storeAnnotations,
  UnnestLoader,
  type Dictionary as DictionaryRow,
  type GraphEdgeRecord,
  type GraphSummary,
  type StoredGraphNode,
} from '@atlas/migrations';
import { fromNeuronpediaGraph } from '@atlas/worker/circuits/neuronpediaGraph';
import { checkPromptFitsFolder, resolveGraphModel, resolveGraphTranscoders } from '@atlas/worker/graphs';
import { importedGraphToSave, storedGraphToNeuronpedia } from '@atlas/worker/graphJson';
import { AtlasError } from '@atlas/worker/inference/errors';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Dictionary } from '../schema/dictionary.type.js';
import { Feature } from '../schema/feature.type.js';
import { AttributionGraph, AttributionGraphInput, GraphEdge, GraphNode, SupernodeInput } from '../schema/graph.type.js';
import { Job } from '../schema/job.type.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { MAX_ID, parseFeatureId } from '../services/globalId.js';
import { listGraphs } from '../services/graphService.js';
import { enqueueJob } from '../services/jobService.js';
import { parseDictionaryId, requireRange } from './arguments.js';
import { MAX_PAGE } from './feature.resolver.js';
import { requireKey } from './requireKey.js';

/** Most nodes a graph may have its feature nodes attributed for (the job's bound too). */
const MAX_FEATURE_NODES = 1_000_000;

function parseGraphId(id: string, argument = 'id'): number {
  if (!/^\d{1,10}$/.test(id) || Number(id) > MAX_ID)
    throw new PublicError(
      'BAD_USER_INPUT',
      `${argument} "${id}" is not a graph id; list them with { graphs { id title } }.`,
    );
  return Number(id);
}

/** A threshold argument in (0, 1], or BAD_USER_INPUT naming it. */
function requireShare(name: string, value: number | null | undefined): void {
  if (value != null && !(value > 0 && value <= 1))
    throw new PublicError('BAD_USER_INPUT', `${name} must be a share of influence in (0, 1] (got ${value}), e.g. 0.8.`);
}

/** The worker's and the database layer's errors written for a person, as BAD_USER_INPUT; anything else as is. */
function userError(err: unknown, prefix = ''): unknown {
  return err instanceof AtlasError || err instanceof DbError
    ? new PublicError('BAD_USER_INPUT', `${prefix}${err.message}`)
    : err;
}

@Resolver(() => AttributionGraph)
export class GraphResolver {
  @Query(() => AttributionGraph, { nullable: true, description: 'An attribution graph by its id, or null.' })
  async graph(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<GraphSummary | null> {
    return (await ctx.loaders.graph.load(parseGraphId(id))) ?? null;
  }

  @Query(() => [AttributionGraph], {
    description: 'Attribution graphs, newest first: of one model, and/or in which one feature is a node.',
  })
  graphs(
    @Arg('modelName', () => String, { nullable: true }) modelName: string | null | undefined,
    @Arg('featureId', () => ID, { nullable: true }) featureId: string | null | undefined,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<GraphSummary[]> {
    requireRange('first', first, 1, MAX_PAGE);
    ctx.reads.atlas();
    return listGraphs(ctx.dataSource, {
      modelName: modelName ?? undefined,
      feature: featureId == null ? undefined : parseFeatureId('featureId', featureId),
      first,
    });
  }

  @FieldResolver(() => [String], { description: 'Token text by position.' })
  tokens(@Root() g: GraphSummary): string[] {
    return g.tokens.map((t) => t.text);
  }

  @FieldResolver(() => Float, { description: 'Share of node influence kept by pruning.' })
  nodeThreshold(@Root() g: GraphSummary): number {
    return g.params.nodeThreshold;
  }

  @FieldResolver(() => Float, { description: 'Share of edge influence kept by pruning.' })
  edgeThreshold(@Root() g: GraphSummary): number {
    return g.params.edgeThreshold;
  }

  @FieldResolver(() => Int)
  nodesBeforePruning(@Root() g: GraphSummary): number {
    return g.stats.nodesBeforePruning;
  }

  @FieldResolver(() => Int)
  edgesBeforePruning(@Root() g: GraphSummary): number {
    return g.stats.edgesBeforePruning;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "circuit-tracer's replacement score of the unpruned graph: the share of logit influence that reaches the input tokens rather than reconstruction errors (null for an imported graph that does not carry it).",
  })
  replacementScore(@Root() g: GraphSummary): number | null {
    return g.stats.replacementScore ?? null;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "circuit-tracer's completeness score of the unpruned graph: the influence-weighted share of nodes' inputs not from reconstruction errors (null when not carried).",
  })
  completenessScore(@Root() g: GraphSummary): number | null {
    return g.stats.completenessScore ?? null;
  }

  @FieldResolver(() => Float, { description: 'How long the build took (0 for an imported graph that does not say).' })
  buildSeconds(@Root() g: GraphSummary): number {
    return g.stats.seconds;
  }

  @FieldResolver(() => Int)
  async nodeCount(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.graphCounts.load(g.id)).nodes;
  }

  @FieldResolver(() => Int)
  async edgeCount(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.graphCounts.load(g.id)).edges;
  }

  @FieldResolver(() => [Dictionary], {
    description:
      'The transcoder of each layer, in layer order (empty for an imported graph whose transcoders are unknown).',
  })
  async transcoders(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<DictionaryRow[]> {
    const found = await ctx.loaders.dictionary.loadMany(g.transcoderIds);
    return found.filter((d): d is DictionaryRow => d !== undefined && !(d instanceof Error));
  }

  @FieldResolver(() => [GraphNode], { description: 'Its nodes, in the order the graph lists them.' })
  nodes(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<StoredGraphNode[]> {
    return ctx.loaders.graphNodes.load(g.id);
  }

  @FieldResolver(() => [GraphEdge])
  edges(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<GraphEdgeRecord[]> {
    return ctx.loaders.graphEdges.load(g.id);
  }

  @FieldResolver(() => GraphQLJSONObject, { description: "The graph in Neuronpedia's graph JSON." })
  async neuronpediaJson(@Root() g: GraphSummary, @Ctx() ctx: Context): Promise<Record<string, unknown>> {
    const [nodes, edges] = await Promise.all([ctx.loaders.graphNodes.load(g.id), ctx.loaders.graphEdges.load(g.id)]);
    return storedGraphToNeuronpedia({ ...g, nodes, edges });
  }

  @Mutation(() => Job, {
    description:
      "Build the attribution graph of a prompt with a model's transcoders: a job of type graph, whose result names graphId. Needs an API key.",
  })
  async attributionGraph(
    @Arg('input', () => AttributionGraphInput) input: AttributionGraphInput,
    @Ctx() ctx: Context,
  ): Promise<Job> {
    await requireKey(ctx);
    requireShare('input.nodeThreshold', input.nodeThreshold);
    requireShare('input.edgeThreshold', input.edgeThreshold);
    if (input.maxFeatureNodes != null)
      requireRange('input.maxFeatureNodes', input.maxFeatureNodes, 1, MAX_FEATURE_NODES);
    const [model]: { id: number; name: string; n_layers: number; n_ctx: number | null }[] = await ctx.dataSource.query(
      `SELECT id, name, n_layers, n_ctx FROM models WHERE name = $1`,
      [input.modelName],
    );
    if (!model)
      throw new PublicError(
        'BAD_USER_INPUT',
        `input.modelName: the atlas has no model "${input.modelName}"; give the modelName of one of { dictionaries { modelName } }.`,
      );
    const transcoderIds = input.transcoderIds?.map((id, i) => parseDictionaryId(id, `input.transcoderIds[${i}]`));
    try {
      await resolveGraphTranscoders(
        ctx.dataSource,
        { modelId: model.id, name: model.name, nLayers: model.n_layers },
        transcoderIds,
        'input.transcoderIds',
      );
      if (model.n_ctx !== null) {
        const source = await resolveGraphModel(ctx.dataSource, model.name, 'input.modelName');
        checkPromptFitsFolder(
          { name: model.name, folder: source.folder, nPositions: model.n_ctx },
          input.prompt,
          'input.prompt',
        );
      }
    } catch (err) {
      throw userError(err);
    }
    return enqueueJob(ctx.dataSource, 'graph', {
      modelName: model.name,
      prompt: input.prompt,
      title: input.title,
      transcoderIds,
      nodeThreshold: input.nodeThreshold,
      edgeThreshold: input.edgeThreshold,
      maxFeatureNodes: input.maxFeatureNodes,
    });
  }

  @Mutation(() => AttributionGraph, {
    description: "Replace a graph's supernodes and pinned nodes (each must name nodes of the graph). Needs an API key.",
  })
  async saveGraphAnnotations(
    @Arg('id', () => ID) id: string,
    @Arg('supernodes', () => [SupernodeInput]) supernodes: SupernodeInput[],
    @Arg('pinnedNodeIds', () => [String]) pinnedNodeIds: string[],
    @Ctx() ctx: Context,
  ): Promise<GraphSummary> {
    await requireKey(ctx);
    const graphId = parseGraphId(id);
    let found: boolean;
    try {
      found = await storeAnnotations(
        ctx.dataSource,
        graphId,
        supernodes.map((s) => ({ name: s.name, nodeIds: s.nodeIds })),
        pinnedNodeIds,
      );
    } catch (err) {
      throw userError(err);
    }
    if (!found) throw new PublicError('NOT_FOUND', `no graph ${id}; list them with { graphs { id title } }.`);
    ctx.loaders.graph.clear(graphId);
    return (await ctx.loaders.graph.load(graphId)) as GraphSummary;
  }

  @Mutation(() => Boolean, {
    description:
      'Delete a graph with its nodes, edges and annotations; true when it existed, false when there was none. Needs an API key.',
  })
  async deleteGraph(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await requireKey(ctx);
    const graphId = parseGraphId(id);
    const deleted = await removeGraph(ctx.dataSource, graphId);
    ctx.loaders.graph.clear(graphId);
    return deleted;
  }

  @Mutation(() => AttributionGraph, {
    description:
      "Store an attribution graph given in Neuronpedia's graph JSON (from Neuronpedia, circuit-tracer or neuronpediaJson). Needs an API key.",
  })
  async importGraph(
    @Arg('json', () => GraphQLJSONObject) json: Record<string, unknown>,
    @Arg('title', () => String, { nullable: true }) title: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<GraphSummary> {
    await requireKey(ctx);
    let graphId: number;
    try {
      const imported = fromNeuronpediaGraph(json);
      const [model]: { id: number }[] = await ctx.dataSource.query(`SELECT id FROM models WHERE name = $1`, [
        imported.graph.modelId,
      ]);
      // The unnest loader runs on both engines; a graph is small enough not to need COPY.
      graphId = await saveGraph(
        { dataSource: ctx.dataSource, bulkLoader: new UnnestLoader() },
        importedGraphToSave(imported, { title: title ?? undefined, modelId: model?.id ?? null }),
      );
    } catch (err) {
      throw userError(err, 'json: ');
    }
    return (await ctx.loaders.graph.load(graphId)) as GraphSummary;
  }
}

@Resolver(() => GraphNode)
export class GraphNodeResolver {
  @FieldResolver(() => Feature, {
    nullable: true,
    description: "The atlas feature of a feature node whose layer's transcoder is an ingested dictionary.",
  })
  async feature(@Root() n: StoredGraphNode, @Ctx() ctx: Context): Promise<FeatureRow | null> {
    if (n.kind !== 'feature' || n.dictionaryId === undefined || n.featureIndex === undefined) return null;
    return (await ctx.loaders.feature.load({ dictionaryId: n.dictionaryId, index: n.featureIndex })) ?? null;
  }
}

@Resolver(() => Feature)
export class FeatureGraphsResolver {
  @FieldResolver(() => [AttributionGraph], {
    description: 'The attribution graphs this feature is a node of, newest first.',
  })
  graphs(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<GraphSummary[]> {
    return ctx.loaders.featureGraphs.load({ dictionaryId: f.dictionaryId, index: f.index });
  }
}

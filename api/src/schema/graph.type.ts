// GraphQL types of attribution graphs (issue 18): a prompt's graph with its nodes, edges and a person's
// annotations, and Neuronpedia's graph JSON of it.
import { GRAPH_NODE_KINDS } from '@atlas/migrations';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

/** The kinds as GraphQL enum values (EMBEDDING, FEATURE, ...) over the stored names (embedding, feature, ...). */
export const GraphNodeKind = Object.fromEntries(GRAPH_NODE_KINDS.map((k) => [k.toUpperCase(), k])) as {
  readonly [K in (typeof GRAPH_NODE_KINDS)[number] as Uppercase<K>]: K;
};
registerEnumType(GraphNodeKind, {
  name: 'GraphNodeKind',
  description: 'A token embedding, a transcoder feature, a layer’s reconstruction error, or an output logit.',
});

@ObjectType({ description: 'A node of an attribution graph.' })
export class GraphNode {
  @Field(() => String, { description: "Neuronpedia's node_id, unique within its graph." })
  nodeId!: string;

  @Field(() => GraphNodeKind)
  kind!: string;

  @Field(() => Int, {
    description: '-1 for embeddings, the transcoder layer for features and errors, nLayers for logits.',
  })
  layer!: number;

  @Field(() => Int, { description: 'Token position.' })
  position!: number;

  @Field(() => Int, { nullable: true, description: "The feature's index in its layer's transcoder (features only)." })
  featureIndex?: number;

  @Field(() => Int, { nullable: true, description: 'The input token (embeddings) or output token (logits).' })
  tokenId?: number;

  @Field(() => String, { nullable: true, description: "The token's text (embeddings and logits)." })
  tokenText?: string;

  @Field(() => Float, { nullable: true, description: "The feature's activation (features)." })
  activation?: number;

  @Field(() => Float, { nullable: true, description: "The model's probability of the token (logits)." })
  probability?: number;

  @Field(() => Float, {
    description:
      "Neuronpedia's influence: the cumulative share (0..1) of logit influence held by the nodes at least as influential as this one; a pruning threshold t keeps nodes with influence ≤ t.",
  })
  influence!: number;
}

@ObjectType({ description: 'A direct effect of one node on another.' })
export class GraphEdge {
  @Field(() => String)
  source!: string;

  @Field(() => String)
  target!: string;

  @Field(() => Float, { description: "The target's change per its source, at the source's value." })
  weight!: number;
}

@ObjectType({ description: 'A named group of nodes (Neuronpedia supernode).' })
export class Supernode {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  nodeIds!: string[];
}

@InputType({ description: 'A named group of nodes (Neuronpedia supernode).' })
export class SupernodeInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  nodeIds!: string[];
}

/** Its root is the stored graph's row (GraphSummary); tokens, thresholds, counts and parts are field resolvers. */
@ObjectType({
  description: 'The attribution graph of a prompt: which features, through which others, made the next token.',
})
export class AttributionGraph {
  @Field(() => ID)
  id!: number;

  @Field(() => String, { description: 'Defaults to the prompt.' })
  title!: string;

  @Field(() => String)
  modelName!: string;

  @Field(() => String)
  prompt!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [Supernode])
  supernodes!: Supernode[];

  @Field(() => [String])
  pinnedNodeIds!: string[];
}

@InputType({ description: 'What to build a graph of.' })
export class AttributionGraphInput {
  @Field(() => String, { description: 'An atlas model, by name.' })
  modelName!: string;

  @Field(() => String)
  prompt!: string;

  @Field(() => String, { nullable: true, description: 'Default: the prompt.' })
  title?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: "One transcoder dictionary per layer, in layer order; omitted: the model's ingested transcoder set.",
  })
  transcoderIds?: string[] | null;

  @Field(() => Float, { nullable: true, description: 'In (0, 1]; default 0.8.' })
  nodeThreshold?: number | null;

  @Field(() => Float, { nullable: true, description: 'In (0, 1]; default 0.98.' })
  edgeThreshold?: number | null;

  @Field(() => Int, { nullable: true, description: 'Default 4096.' })
  maxFeatureNodes?: number | null;
}

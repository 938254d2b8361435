import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const GRAPH_NODE_KINDS = ['embedding', 'feature', 'error', 'logit'] as const;
export type GraphNodeKindName = (typeof GRAPH_NODE_KINDS)[number];

/** A named group of a graph's nodes a person made (Neuronpedia's supernodes). */
export interface Supernode {
  name: string;
  nodeIds: string[];
}

/** An attribution graph of one prompt (issue 18); its nodes and edges are rows of their own tables. */
@Entity('graphs')
export class Graph {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** Defaults to the prompt. */
  @Column({ type: 'text' })
  title!: string;

  /** Neuronpedia's `metadata.slug`. */
  @Column({ type: 'text' })
  slug!: string;

  @Column({ name: 'model_name', type: 'text' })
  modelName!: string;

  /** The atlas model, when the graph's model is one (an imported graph's may not be). */
  @Column({ name: 'model_id', type: 'int', nullable: true })
  modelId!: number | null;

  @Column({ type: 'text' })
  prompt!: string;

  /** Token ids and text by position. */
  @Column({ type: 'jsonb' })
  tokens!: { id: number; text: string }[];

  /** What it was built with (the worker's GraphParams). */
  @Column({ type: 'jsonb' })
  params!: GraphParamsRecord;

  @Column({ type: 'jsonb' })
  stats!: GraphStatsRecord;

  /** The transcoder dictionary of each layer, in layer order; empty when unknown (an imported graph). */
  @Column({ name: 'transcoder_ids', type: 'int', array: true, default: () => "'{}'" })
  transcoderIds!: number[];

  /** Neuronpedia's `transcoder_list`: the transcoders' names as the file gave them. */
  @Column({ name: 'transcoder_names', type: 'text', array: true, default: () => "'{}'" })
  transcoderNames!: string[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  supernodes!: Supernode[];

  @Column({ name: 'pinned_node_ids', type: 'jsonb', default: () => "'[]'" })
  pinnedNodeIds!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** The parameters a graph was built with: the worker's GraphParams (the database layer cannot import the worker). */
export interface GraphParamsRecord {
  nodeThreshold: number;
  edgeThreshold: number;
  maxFeatureNodes: number;
  logitProbability: number;
  maxLogits: number;
}

/** Sizes before pruning, the build's duration and the graph scores: the worker's AttributionGraph stats. */
export interface GraphStatsRecord {
  nodesBeforePruning: number;
  edgesBeforePruning: number;
  seconds: number;
  replacementScore?: number;
  completenessScore?: number;
}

/** One node of a graph; `ord` keeps the graph's order. */
@Entity('graph_nodes')
export class GraphNodeRow {
  @PrimaryColumn({ name: 'graph_id', type: 'int' })
  graphId!: number;

  @PrimaryColumn({ type: 'int' })
  ord!: number;

  @Column({ name: 'node_id', type: 'text' })
  nodeId!: string;

  @Column({ type: 'text' })
  kind!: GraphNodeKindName;

  @Column({ type: 'int' })
  layer!: number;

  @Column({ type: 'int' })
  position!: number;

  @Column({ name: 'feature_index', type: 'int', nullable: true })
  featureIndex!: number | null;

  @Column({ name: 'token_id', type: 'int', nullable: true })
  tokenId!: number | null;

  @Column({ name: 'token_text', type: 'text', nullable: true })
  tokenText!: string | null;

  @Column({ type: 'double precision', nullable: true })
  activation!: number | null;

  @Column({ type: 'double precision', nullable: true })
  probability!: number | null;

  @Column({ type: 'double precision' })
  influence!: number;

  /** Neuronpedia's `clerp` when a file gave one. */
  @Column({ type: 'text', nullable: true })
  label!: string | null;

  /** The ingested dictionary of the node's transcoder (features only): the atlas feature is (dictionary, index). */
  @Column({ name: 'dictionary_id', type: 'int', nullable: true })
  dictionaryId!: number | null;
}

/** One edge of a graph, by node ids. */
@Entity('graph_edges')
export class GraphEdgeRow {
  @PrimaryColumn({ name: 'graph_id', type: 'int' })
  graphId!: number;

  @PrimaryColumn({ type: 'int' })
  ord!: number;

  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'text' })
  target!: string;

  @Column({ type: 'double precision' })
  weight!: number;
}

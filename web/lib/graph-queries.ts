// The attribution graph pages' operations, in a plain module because the server pages (the list, the JSON
// download) and the graph view in the browser (load, save) both run them.
import { graphql } from './gql';
import type { GraphPageQuery } from './gql/graphql';

/** Graphs newest first, for the list; `modelName` narrows to one model's. */
export const GRAPH_LIST = graphql(`
  query GraphList($modelName: String, $first: Int) {
    graphs(modelName: $modelName, first: $first) {
      id
      title
      modelName
      prompt
      nodeCount
      edgeCount
      createdAt
    }
  }
`);

/** One graph with everything its page draws: nodes with their atlas features, edges, annotations. */
export const GRAPH_PAGE = graphql(`
  query GraphPage($id: ID!) {
    graph(id: $id) {
      id
      title
      modelName
      prompt
      tokens
      createdAt
      nodeThreshold
      edgeThreshold
      nodesBeforePruning
      edgesBeforePruning
      nodeCount
      edgeCount
      buildSeconds
      replacementScore
      completenessScore
      transcoders {
        id
        name
      }
      nodes {
        nodeId
        kind
        layer
        position
        featureIndex
        tokenId
        tokenText
        activation
        probability
        influence
        feature {
          id
          dictionaryId
          index
          label
          maxActivation
          topActivations(first: 3) {
            tokens
            activations
            maxActivation
            maxPosition
            docIndex
            tokenStart
          }
        }
      }
      edges {
        source
        target
        weight
      }
      supernodes {
        name
        nodeIds
      }
      pinnedNodeIds
    }
  }
`);

/** The graph in Neuronpedia's graph JSON, for the download. */
export const GRAPH_JSON = graphql(`
  query GraphJson($id: ID!) {
    graph(id: $id) {
      id
      neuronpediaJson
    }
  }
`);

/** Replace a graph's supernodes and pins; answers what was stored. */
export const SAVE_GRAPH_ANNOTATIONS = graphql(`
  mutation SaveGraphAnnotations($id: ID!, $supernodes: [SupernodeInput!]!, $pinnedNodeIds: [String!]!) {
    saveGraphAnnotations(id: $id, supernodes: $supernodes, pinnedNodeIds: $pinnedNodeIds) {
      id
      supernodes {
        name
        nodeIds
      }
      pinnedNodeIds
    }
  }
`);

export type GraphPageGraph = NonNullable<GraphPageQuery['graph']>;
export type GraphPageNode = GraphPageGraph['nodes'][number];

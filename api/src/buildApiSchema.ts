// The GraphQL schema, built from the resolvers; `npm run schema -w api` writes it to schema.graphql.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DictionaryResolver } from './resolvers/dictionary.resolver.js';
import { DictionaryAnalysisResolver } from './resolvers/dictionaryAnalysis.resolver.js';
import { EvaluationResolver } from './resolvers/evaluation.resolver.js';
import { ExplanationResolver } from './resolvers/explanation.resolver.js';
import { FeatureResolver } from './resolvers/feature.resolver.js';
import { FeatureGraphsResolver, GraphNodeResolver, GraphResolver } from './resolvers/graph.resolver.js';
import { JobResolver } from './resolvers/job.resolver.js';
import { ListItemResolver, ListResolver } from './resolvers/list.resolver.js';
import { HeldOutLabelScoreResolver } from './resolvers/heldOutLabelScore.resolver.js';
import { LabelAssociationResolver } from './resolvers/labelAssociation.resolver.js';
import { HealthResolver } from './resolvers/health.resolver.js';
import { SearchResolver } from './resolvers/search.resolver.js';
import { SearchByTextResolver } from './resolvers/searchByText.resolver.js';
import { SteeringResolver } from './resolvers/steering.resolver.js';
import { TextAnalysisResolver } from './resolvers/textAnalysis.resolver.js';
import { WorkerResolver } from './resolvers/worker.resolver.js';

/** The api's schema, built from the resolvers (the registry of what the graph offers). */
export function buildApiSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      HealthResolver,
      DictionaryResolver,
      DictionaryAnalysisResolver,
      FeatureResolver,
      LabelAssociationResolver,
      ExplanationResolver,
      EvaluationResolver,
      HeldOutLabelScoreResolver,
      SearchResolver,
      JobResolver,
      WorkerResolver,
      TextAnalysisResolver,
      SteeringResolver,
      SearchByTextResolver,
      GraphResolver,
      GraphNodeResolver,
      FeatureGraphsResolver,
      ListResolver,
      ListItemResolver,
    ],
    validate: false,
    // type-graphql insists on a PubSub once any subscription exists; ours stream with their own `subscribe`
    // (job progress is polled from the database, where workers anywhere report), so no topic is ever used.
    pubSub: {
      publish() {
        throw new Error('the api publishes no subscription topics');
      },
      subscribe() {
        throw new Error('the api has no subscription topics');
      },
    },
  });
}

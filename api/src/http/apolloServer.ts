// The Apollo server that executes operations sent over HTTP: the schema with the error contract, the operation
// limits and argument checks, subscriptions refused (they take WebSocket), and Apollo's cache control off.
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import { argumentValuesPlugin } from '../argumentValues.js';
import type { Context } from '../context.js';
import { PublicError, type FormatError } from '../errors.js';
import { MAX_QUERY_TOKENS, type OperationLimits } from '../operationLimits.js';

/** Over HTTP, graphql-js would run a subscription's field once, with no event, and fail as an internal error. */
const subscriptionsOverWebSocketOnly: ApolloServerPlugin<Context> = {
  requestDidStart: async () => ({
    didResolveOperation: async ({ operation }) => {
      if (operation?.operation === 'subscription')
        throw new PublicError(
          'BAD_USER_INPUT',
          'subscriptions are served over WebSocket only; connect a graphql-ws client to this /graphql address (ws://).',
          400,
        );
    },
  }),
};

export interface ApolloServerOptions {
  schema: GraphQLSchema;
  formatError: FormatError;
  armor: OperationLimits;
  /** Drained on stop, so requests in flight finish. */
  httpServer: Server;
}

/** Not started: the caller awaits `start()`. */
export function createApolloServer({ schema, formatError, armor, httpServer }: ApolloServerOptions) {
  return new ApolloServer<Context>({
    schema,
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // A query is a cacheable GET URL (issue 20); Apollo's CSRF guard would refuse a plain GET. Nothing here rides
    // on cookies (keys travel in Authorization, which a cross-site form cannot set) and mutations are POST-only.
    csrfPrevention: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    validationRules: armor.validationRules,
    // Armor's plugins are typed for the base context; they read nothing of ours. Apollo's default cache-control
    // plugin wraps every field resolution (~6% of a feature page's CPU) for hints this schema does not give.
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<Context>[]),
      argumentValuesPlugin<Context>(),
      subscriptionsOverWebSocketOnly,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
}

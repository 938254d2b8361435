// Subscriptions (job progress) over graphql-ws at the HTTP server's /graphql address. Only subscriptions: queries
// and mutations take HTTP, where the body, time and auth limits live. The same parse limit, validation rules (depth,
// cost), argument checks and error contract apply as over HTTP. Browsers apply no CORS to WebSockets, so the origin
// is checked here: a foreign page must not follow jobs.
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DataSource } from 'typeorm';
import { checkArgumentValues } from '../argumentValues.js';
import { checkApiKey } from '../auth/apiKeys.js';
import type { ContextFactory } from '../context.js';
import type { CorsPolicy } from '../corsPolicy.js';
import { PublicError, type FormatError } from '../errors.js';
import { MAX_QUERY_TOKENS, type OperationLimits } from '../operationLimits.js';

export interface SubscriptionServerOptions {
  /** Already listening: a WebSocket server on one that fails to listen re-emits the EADDRINUSE, and graphql-ws
   *  prints it as a stack before our one PORT_IN_USE line. */
  httpServer: Server;
  schema: GraphQLSchema;
  dataSource: DataSource;
  cors: CorsPolicy;
  armor: OperationLimits;
  formatError: FormatError;
  contextFor: ContextFactory;
  /** Connections without an API key (default true). */
  publicReads?: boolean;
}

export interface SubscriptionServer {
  /** Ends every subscription and closes the WebSocket server. */
  close(): Promise<void>;
}

export function serveSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, schema, dataSource, cors, armor, formatError, contextFor } = options;
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: 64 * 1024,
    verifyClient: ({ req }: { req: IncomingMessage }) => cors.judge(req.headers).kind !== 'refused',
  });
  const wsCleanup = useServer<{ authorization?: string } | undefined>(
    {
      schema,
      onConnect: async (ctx) => {
        if (options.publicReads !== false) return true;
        const check = await checkApiKey(dataSource, ctx.connectionParams?.authorization);
        return check.status === 'ok'; // false closes the socket with 4403 Forbidden
      },
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_QUERY_TOKENS });
        } catch (err) {
          return [err as GraphQLError];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription')
          return [
            new PublicError(
              'BAD_USER_INPUT',
              'only subscriptions are served over WebSocket; send queries and mutations as HTTP POST to /graphql.',
            ),
          ];
        const errors = validate(schema, document, [...specifiedRules, ...armor.validationRules]);
        if (errors.length) return errors;
        const badArguments = checkArgumentValues(schema, document, operation, payload.variables ?? undefined);
        if (badArguments.length) return badArguments;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          // Keys were checked at connect; subscriptions need none of their own.
          contextValue: contextFor(() => checkApiKey(dataSource, undefined), new AbortController().signal),
        };
      },
      // The same error contract as HTTP: public errors as written, anything else a fixed, logged message.
      onNext: (_ctx, _id, _payload, _args, result) =>
        'errors' in result && result.errors?.length
          ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) }
          : result,
    },
    wsServer,
  );
  return {
    async close() {
      await wsCleanup.dispose();
      wsServer.close();
    },
  };
}

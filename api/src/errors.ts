// The api's error contract: public codes reach clients with their message; anything else becomes a fixed
// INTERNAL_SERVER_ERROR text and is logged with its cause. "A message only reaches a client if someone wrote it for a client."
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';

/** Codes a client may branch on. A shipped code keeps its meaning. */
export type PublicErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'REQUEST_TIMEOUT'
  /** A bounded pool (steering) is full; retry later. */
  | 'BUSY';

/** PostgreSQL's query_canceled: a statement ran past statement_timeout. */
const QUERY_CANCELED = '57014';

/** An error written for the client. */
export class PublicError extends GraphQLError {
  constructor(code: PublicErrorCode, message: string, httpStatus?: number) {
    super(message, { extensions: { code, ...(httpStatus && { http: { status: httpStatus } }) } });
    this.name = 'PublicError';
  }
}

/** Apollo's own request-level codes (parse, validation, bad request) are public too. */
const APOLLO_PUBLIC = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The one formatter of errors for clients, over HTTP and WebSocket alike. */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export function createFormatError(log: Logger): FormatError {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // The code alone: extensions.http is the status Apollo answers with, not something to show the client.
    if (original instanceof PublicError)
      return { ...formatted, message: original.message, extensions: { code: original.extensions.code } };
    if ((original as { code?: unknown } | undefined)?.code === QUERY_CANCELED)
      return {
        message:
          'a database statement ran past the statement timeout (ATLAS_API_STATEMENT_TIMEOUT_MS) and was cancelled; ask for less (smaller first/k), or raise the limit.',
        path: formatted.path,
        extensions: { code: 'REQUEST_TIMEOUT' },
      };
    const code = formatted.extensions?.code;
    if (
      typeof code === 'string' &&
      APOLLO_PUBLIC.has(code) &&
      !(original instanceof Error && !(original instanceof GraphQLError))
    )
      return formatted;
    log.error({ err: original, path: formatted.path }, 'unexpected error in a request');
    return {
      message: 'Internal server error; it has been logged. Try again, and report it if it persists.',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

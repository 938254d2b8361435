// Static limits on what one operation may ask for (depth, aliases, directives, cost), over HTTP and WebSocket alike;
// lists are also capped by their arguments (MAX_PAGE, MAX_EXAMPLES). Field suggestions stay on: the graph is public
// and they help.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';

/** Most tokens a GraphQL document may have, over HTTP and WebSocket alike (graphql-js's parser limit). */
export const MAX_QUERY_TOKENS = 3000;

type Reject = (context: ValidationContext | null, error: GraphQLError) => void;

/** Reports a limit's rejection in our words: armor prefixes its own with "Syntax Error", though nothing is
 *  misspelt, and gives no fix. */
function rejectWith(fix: string): { propagateOnRejection: false; onReject: Reject[] } {
  return {
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new GraphQLError(`${error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')}; ${fix}`),
        ),
    ],
  };
}

export function operationLimits() {
  return new ApolloArmor({
    maxDepth: { n: 10, ...rejectWith('ask for less nested data, and fetch deeper objects with queries of their own.') },
    maxAliases: { n: 20, ...rejectWith('split the operation into several requests.') },
    // Armor's token limit throws syntax errors from a plugin hook, which Apollo answers with HTTP 500 (found by the
    // fuzz test); graphql-js's own parser limit (MAX_QUERY_TOKENS) answers 400.
    maxTokens: { enabled: false },
    maxDirectives: { n: 20, ...rejectWith('use fewer directives, or split the operation into several requests.') },
    costLimit: {
      maxCost: 5000,
      ...rejectWith(
        'ask for fewer fields or smaller lists (first, k, perBin), or split the operation into several requests.',
      ),
    },
    blockFieldSuggestion: { enabled: false },
  }).protect();
}

/** Armor's validation rules and plugins, as both transports apply them. */
export type OperationLimits = ReturnType<typeof operationLimits>;

// Which operations the response cache may answer, decided once per distinct query text: queries only; nothing that
// reads jobs, workers or health (they change without a version), runs a model (steer, analyzeText, searchByText)
// or that the cache cannot key (a parse error: Apollo answers it). An operation whose root fields all read named
// dictionaries or graphs is keyed by the scopes it touched ("precise"); any other, by the whole generation.
import { createHash } from 'node:crypto';
import {
  getNamedType,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LruCache } from '../services/lruCache.js';
import { MAX_QUERY_TOKENS } from '../operationLimits.js';

/** Types whose values change with no read version: never cached wherever they appear. */
const VOLATILE_TYPES = new Set(['Job', 'JobProgress', 'JobLogLine', 'Health', 'Worker']);
/** Root fields that compute rather than read. */
const COMPUTING_ROOTS = new Set(['steer', 'analyzeText', 'searchByText']);
/** Root fields whose every read goes through a recording loader or records its scope (see ReadScopes). */
const PRECISE_ROOTS = new Set([
  'dictionary',
  'feature',
  'features',
  'featureMap',
  'compareDictionaries',
  'graph',
  'graphs',
  'list',
  'lists',
]);

export type OperationPolicy =
  | { cache: false; reason: string }
  | {
      cache: true;
      precise: boolean;
      normalized: string;
      operationName: string | undefined;
      textId: number;
      textHash: string;
    };

function operationOf(doc: DocumentNode, name: string | undefined): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return name ? ops.find((o) => o.name?.value === name) : ops.length === 1 ? ops[0] : undefined;
}

/** Without textId: the memo assigns it. */
type Decided = OperationPolicy extends infer P
  ? P extends { cache: true }
    ? Omit<P, 'textId' | 'textHash'>
    : P
  : never;

export function decidePolicy(schema: GraphQLSchema, text: string, operationName: string | undefined): Decided {
  let doc: DocumentNode;
  try {
    doc = parse(text, { maxTokens: MAX_QUERY_TOKENS });
  } catch {
    return { cache: false, reason: 'does not parse' };
  }
  const op = operationOf(doc, operationName);
  if (!op) return { cache: false, reason: 'no such operation' };
  if (op.operation !== 'query') return { cache: false, reason: op.operation };
  let volatile: string | undefined;
  const typeInfo = new TypeInfo(schema);
  visit(
    doc,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = typeInfo.getType();
        const named = type && getNamedType(type).name;
        if (named && VOLATILE_TYPES.has(named)) volatile ??= `reads ${named}`;
        if (typeInfo.getParentType()?.name === 'Query' && COMPUTING_ROOTS.has(node.name.value))
          volatile ??= `runs ${node.name.value}`;
      },
    }),
  );
  if (volatile) return { cache: false, reason: volatile };
  const precise = op.selectionSet.selections.every(
    (s) => s.kind === 'Field' && (PRECISE_ROOTS.has(s.name.value) || s.name.value === '__typename'),
  );
  return { cache: true, precise, normalized: print(doc), operationName };
}

/**
 * decidePolicy, remembered per (text, operation name): a page sends the same few texts over and over. Each
 * normalised text gets a small number, so a cache key carries that instead of the text (no kilobytes of key to
 * build and hash per request).
 */
export class OperationPolicies {
  private readonly known = new LruCache<string, OperationPolicy>(2000);
  private readonly textIds = new LruCache<string, number>(2000);
  private nextId = 0;

  constructor(private readonly schema: GraphQLSchema) {}

  of(text: string, operationName: string | undefined): OperationPolicy {
    return this.known.getOrCreate(`${operationName ?? ''}\u0000${text}`, () => {
      const decided = decidePolicy(this.schema, text, operationName);
      if (!decided.cache) return decided;
      const textId = this.textIds.getOrCreate(`${operationName ?? ''}\u0000${decided.normalized}`, () => this.nextId++);
      // The hash, not the number, goes into ETags: they must agree across api processes and restarts.
      const textHash = createHash('sha256')
        .update(`${operationName ?? ''}\u0000${decided.normalized}`)
        .digest('base64url');
      return { ...decided, textId, textHash };
    });
  }
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` key the same answer. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

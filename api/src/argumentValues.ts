// Every argument value of an operation, checked once before any resolver runs (over HTTP and WebSocket alike):
// text the database cannot store or that is not text at all, and numbers outside the float32 range the atlas stores,
// answer BAD_USER_INPUT naming the argument, rather than failing deep in a query as an internal error.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { PublicError } from './errors.js';
import { inFloat32Range } from './services/float32.js';
import { MAX_TEXT_CHARS } from './services/textAnalysisService.js';

/** Longest string any argument takes: analyzeText's text, the longest any operation needs. */
export const MAX_ARGUMENT_CHARS = MAX_TEXT_CHARS;

// C0 controls but tab, line feed and carriage return, and DEL: PostgreSQL cannot store NUL in text at all, and no
// label, token, id or explanation in the atlas contains the others.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codePoint = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with a string value (too long, a control character, a lone surrogate), naming `where`. */
export function stringProblem(where: string, s: string): string | undefined {
  if (s.length > MAX_ARGUMENT_CHARS)
    return `${where} is ${s.length.toLocaleString('en')} characters long; arguments take at most ${MAX_ARGUMENT_CHARS.toLocaleString('en')}, so send less.`;
  const control = CONTROL.exec(s);
  if (control)
    return `${where} contains the control character ${codePoint(control[0])} at character ${control.index + 1}; remove it (tab, line feed and carriage return are the only ones allowed).`;
  const surrogate = LONE_SURROGATE.exec(s);
  if (surrogate)
    return `${where} contains a lone UTF-16 surrogate (${codePoint(surrogate[0])}) at character ${surrogate.index + 1}, which is not text; send well-formed Unicode.`;
  return undefined;
}

/** What is wrong with a number the atlas would store as float32, naming `where`. */
export function floatProblem(where: string, x: number): string | undefined {
  if (inFloat32Range(x)) return undefined;
  return `${where} is ${x}, outside the float32 range the atlas stores numbers in (0, or a magnitude from 1.2e-38 to 3.4e38); send a value in that range.`;
}

/** The first problem with `value` of `type`, described with its place (`field(argument.path[i])`). */
function valueProblem(type: GraphQLInputType, value: unknown, where: string): string | undefined {
  if (value == null) return undefined;
  if (type instanceof GraphQLNonNull) return valueProblem(type.ofType, value, where);
  if (type instanceof GraphQLList) {
    if (!Array.isArray(value)) return valueProblem(type.ofType, value, where);
    for (let i = 0; i < value.length; i++) {
      const problem = valueProblem(type.ofType, value[i], `${where}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (type instanceof GraphQLInputObjectType) {
    for (const field of Object.values(type.getFields())) {
      const problem = valueProblem(
        field.type,
        (value as Record<string, unknown>)[field.name],
        `${where}.${field.name}`,
      );
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'string') return stringProblem(`${where})`, value);
  if (typeof value === 'number' && getNamedType(type).name === 'Float') return floatProblem(`${where})`, value);
  return undefined;
}

const badInput = (message: string) => new PublicError('BAD_USER_INPUT', message);

type FieldWithArguments = { def: GraphQLField<unknown, unknown>; node: FieldNode };

/** Fields that take arguments, per operation: Apollo keeps parsed documents, so the walk is done once per query text
 *  rather than per request (the walk is most of the check's cost). */
const fieldsOf = new WeakMap<OperationDefinitionNode, FieldWithArguments[]>();

function fieldsWithArguments(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) {
  let fields = fieldsOf.get(operation);
  if (fields) return fields;
  fields = [];
  const found = fields;
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const def = typeInfo.getFieldDef();
      if (def?.args.length) found.push({ def, node });
    },
  });
  visit(operation, visitor);
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, visitor);
  fieldsOf.set(operation, fields);
  return fields;
}

/** The operation's variables as its definitions coerce them, and every field's arguments checked; errors if not. */
export function checkArgumentValues(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): PublicError[] {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return coerced.errors.map((e) => badInput(e.message));
  for (const { def, node } of fieldsWithArguments(schema, document, operation)) {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(def, node, coerced.coerced);
    } catch {
      continue; // execution reports it, in graphql-js's own words
    }
    for (const arg of def.args) {
      const problem = valueProblem(arg.type, args[arg.name], `${node.name.value}(${arg.name}`);
      if (problem) return [badInput(problem)];
    }
  }
  return [];
}

/** The check on every HTTP request, once its operation is known and before it executes. */
export function argumentValuesPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ schema, document, operation, request }) => {
        if (!operation) return;
        const [error] = checkArgumentValues(schema, document, operation, request.variables);
        // A status of its own: Apollo answers errors thrown here with HTTP 500 otherwise.
        if (error) throw new PublicError('BAD_USER_INPUT', error.message, 400);
      },
    }),
  };
}

// Hostile GraphQL requests derived from the schema: every argument of every root field (and of the fields they
// reach) gets plausible values, then one or two of them are swapped for a hostile value of the same kind (NUL and
// other control characters, lone surrogates, very long strings, the largest and smallest finite doubles,
// subnormals, negative zero, crafted cursors). A field or argument added to the schema is fuzzed without a change here.
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** Ids of the loaded atlas, so that plausible values reach the database rather than stop at "not found". */
export interface FuzzTargets {
  dictionaryIds: string[];
  /** Global ids (Feature and Dictionary). */
  nodeIds: string[];
  /** Length of a decoder row, so vectors match a dictionary. */
  dIn: number;
}

const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000',
  'the\u0000',
  '\u0000\u0000\u0000',
  '\u0001',
  '\u0007bell',
  '\u001b[31m',
  '\u001f',
  '\u007f',
  '\u0085',
  '\ud800',
  'a\udc00b',
  '\ud83d',
  '\udfff\ud800',
  '\ufffe',
  '\u202e',
  'x'.repeat(20_000),
  '\u0000'.repeat(5_000),
  '💥'.repeat(5_000),
  '%_\\',
  "' OR 1=1 --",
  '',
  ' ',
  cursor([1e308, 1]),
  cursor([0, 1e308]),
  cursor([5e-324, 0]),
  cursor([-0, -1]),
  Buffer.from('Feature:1:99999999').toString('base64url'),
  Buffer.from('Dictionary:2147483647').toString('base64url'),
  Buffer.from('Feature:\u0000:1').toString('base64url'),
];

/** Sent as the JSON text `-0` (JSON.stringify writes negative zero as 0). */
export const NEGATIVE_ZERO = '\u2063negative-zero\u2063';

export const HOSTILE_FLOATS: readonly (number | string)[] = [
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE, // the smallest subnormal double
  -Number.MIN_VALUE,
  2.2250738585072014e-308, // the smallest normal double
  1e-310, // subnormal double
  1e308,
  -1e308,
  3.5e38, // just past float32
  1e-39, // float32 subnormal
  1e-46, // underflows float32
  2 ** 53 + 1,
  NEGATIVE_ZERO,
];

export const HOSTILE_INTS: readonly (number | string)[] = [
  NEGATIVE_ZERO,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  -1,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1.5,
];

const OFF_TYPE: readonly unknown[] = [null, true, [], {}, [null], 'NaN', { $gt: 1 }];

export interface HostileRequest {
  /** The root field it exercises. */
  field: string;
  operation: 'query' | 'mutation' | 'subscription';
  query: string;
  variables: Record<string, unknown>;
  /** The hostile values swapped in, described for failure messages. */
  hostile: string[];
}

/** JSON body of a request, with negative zero written as -0. */
export function requestBody(r: Pick<HostileRequest, 'query' | 'variables'>): string {
  return JSON.stringify({ query: r.query, variables: r.variables }).replaceAll(`"${NEGATIVE_ZERO}"`, '-0');
}

type LeafKind = 'string' | 'float' | 'int' | 'other';
/** A value in a request that can be made hostile; `root` when it is an argument of the root field. */
type Leaf = { kind: LeafKind; replace: (v: unknown) => void; where: string; root: boolean };

export interface HostileRequestGenerator {
  /** Request number n: the root fields in turn, one or two of its argument values made hostile. */
  random(n: number): HostileRequest;
  /** For every root field and every argument value of that kind (all arguments and input fields given), a
   *  request where that one value is `hostile`: each is labelled `field(argument.path[i])` in `hostile`. */
  eachLeaf(kind: LeafKind, hostile: unknown): HostileRequest[];
}

/** A deterministic generator of hostile requests over every root field of `schema`. */
export function hostileRequests(schema: GraphQLSchema, targets: FuzzTargets, seed = 12345): HostileRequestGenerator {
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  const roots: { operation: HostileRequest['operation']; type: GraphQLObjectType }[] = [];
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const)
    if (type) roots.push({ operation, type });
  const fields = roots.flatMap(({ operation, type }) => Object.values(type.getFields()).map((f) => ({ operation, f })));

  function plausibleString(name: string, isId: boolean): string {
    if (isId && /dictionar/i.test(name)) return pick(targets.dictionaryIds);
    if (isId && /feature/i.test(name)) return pick(targets.nodeIds);
    if (isId) return pick([...targets.dictionaryIds, ...targets.nodeIds]);
    if (/token/i.test(name)) return pick([' the', ' walked', 'the', ',']);
    return pick(['the', 'verb', 'past tense', 'NN', 'VBD', 'a b', 'determiner']);
  }

  /** Builds one request; `full` gives every argument and input field (so leaves come in a fixed order). */
  function build(operation: HostileRequest['operation'], field: GraphQLField<unknown, unknown>, full: boolean) {
    const defs: string[] = [];
    const leaves: Leaf[] = [];
    let root = true;
    const variables: Record<string, unknown> = {};

    /** A plausible value of `type`, recording each leaf so that one can be made hostile. */
    function value(type: GraphQLInputType, name: string, where: string, set: (v: unknown) => void): void {
      if (type instanceof GraphQLNonNull) return value(type.ofType, name, where, set);
      if (type instanceof GraphQLList) {
        const length =
          /vector/i.test(name) && (full || rand() < 0.8) ? targets.dIn : full ? 2 : Math.floor(rand() * 3) + 1;
        const items: unknown[] = new Array(length).fill(null);
        set(items);
        for (let i = 0; i < length; i++) value(type.ofType, name, `${where}[${i}]`, (v) => (items[i] = v));
        leaves.push({ kind: 'other', replace: set, where: `${where})`, root });
        return;
      }
      if (type instanceof GraphQLInputObjectType) {
        const obj: Record<string, unknown> = {};
        set(obj);
        for (const f of Object.values(type.getFields()))
          if (full || f.type instanceof GraphQLNonNull || rand() < 0.6)
            value(f.type, f.name, `${where}.${f.name}`, (v) => (obj[f.name] = v));
        leaves.push({ kind: 'other', replace: set, where: `${where})`, root });
        return;
      }
      const scalar = type instanceof GraphQLEnumType ? 'enum' : (type as GraphQLScalarType).name;
      const kind: LeafKind =
        scalar === 'Int'
          ? 'int'
          : scalar === 'Float'
            ? 'float'
            : scalar === 'String' || scalar === 'ID'
              ? 'string'
              : 'other';
      if (type instanceof GraphQLEnumType) set(pick(type.getValues()).name);
      else if (kind === 'int') set(1 + Math.floor(rand() * 5));
      else if (kind === 'float') set(pick([0, 0.01, 0.5, 1, 10, -1]));
      else if (kind === 'string') set(plausibleString(name, scalar === 'ID'));
      else if (scalar === 'JSONObject') set({});
      else set(rand() < 0.5);
      leaves.push({ kind, replace: set, where: `${where})`, root });
    }

    /** Arguments of `field` as variables; returns `(arg: $var, …)` or ''. */
    function argumentsOf(field: GraphQLField<unknown, unknown>, path: string): string {
      const parts: string[] = [];
      for (const arg of field.args) {
        if (!full && !(arg.type instanceof GraphQLNonNull) && rand() < 0.3) continue;
        const name = `${path}_${arg.name}`;
        defs.push(`$${name}: ${String(arg.type)}`);
        parts.push(`${arg.name}: $${name}`);
        value(arg.type, arg.name, `${field.name}(${arg.name}`, (v) => (variables[name] = v));
      }
      return parts.length ? `(${parts.join(', ')})` : '';
    }

    /** Sub-fields that take arguments (or lead to some within `depth`), with their arguments as variables. */
    function selection(type: GraphQLObjectType, path: string, depth: number): string {
      const parts = ['__typename'];
      for (const f of Object.values(type.getFields())) {
        const named = getNamedType(f.type);
        if (!f.args.length && (depth <= 0 || !(named instanceof GraphQLObjectType))) continue;
        const args = argumentsOf(f, `${path}_${f.name}`);
        if (named instanceof GraphQLObjectType) {
          const sub = depth > 0 ? selection(named, `${path}_${f.name}`, depth - 1) : '__typename';
          if (args || sub !== '__typename') parts.push(`${f.name}${args} { ${sub} }`);
        } else parts.push(`${f.name}${args}`);
      }
      return parts.join(' ');
    }

    const args = argumentsOf(field, field.name);
    root = false;
    const named = getNamedType(field.type);
    const sub = named instanceof GraphQLObjectType ? ` { ${selection(named, field.name, 2)} }` : '';
    const query = `${operation}${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${args}${sub} }`;
    return { query, variables, leaves };
  }

  // Each kind's hostile values in turn, so that every one is used as often as the others.
  const used = { string: 0, float: 0, int: 0, other: 0 };
  const pools: Record<LeafKind, readonly unknown[]> = {
    string: HOSTILE_STRINGS,
    float: HOSTILE_FLOATS,
    int: HOSTILE_INTS,
    other: OFF_TYPE,
  };
  function hostileFor(kind: LeafKind): unknown {
    if (rand() < 0.1) return pick(OFF_TYPE);
    return pools[kind][used[kind]++ % pools[kind].length];
  }

  const describe = (where: string, v: unknown) =>
    `${where} = ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : JSON.stringify(v)}`;

  return {
    random(n) {
      const { operation, f } = fields[n % fields.length];
      const { query, variables, leaves } = build(operation, f, false);
      const hostile: string[] = [];
      // Mostly the root field's own arguments: those of nested fields are also reached as root fields' arguments.
      const candidates = leaves.filter((l) => l.kind !== 'other' || rand() < 0.2);
      const own = candidates.filter((l) => l.root);
      for (let i = 0; i < (rand() < 0.7 ? 1 : 2) && candidates.length; i++) {
        const leaf = pick(own.length && rand() < 0.8 ? own : candidates);
        const v = hostileFor(leaf.kind);
        leaf.replace(v);
        hostile.push(describe(leaf.where, v));
      }
      return { field: f.name, operation, query, variables, hostile };
    },
    eachLeaf(kind, v) {
      const out: HostileRequest[] = [];
      for (const { operation, f } of fields) {
        const count = build(operation, f, true).leaves.filter((l) => l.kind === kind).length;
        for (let i = 0; i < count; i++) {
          const { query, variables, leaves } = build(operation, f, true);
          const leaf = leaves.filter((l) => l.kind === kind)[i];
          leaf.replace(v);
          out.push({ field: f.name, operation, query, variables, hostile: [leaf.where] });
        }
      }
      return out;
    },
  };
}

export interface Answer {
  /** HTTP status; 101 for a subscription over WebSocket. */
  status: number;
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Sends a request as HTTP POST, or over graphql-ws (its first answer, or the refusal): by default the way its
 *  operation travels (subscriptions over the socket). */
export async function send(
  graphqlUrl: string,
  r: HostileRequest,
  authorization?: string,
  transport: 'http' | 'ws' = r.operation === 'subscription' ? 'ws' : 'http',
): Promise<Answer> {
  if (transport === 'http') {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: requestBody(r),
    });
    const text = await res.text();
    try {
      return { status: res.status, ...(JSON.parse(text) as Omit<Answer, 'status'>) };
    } catch {
      return { status: res.status, errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
    }
  }
  const client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
  const variables = (JSON.parse(requestBody(r)) as { variables: Record<string, unknown> }).variables;
  try {
    return await new Promise<Answer>((resolve) => {
      const stop = client.subscribe(
        { query: r.query, variables },
        {
          next: (result) => {
            stop();
            resolve({ status: 101, data: result.data, errors: result.errors as Answer['errors'] });
          },
          error: (error) =>
            resolve({ status: 101, errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
          complete: () => resolve({ status: 101 }),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

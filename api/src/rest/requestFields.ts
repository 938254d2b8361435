// Reading the fields of a REST request body: each reader names the field (its path in the body) and what to send
// when the value is missing or of the wrong kind, so every 400 of the facade reads the same way.
import { floatProblem, stringProblem } from '../argumentValues.js';
import { badField } from './restError.js';

/** A parsed JSON body's object, or one nested in it. */
export type Fields = Record<string, unknown>;

export function requireObject(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badField(field, `must be a JSON object (got ${describe(value)})`);
  return value as Fields;
}

export function requireString(body: Fields, field: string, path = field): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0)
    throw badField(path, `is required: a non-empty string (got ${describe(value)})`);
  return value;
}

export function optionalString(body: Fields, field: string, path = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badField(path, `must be a string (got ${describe(value)})`);
  return value;
}

export function optionalBoolean(body: Fields, field: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badField(field, `must be true or false (got ${describe(value)})`);
  return value;
}

/** A finite number in [min, max]; `fallback` when absent (required when no fallback is given). */
export function numberField(
  body: Fields,
  field: string,
  range: { min: number; max: number; integer?: boolean },
  fallback?: number,
  path = field,
): number {
  const value = body[field];
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw badField(path, `is required: a number from ${range.min} to ${range.max}`);
  }
  const kind = range.integer ? 'an integer' : 'a number';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (range.integer && !Number.isInteger(value)) ||
    value < range.min ||
    value > range.max
  )
    throw badField(path, `must be ${kind} from ${range.min} to ${range.max} (got ${describe(value)})`);
  return value;
}

/** An array of strings (each non-empty), `[]` when absent. */
export function stringList(body: Fields, field: string, maxItems: number): string[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badField(field, `must be an array of strings (got ${describe(value)})`);
  if (value.length > maxItems) throw badField(field, `lists ${value.length} items; at most ${maxItems}`);
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v.length === 0)
      throw badField(`${field}[${i}]`, `must be a non-empty string (got ${describe(v)})`);
  });
  return value as string[];
}

/** A feature index as Neuronpedia sends it: a number or a string of digits. */
export function featureIndexField(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw badField(
      path,
      `must be a feature index: a non-negative integer or a string of digits (got ${describe(value)})`,
    );
  return n;
}

/** A value as a message shows it: short, and its kind when it is not a scalar. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * The first value of a request (a body, a path part) that GraphQL's argument checks (argumentValues.ts) would
 * refuse: a string the database cannot store or that is not text, a number outside float32; named by its path.
 */
export function valueProblem(value: unknown, where: string): string | undefined {
  if (typeof value === 'string') return stringProblem(where, value);
  if (typeof value === 'number') return Number.isInteger(value) ? undefined : floatProblem(where, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = valueProblem(value[i], `${where}[${i}]`);
      if (problem) return problem;
    }
  } else if (typeof value === 'object' && value !== null)
    for (const [key, v] of Object.entries(value)) {
      const problem = valueProblem(v, where ? `${where}.${key}` : key);
      if (problem) return problem;
    }
  return undefined;
}

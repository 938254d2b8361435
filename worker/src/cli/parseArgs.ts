// Number parsing for command-line flags, in one place, with messages that give the bound and the value. Every
// numeric flag of every command goes through `parseNumber`, directly or as commander's parser (`numberFlag`).
import { AtlasError } from '../errors.js';

/** What a flag accepts. `min: Number.MIN_VALUE` means "greater than 0". */
export interface NumberBounds {
  /** A safe integer (|n| < 2^53), so ids and counts stay exact. */
  integer?: boolean;
  min?: number;
  max?: number;
}

/** Parse `value` of flag `name`; ARGUMENT_INVALID says what was expected and what came. */
export function parseNumber(name: string, value: string, o: NumberBounds = {}): number {
  const n = Number(value);
  const want = `${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min === Number.MIN_VALUE ? '0 (exclusive)' : o.min}` : ''}${o.max !== undefined ? ` and <= ${o.max}` : ''}`;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (o.integer && !Number.isSafeInteger(n)) ||
    (o.min !== undefined && n < o.min) ||
    (o.max !== undefined && n > o.max)
  )
    throw new AtlasError('ARGUMENT_INVALID', `${name} must be ${want} (got "${value}")`);
  return n;
}

/**
 * `parseNumber` as a commander option parser, so a bad value stops the command before it starts:
 * `.option('--batch <n>', 'windows per pass', numberFlag('--batch', { integer: true, min: 1 }), 64)`.
 */
export function numberFlag(name: string, o: NumberBounds = {}): (value: string) => number {
  return (value) => parseNumber(name, value, o);
}

/** `numberFlag` for an integer flag of at least `min`, the most common kind. */
export function integerFlag(name: string, min: number): (value: string) => number {
  return numberFlag(name, { integer: true, min });
}

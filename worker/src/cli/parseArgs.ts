// Number parsing for command-line flags, in one place, with messages that give the bound and the value.
import { AtlasError } from '../errors.js';

/** Parse `value` of flag `name`; ARGUMENT_INVALID says what was expected and what came. */
export function parseNumber(
  name: string,
  value: string,
  o: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const n = Number(value);
  const want = `${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min === Number.MIN_VALUE ? '0 (exclusive)' : o.min}` : ''}${o.max !== undefined ? ` and <= ${o.max}` : ''}`;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (o.integer && !Number.isInteger(n)) ||
    (o.min !== undefined && n < o.min) ||
    (o.max !== undefined && n > o.max)
  )
    throw new AtlasError('ARGUMENT_INVALID', `${name} must be ${want} (got "${value}")`);
  return n;
}

// A promise raced against a timer: the one time-limit primitive of the HTTP handlers (GraphQL and REST alike).

export const TIMED_OUT = Symbol('timed out');

/** `work`'s value, or TIMED_OUT once `ms` have passed; the timer never outlives the race. */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

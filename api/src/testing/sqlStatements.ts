// Counting the SQL statements a request costs, for the no-N+1 tests: every pg client query while `run` runs is
// recorded (its text), whichever pooled connection sends it.
import pg from 'pg';

export async function recordStatements<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const original = pg.Client.prototype.query;
  const statements: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text);
    // The response cache's version check is its own cost (responseCache/readPathCache.test.ts), not the operation's.
    if (!/FROM read_versions/.test(text)) statements.push(text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await run(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}

// Counting the SQL statements a request costs, for the no-N+1 tests: every pg client query while `run` runs is
// recorded (its text), whichever pooled connection sends it. A message of several prepared statements (the
// embedded engine's, preparedQuery.ts) counts as each of them, by the text each name stands for.
import pg from 'pg';
import { READ_STATEMENT_PREFIX } from '@atlas/migrations';
import { preparedText, STATEMENT_SEPARATOR, withoutPlanSetting } from '../services/preparedQuery.js';

/** The statements one message sends: `EXECUTE name(…)` as the text `name` was prepared from (the plan setting aside). */
function statementsOf(text: string): string[] {
  return withoutPlanSetting(text)
    .split(STATEMENT_SEPARATOR)
    .map((s) => {
      const executed = /^EXECUTE (\w+)\(/.exec(s);
      return (executed && preparedText(executed[1])) ?? s;
    });
}

export async function recordStatements<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const original = pg.Client.prototype.query;
  const statements: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text);
    // The response cache's version check is its own cost (responseCache/readPathCache.test.ts), not the operation's.
    // Preparing a read statement happens once per session (preparedQuery.ts), not per operation.
    if (!text.startsWith(`PREPARE ${READ_STATEMENT_PREFIX}`))
      for (const statement of statementsOf(text)) if (!/FROM read_versions/.test(statement)) statements.push(statement);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await run(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}

// What the store modules need from a connection: parameterised queries. A DataSource, a QueryRunner and a
// transaction's EntityManager all fit.

/** Anything that runs parameterised SQL and returns rows. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Rows of a SELECT, typed by the caller. */
export async function selectRows<T>(q: Queryable, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await q.query(sql, parameters)) as T[];
}

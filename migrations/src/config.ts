// Database configuration, shared by every process that opens the database (api, worker, migrate, tests).
import { resolve } from 'node:path';
import { z } from 'zod';
import { AtlasError } from './errors.js';

export const DbEnv = z.object({
  /** Any PostgreSQL with pgvector >= 0.7. Unset: an embedded PGlite database is started. */
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v), // `DATABASE_URL=` (empty) means unset, as in shells and compose files
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (e.g. postgres://user:pass@host:5432/atlas)')
      .optional(),
  ),
  /** Where local state lives (the embedded database under `<dir>/db`). */
  ATLAS_DATA_DIR: z.string().min(1).default('.atlas'),
  /** Port of the embedded database's PostgreSQL wire-protocol server on 127.0.0.1. 0 picks a free one. */
  ATLAS_DB_PORT: z.coerce.number().int().min(0).max(65535).default(5433),
  /** Connections each process may open; the embedded server accepts ATLAS_DB_MAX_CONNECTIONS in all. */
  ATLAS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(4),
  ATLAS_DB_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(64),
});

export type DbConfig = Readonly<{
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedDir: string;
  embeddedPort: number;
  poolSize: number;
  maxConnections: number;
}>;

/** Format zod issues as one line each: `NAME: problem (got "value")`. */
export function describeIssues(error: z.ZodError, env: Record<string, string | undefined>): string {
  return error.issues
    .map((i) => {
      const key = String(i.path[0] ?? '');
      const got = env[key];
      return `${key}: ${i.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    })
    .join('; ');
}

/** Parse and validate once at start-up; throws CONFIG_INVALID naming every bad variable. */
export function loadDbConfig(env: Record<string, string | undefined> = process.env): DbConfig {
  const parsed = DbEnv.safeParse(env);
  if (!parsed.success) throw new AtlasError('CONFIG_INVALID', describeIssues(parsed.error, env));
  const e = parsed.data;
  const dataDir = resolve(e.ATLAS_DATA_DIR);
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    embeddedDir: resolve(dataDir, 'db'),
    embeddedPort: e.ATLAS_DB_PORT,
    poolSize: e.ATLAS_DB_POOL_SIZE,
    maxConnections: e.ATLAS_DB_MAX_CONNECTIONS,
  };
}

// The api's configuration, parsed and validated once at start-up. Only this file reads process.env.
import { AtlasError, DbEnv, describeIssues, loadDbConfig, type DbConfig } from '@atlas/migrations';
import { z } from 'zod';

/** `scheme://host[:port]` exactly as a browser sends it in the Origin header. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

export const ApiEnv = DbEnv.extend({
  ATLAS_API_HOST: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port. */
  ATLAS_API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Largest request body in bytes. */
  ATLAS_API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  /** `false` closes reads too: every request needs an API key. */
  ATLAS_API_PUBLIC_READS: z.enum(['true', 'false']).default('true'),
  /** Longest a request may run before it is answered REQUEST_TIMEOUT; 0: no limit. */
  ATLAS_API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /**
   * statement_timeout of the api's database sessions on PostgreSQL; default: the request timeout, 0: none. The
   * embedded database accepts the setting but never fires it (see statementTimeout.ts), so it is not set there.
   */
  ATLAS_API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).optional(),
  /** api processes sharing the port (node:cluster); more than 1 needs DATABASE_URL. */
  ATLAS_API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  ATLAS_API_STEER_SLOTS: z.coerce.number().int().min(1).max(64).default(2),
  /** MiB of GraphQL answers kept in memory, checked against the database's read versions per request; 0: none. */
  ATLAS_API_CACHE_MB: z.coerce.number().min(0).max(1_000_000).default(256),
  /** Cache-Control max-age of public answers, seconds: how long a CDN may reuse one without asking (default 0). */
  ATLAS_API_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(31_536_000).default(0),
  /**
   * Browser origins (`https://host:port`, comma-separated) that may call the api from their pages; `*` for any.
   * Unset: none but the api's own, so a web page open in a researcher's browser cannot read their local atlas.
   */
  ATLAS_API_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const origins = v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins)
        if (origin !== '*' && !isOrigin(origin))
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin; list origins as scheme://host[:port] without a path, comma-separated (e.g. https://lab.example.org,http://localhost:8080), or * for any`,
          });
      return origins;
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ApiConfig = Readonly<{
  db: DbConfig;
  host: string;
  port: number;
  maxBodyBytes: number;
  publicReads: boolean;
  requestTimeoutMs: number;
  statementTimeoutMs: number;
  processes: number;
  /** Steering requests running or waiting at once; one more answers BUSY. */
  steerSlots: number;
  /** Bytes of the response cache (0: none). */
  responseCacheBytes: number;
  cacheMaxAgeSeconds: number;
  /** Origins allowed to call the api from a browser page (CORS); `*` for any; empty: same origin only. */
  corsOrigins: readonly string[];
  logLevel: z.infer<typeof ApiEnv>['LOG_LEVEL'];
}>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const parsed = ApiEnv.safeParse(env);
  if (!parsed.success) throw new AtlasError('CONFIG_INVALID', describeIssues(parsed.error, env));
  const e = parsed.data;
  const db = loadDbConfig(env);
  if (e.ATLAS_API_PROCESSES > 1 && !db.databaseUrl)
    throw new AtlasError(
      'CONFIG_INVALID',
      `ATLAS_API_PROCESSES=${e.ATLAS_API_PROCESSES} needs DATABASE_URL: the embedded database runs one statement at a time, so more api processes would not serve more; set DATABASE_URL to a PostgreSQL server, or ATLAS_API_PROCESSES=1`,
    );
  return {
    db,
    host: e.ATLAS_API_HOST,
    port: e.ATLAS_API_PORT,
    maxBodyBytes: e.ATLAS_API_MAX_BODY_BYTES,
    publicReads: e.ATLAS_API_PUBLIC_READS === 'true',
    requestTimeoutMs: e.ATLAS_API_REQUEST_TIMEOUT_MS,
    statementTimeoutMs: e.ATLAS_API_STATEMENT_TIMEOUT_MS ?? e.ATLAS_API_REQUEST_TIMEOUT_MS,
    processes: e.ATLAS_API_PROCESSES,
    steerSlots: e.ATLAS_API_STEER_SLOTS,
    responseCacheBytes: Math.round(e.ATLAS_API_CACHE_MB * 2 ** 20),
    cacheMaxAgeSeconds: e.ATLAS_API_CACHE_MAX_AGE,
    corsOrigins: e.ATLAS_API_CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
  };
}

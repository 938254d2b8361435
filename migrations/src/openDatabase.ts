// One way in to the database for every process: the external PostgreSQL named by DATABASE_URL, or the embedded
// PGlite (joined if another process already serves it, started otherwise); checked for pgvector; migrated.
import type { DataSource } from 'typeorm';
import { bulkLoaderFor, type BulkLoader } from './bulkLoad/index.js';
import type { DbConfig } from './config.js';
import { createDataSource } from './dataSource.js';
import type { EngineWriteClock } from './embedded/engineWriteClock.js';
import { findRunningEmbedded, startEmbeddedDatabase, type EmbeddedDatabase } from './embedded/startEmbeddedDatabase.js';
import { AtlasError } from './errors.js';
import { redactUrl } from './redactUrl.js';

export interface OpenDatabase {
  dataSource: DataSource;
  /** postgres:// URL other processes can use to reach the same database. */
  url: string;
  /** Set when this process serves the embedded database (it must stay up while others use it). */
  embedded: EmbeddedDatabase | undefined;
  /** `pglite` when the server is the embedded engine (whether this process serves it or joined it). */
  engine: 'pglite' | 'postgres';
  bulkLoader: BulkLoader;
  close(): Promise<void>;
}

/** Data sources whose connections all reach one backend session: the embedded engine's (see preparedQuery). */
const oneSession = new WeakSet<DataSource>();

/** Whether every connection of `dataSource` shares one backend session (PGlite), so session state is shared too. */
export function connectionsShareOneSession(dataSource: DataSource): boolean {
  return oneSession.has(dataSource);
}

/** Data sources served by an embedded engine in this very process: the clock of its possible writes. */
const localWrites = new WeakMap<DataSource, EngineWriteClock>();

/**
 * When `dataSource` reaches the embedded engine this process serves, the clock that says whether data may have
 * changed since a given moment (engineWriteClock.ts); undefined for any other database (another process's engine,
 * a PostgreSQL server), where only a read can tell.
 */
export function localWriteClock(dataSource: DataSource): EngineWriteClock | undefined {
  return localWrites.get(dataSource);
}

/** pgvector's minimum: `halfvec` and HNSW on it arrived in 0.7. */
const MIN_VECTOR_VERSION = [0, 7];

export { redactUrl } from './redactUrl.js';

/** Turn a driver error on connect into the one line a person needs. */
export function describeConnectError(err: unknown, url: string): AtlasError {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const where = redactUrl(url);
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new AtlasError(
        'DATABASE_UNREACHABLE',
        `cannot reach PostgreSQL at ${where} (${e.code}); check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.`,
        { cause: err },
      );
    case '28P01':
    case '28000':
      return new AtlasError(
        'DATABASE_AUTH_FAILED',
        `PostgreSQL at ${where} refused the login (${e.message}); fix the user and password in DATABASE_URL.`,
        { cause: err },
      );
    case '3D000':
      return new AtlasError(
        'DATABASE_NOT_FOUND',
        `${e.message} at ${where}; create it (createdb) or name an existing database in DATABASE_URL.`,
        { cause: err },
      );
    default:
      // node-postgres's own words when the server asks for a password (SCRAM) and the URL has none.
      if (/client password must be/.test(e.message ?? ''))
        return new AtlasError(
          'DATABASE_AUTH_FAILED',
          `PostgreSQL at ${where} asks for a password and DATABASE_URL has none; put it in the URL (postgres://user:password@host:port/db), or unset DATABASE_URL to use (or join) the embedded database.`,
          { cause: err },
        );
      if (/timeout/i.test(e.message ?? ''))
        return new AtlasError(
          'DATABASE_UNREACHABLE',
          `PostgreSQL at ${where} did not answer in time (${e.message}); check DATABASE_URL and the server.`,
          { cause: err },
        );
      return new AtlasError('DATABASE_UNREACHABLE', `cannot connect to ${where}: ${e.message}`, { cause: err });
  }
}

/** Fail clearly when the server lacks pgvector >= 0.7. */
export async function checkVectorExtension(dataSource: DataSource, url: string): Promise<void> {
  const rows: { installed: string | null; available: string | null }[] = await dataSource.query(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available`,
  );
  const version = rows[0]?.installed ?? rows[0]?.available;
  const fix =
    'install pgvector >= 0.7 on that server (or run the pgvector/pgvector:pg17 image), or unset DATABASE_URL to use the embedded database.';
  if (!version)
    throw new AtlasError(
      'VECTOR_EXTENSION_MISSING',
      `the database at ${redactUrl(url)} has no "vector" extension; ${fix}`,
    );
  const [major, minor] = version.split('.').map(Number);
  if (major < MIN_VECTOR_VERSION[0] || (major === MIN_VECTOR_VERSION[0] && minor < MIN_VECTOR_VERSION[1]))
    throw new AtlasError(
      'VECTOR_EXTENSION_MISSING',
      `the database at ${redactUrl(url)} has pgvector ${version}, older than 0.7 (no halfvec); ${fix}`,
    );
}

/** Apply pending migrations; safe to call from every process at start-up. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  try {
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } catch (err) {
    throw new AtlasError('MIGRATION_FAILED', `migrating the schema failed: ${(err as Error).message}`, { cause: err });
  }
}

export interface OpenOptions {
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Start the embedded database here even if it could be joined (tests). */
  withoutVector?: boolean;
}

/** Open the configured database, ready for use. */
export async function openDatabase(config: DbConfig, options: OpenOptions = {}): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    const running = findRunningEmbedded(config.embeddedDir);
    if (running) url = running.url;
    else {
      embedded = await startEmbeddedDatabase({
        dataDir: config.embeddedDir,
        port: config.embeddedPort,
        maxConnections: config.maxConnections,
        withoutVector: options.withoutVector,
      });
      url = embedded.url;
    }
  }
  const dataSource = createDataSource(url, config.poolSize);
  try {
    await dataSource.initialize();
  } catch (err) {
    await embedded?.close();
    throw describeConnectError(err, url);
  }
  const close = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.close();
  };
  let engine: 'pglite' | 'postgres';
  try {
    const [{ version }] = (await dataSource.query('SELECT version()')) as { version: string }[];
    engine = version.includes('PGlite') ? 'pglite' : 'postgres';
    if (engine === 'pglite') oneSession.add(dataSource);
    if (embedded) localWrites.set(dataSource, embedded.writes);
    await checkVectorExtension(dataSource, url);
    if (options.migrate !== false) await migrate(dataSource);
  } catch (err) {
    await close();
    throw err;
  }
  return { dataSource, url, embedded, engine, bulkLoader: bulkLoaderFor(engine === 'pglite'), close };
}

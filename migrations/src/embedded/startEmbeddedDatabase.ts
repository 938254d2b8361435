// The embedded default: PGlite (Postgres compiled to WASM) with pgvector and pg_trgm, persisted in a folder and
// served over the PostgreSQL wire protocol on 127.0.0.1, so every process uses the same `pg` code as production.
// The server takes one user and database, with a password of the data folder's own (see startupAuthentication.ts).
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { AtlasError } from '../errors.js';
import { redactUrl } from '../redactUrl.js';
import { passwordPath, readOrCreatePassword } from './embeddedPassword.js';
import type { EngineWriteClock } from './engineWriteClock.js';
import { WireServer } from './wireServer.js';

/** The one user and database the embedded server accepts (PGlite's own names). */
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_DATABASE = 'postgres';

export interface EmbeddedDatabase {
  /** postgres:// URL of the wire-protocol server, password included. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Whether data may have changed since a given moment (every client's statements pass through this process). */
  readonly writes: EngineWriteClock;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Must cover every pool that connects: the server refuses connections past it. */
  maxConnections: number;
  /** Leave out pgvector (tests of the "no vector extension" error use this). */
  withoutVector?: boolean;
}

/**
 * Lock file beside the data folder: `{pid, url}` of the process serving it, so other processes can join. The URL
 * holds the password, so the file is readable by its owner only.
 */
export function lockPath(dataDir: string): string {
  return `${dataDir}.lock`;
}

/** The URL of a live process already serving this data folder, if any. */
export function findRunningEmbedded(dataDir: string): { pid: number; url: string } | undefined {
  let lock: { pid: number; url: string };
  try {
    lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as { pid: number; url: string };
  } catch {
    return undefined;
  }
  try {
    process.kill(lock.pid, 0);
    return lock;
  } catch {
    return undefined; // stale lock of a dead process
  }
}

function ensureWritable(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, '.write-probe');
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AtlasError(
      'DATA_DIR_UNWRITABLE',
      `cannot write the embedded database folder ${dataDir} (${code}); set ATLAS_DATA_DIR to a writable folder, or DATABASE_URL to use an external PostgreSQL.`,
      { cause: err },
    );
  }
}

/** Start PGlite on `dataDir` and serve it on 127.0.0.1:`port`. */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir } = options;
  const running = findRunningEmbedded(dataDir);
  if (running && running.pid !== process.pid)
    throw new AtlasError(
      'DATA_DIR_LOCKED',
      `the embedded database in ${dataDir} is already served by process ${running.pid} at ${redactUrl(running.url)}; stop that process, or leave DATABASE_URL unset to join it (the URL with its password is in ${lockPath(dataDir)}).`,
    );
  ensureWritable(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir,
      extensions: options.withoutVector ? { pg_trgm } : { vector, pg_trgm },
    });
  } catch (err) {
    throw new AtlasError(
      'DATA_DIR_UNWRITABLE',
      `cannot open the embedded database in ${dataDir} (${(err as Error).message}); if the folder is damaged, move it away and start again, or set ATLAS_DATA_DIR.`,
      { cause: err },
    );
  }
  let password: string;
  try {
    password = readOrCreatePassword(dataDir);
  } catch (err) {
    await db.close();
    throw new AtlasError(
      'DATA_DIR_UNWRITABLE',
      `cannot read or create the embedded database's password file ${passwordPath(dataDir)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); make it readable by this user, or delete it to get a new password.`,
      { cause: err },
    );
  }
  const server = new WireServer(db, options.maxConnections, {
    user: EMBEDDED_USER,
    database: EMBEDDED_DATABASE,
    password,
    passwordFile: passwordPath(dataDir),
  });
  let port: number;
  try {
    port = await server.listen(options.port);
  } catch (err) {
    await db.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new AtlasError(
        'PORT_IN_USE',
        `port 127.0.0.1:${options.port} for the embedded database is already in use; set ATLAS_DB_PORT to a free port (0 picks one), or stop the program using it.`,
        { cause: err },
      );
    throw err;
  }
  const url = `postgres://${EMBEDDED_USER}:${password}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  // rm first: a stale lock keeps its old mode, and writeFileSync's mode applies only to a new file.
  rmSync(lockPath(dataDir), { force: true });
  writeFileSync(lockPath(dataDir), JSON.stringify({ pid: process.pid, url }), { mode: 0o600 });
  chmodSync(lockPath(dataDir), 0o600);
  let closed = false;
  return {
    url,
    port,
    dataDir,
    writes: server.writes,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await db.close();
      rmSync(lockPath(dataDir), { force: true });
    },
  };
}

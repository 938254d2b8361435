// The worker outlives its database: when the connection is lost (the server stopped, restarted, or the embedded one
// went down with `npm start`), it waits for the server with backoff instead of dying, then carries on.
import { redactUrl } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

/** SQLSTATEs of a server that is going away or not ready yet (class 08: connection exception; 57P0x: shutdown). */
const LOST_SQLSTATE = /^(08|57P0[1-3])/;
/** Node's socket errors and node-postgres's own messages for a connection that broke or never opened. */
const LOST_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const LOST_MESSAGE =
  /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i;

/** Whether `err` (or what it wraps: TypeORM's driverError, an Error cause) says the database connection is gone. */
export function isConnectionLost(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (LOST_ERRNO.has(code) || LOST_SQLSTATE.test(code)) return true;
    if (typeof e.message === 'string' && LOST_MESSAGE.test(e.message)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isConnectionLost)) return true; // AggregateError (IPv4 + IPv6)
    e = (e.driverError ?? e.cause) as Record<string, unknown> | undefined;
  }
  return false;
}

/** Shortest and longest wait between two tries: quick for a restart, gentle for a long outage. */
export const RECONNECT_MIN_MS = 250;
export const RECONNECT_MAX_MS = 10_000;

/** Wait `ms`, or less when `signal` aborts (a stopping worker does not sit out its backoff). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', wake);
      resolve();
    }, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
}

/**
 * Wait until the database answers again, trying with exponential backoff; says so in one line when the wait
 * begins and one when it ends (never a stack). Resolves false when `signal` aborts first (the worker is stopping).
 */
export async function waitForDatabase(
  dataSource: DataSource,
  where: { workerId: string; url: string; cause: unknown },
  signal: AbortSignal,
  say: (line: string) => void = (line) => console.error(line),
): Promise<boolean> {
  const started = Date.now();
  const e = where.cause as { code?: string; message?: string };
  say(
    `worker ${where.workerId}: lost the database at ${redactUrl(where.url)} (${e?.code ?? e?.message ?? String(where.cause)}); ` +
      `reconnecting with backoff (${RECONNECT_MIN_MS / 1000} s to ${RECONNECT_MAX_MS / 1000} s between tries)`,
  );
  for (let delay = RECONNECT_MIN_MS; !signal.aborted; delay = Math.min(RECONNECT_MAX_MS, delay * 2)) {
    await sleepUnlessAborted(delay, signal);
    if (signal.aborted) break;
    try {
      await dataSource.query('SELECT 1');
      say(
        `worker ${where.workerId}: the database answers again after ${((Date.now() - started) / 1000).toFixed(1)} s; resuming`,
      );
      return true;
    } catch (err) {
      if (!isConnectionLost(err)) throw err;
    }
  }
  return false;
}

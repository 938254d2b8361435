// pglite-socket's own queue runs each protocol message as it arrives, so with several connections the messages of
// one extended-protocol query (Parse, Bind, Describe, Execute, Sync) interleave with another connection's on the
// single PGlite backend: measured here, 8 pooled clients got other clients' rows and "portal does not exist".
// This queue keeps a connection's messages together up to the message that ends the exchange (Sync, Query, Flush…)
// and runs them as one unit; while a connection is inside a transaction, or between a Flush and its Sync, only
// that connection's units run (others wait: the backend is shared, so they must).
import type { PGlite } from '@electric-sql/pglite';
import { EngineWriteClock } from './engineWriteClock.js';
import { isReadOnlyUnit } from './readOnlyUnit.js';

interface Unit {
  handlerId: number;
  bytes: Uint8Array;
  endsExchange: boolean;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

// Frontend message types that start or continue an extended-protocol exchange without ending it.
const CONTINUES = new Set(['P', 'B', 'D', 'E', 'C'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const QUERY = 'Q'.charCodeAt(0);

/** The last 6 bytes of `before` followed by `data` (a unit's reply ends with ReadyForQuery's 6 when it is done). */
function lastBytes(before: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length >= 6) return data.slice(data.length - 6);
  const joined = new Uint8Array(before.length + data.length);
  joined.set(before);
  joined.set(data, before.length);
  return joined.slice(Math.max(0, joined.length - 6));
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Same surface as pglite-socket's QueryQueueManager, which PGLiteSocketHandler calls. */
export class SerialProtocolQueue {
  private queue: Unit[] = [];
  private pending = new Map<number, Uint8Array[]>();
  /** The connection the backend belongs to until its transaction or exchange ends. */
  private owner: number | null = null;
  private processing = false;
  /** When data may have changed (read by the api in this process: engineWriteClock.ts). */
  readonly writes = new EngineWriteClock();

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const type = message[0];
    if (CONTINUES.has(type)) {
      const parts = this.pending.get(handlerId) ?? [];
      parts.push(message);
      this.pending.set(handlerId, parts);
      return Promise.resolve(0);
    }
    const parts = this.pending.get(handlerId) ?? [];
    this.pending.delete(handlerId);
    parts.push(message);
    return new Promise((resolve, reject) => {
      this.queue.push({
        handlerId,
        bytes: concat(parts),
        endsExchange: type === SYNC || type === QUERY,
        onData,
        resolve,
        reject,
      });
      void this.process();
    });
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const at = this.owner === null ? 0 : this.queue.findIndex((u) => u.handlerId === this.owner);
        if (at === -1) break; // the owner has not sent its next unit yet; everyone else waits
        const [unit] = this.queue.splice(at, 1);
        let sent = 0;
        let tail: Uint8Array = new Uint8Array(0);
        // A unit of another client's transaction or exchange may commit what came before it: never read-only.
        const mayWrite = this.owner !== null || this.db.isInTransaction() || !isReadOnlyUnit(unit.bytes);
        if (mayWrite) this.writes.begin();
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(unit.bytes, {
              onRawData: (data) => {
                sent += data.length;
                tail = lastBytes(tail, data);
                unit.onData(data);
              },
            }),
          );
        } catch (err) {
          if (mayWrite) await this.writes.end(this.db, false);
          unit.reject(err);
          continue;
        }
        this.owner = this.db.isInTransaction() || !unit.endsExchange ? unit.handlerId : null;
        // Quiet: the backend said ReadyForQuery, idle ('Z', length 5, 'I'), not e.g. waiting for COPY data.
        const idle = tail.length === 6 && tail[0] === 0x5a && tail[5] === 0x49;
        if (mayWrite) await this.writes.end(this.db, this.owner === null && idle);
        unit.resolve(sent);
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.pending.delete(handlerId);
    this.queue = this.queue.filter((u) => {
      if (u.handlerId !== handlerId) return true;
      u.reject(new Error('connection closed'));
      return false;
    });
  }

  /** A connection that leaves mid-transaction must not keep the shared backend. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.runExclusive(() => this.db.exec('ROLLBACK'));
    this.owner = null;
    await this.process();
  }
}

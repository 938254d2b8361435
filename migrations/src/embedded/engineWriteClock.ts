// What the process serving the embedded database knows that no other process can: every protocol unit the one
// PGlite session runs passes through its queue (serialProtocolQueue.ts), so it can tell when data MAY have
// changed. The api in this process checks this clock before asking the database for its read versions: while no
// unit that might write has run since its last read, that read is still the database's state, and a cached
// answer can be served with no round trip at all (see api/src/responseCache/readVersionWatch.ts).
//
// A unit that may write is any unit not recognised as one of the read path's named SELECTs (readOnlyUnit.ts). Once
// it has run, the session's transaction horizon (pg_snapshot_xmax of the current snapshot, which moves when a
// transaction that wrote ends) says whether it did: reads leave it alone, so a search or a version read does not
// make the next request read the versions again. Inside a transaction the horizon cannot be read without joining
// that transaction, so every unit there counts as a write.
import type { PGlite } from '@electric-sql/pglite';

export class EngineWriteClock {
  private completed = 0;
  private running = 0;
  private lastHorizon: string | undefined;

  /**
   * How many units that changed (or may have changed) data have completed; undefined while one is running, whose
   * commit may already be visible to others (its reply goes out while it runs).
   */
  get settledWrites(): number | undefined {
    return this.running > 0 ? undefined : this.completed;
  }

  /** A unit that may write is about to run. */
  begin(): void {
    this.running++;
  }

  /**
   * It ran. `quiet`: the session is outside any transaction and exchange, so the horizon can be read without
   * touching another client's state.
   */
  async end(db: PGlite, quiet: boolean): Promise<void> {
    try {
      if (!quiet) {
        this.completed++;
        return;
      }
      const { rows } = await db.query<{ horizon: string }>(
        'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS horizon',
      );
      const horizon = rows[0]?.horizon;
      if (horizon === undefined || horizon !== this.lastHorizon) this.completed++;
      this.lastHorizon = horizon;
    } catch {
      this.completed++; // unknown: assume it wrote
    } finally {
      this.running--;
    }
  }
}

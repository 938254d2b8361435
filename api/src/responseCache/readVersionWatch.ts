// The database's read versions as this process last saw them, refreshed for every request that asks: a request
// waits for a read that *started after it arrived*, so a change committed by any process before the request
// is always seen (no stale answer), while concurrent requests share one read (one tiny statement per database
// round trip, however many requests are waiting).
import { readAllVersions, readGeneration } from '@atlas/migrations';
import type { DataSource } from 'typeorm';

export interface VersionSnapshot {
  /** Raised by every change to what the api reads. */
  generation: string;
  /** Every scope's version (missing: never bumped, or not yet created). */
  versions: ReadonlyMap<string, string>;
}

export class ReadVersionWatch {
  private latest: VersionSnapshot = { generation: '', versions: new Map() };
  private running: Promise<VersionSnapshot> | undefined;
  private queued: Promise<VersionSnapshot> | undefined;
  /** Database reads made (for the bench: how well requests share them). */
  reads = 0;

  constructor(private readonly ds: DataSource) {}

  /** The versions as of a read that began after this call. */
  current(): Promise<VersionSnapshot> {
    if (!this.running) return (this.running = this.read());
    // A read is under way, begun before we came: the next one, shared by all who arrive meanwhile, is ours.
    return (this.queued ??= this.running.then(
      () => this.next(),
      () => this.next(),
    ));
  }

  private next(): Promise<VersionSnapshot> {
    this.queued = undefined;
    return (this.running = this.read());
  }

  private async read(): Promise<VersionSnapshot> {
    try {
      this.reads++;
      const generation = await readGeneration(this.ds);
      if (generation !== this.latest.generation) {
        // Read after the generation: the map is at least as new as it, so an entry is never judged fresh by a
        // map older than the generation it is stamped with. Only the rows bumped since the last read come back.
        const since = this.latest.generation || undefined;
        const moved = await readAllVersions(this.ds, since);
        const versions = since === undefined ? moved : new Map([...this.latest.versions, ...moved]);
        this.latest = { generation, versions };
      }
      return this.latest;
    } finally {
      this.running = undefined;
    }
  }
}

// The database's read versions as this process last saw them, refreshed for every request that asks: a request
// waits for a read that *started after it arrived*, so a change committed by any process before the request
// is always seen (no stale answer), while concurrent requests share one read (one tiny statement per database
// round trip, however many requests are waiting).
//
// When this process serves the embedded database itself, every statement of every process passes through it, and
// its EngineWriteClock says whether anything that may write has run since the last read began: if not, that read
// is still the database's state and is answered at once, with no round trip (a read-mostly load reads the versions
// only after a write).
import { GENERATION_SCOPE, localWriteClock, readAllVersions, type EngineWriteClock } from '@atlas/migrations';
import type { DataSource, QueryRunner } from 'typeorm';

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
  /** A connection of its own, so a read never waits for a pooled one behind the misses' statements. */
  private runner: QueryRunner | undefined;
  /** Database reads made (for the bench: how well requests share them). */
  reads = 0;
  private readonly clock: EngineWriteClock | undefined;
  /** The clock's count of writes when the read that gave `latest` began (undefined: unknown, read again). */
  private latestAtWrites: number | undefined;

  constructor(private readonly ds: DataSource) {
    this.clock = localWriteClock(ds);
  }

  /** The versions as of a read that began after this call, or as of now when nothing could have changed since. */
  current(): Promise<VersionSnapshot> {
    if (this.clock && this.latestAtWrites !== undefined && this.clock.settledWrites === this.latestAtWrites)
      return Promise.resolve(this.latest);
    if (!this.running) return (this.running = this.read());
    // A read is under way, begun before we came: the next one, shared by all who arrive meanwhile, is ours.
    return (this.queued ??= this.running.then(
      () => this.next(),
      () => this.next(),
    ));
  }

  /** Give the connection back (the server is stopping). */
  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.runner?.release();
    this.runner = undefined;
  }

  private next(): Promise<VersionSnapshot> {
    this.queued = undefined;
    return (this.running = this.read());
  }

  private async read(): Promise<VersionSnapshot> {
    try {
      this.reads++;
      const writesBefore = this.clock?.settledWrites;
      if (!this.runner) {
        const runner = this.ds.createQueryRunner();
        await runner.connect();
        this.runner = runner;
      }
      // The generation and whatever was bumped since the last read, in one statement (all rows the first time):
      // the map is at least as new as the generation it is stamped with.
      const since = this.latest.generation || undefined;
      const moved = await readAllVersions(this.runner, since);
      const generation = moved.get(GENERATION_SCOPE) ?? '0';
      if (generation !== this.latest.generation)
        this.latest = {
          generation,
          versions: since === undefined ? moved : new Map([...this.latest.versions, ...moved]),
        };
      this.latestAtWrites = writesBefore;
      return this.latest;
    } catch (err) {
      this.latestAtWrites = undefined;
      // A broken connection is dropped; the next read opens another.
      const runner = this.runner;
      this.runner = undefined;
      await runner?.release().catch(() => undefined);
      throw err;
    } finally {
      this.running = undefined;
    }
  }
}

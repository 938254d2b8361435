// The second level of the read path cache: answers rendered ahead of time (`npm run prerender -w api`) and kept in
// the database (migration StoredAnswers), so a page the process's memory does not hold — the long tail of a
// popularity curve, or any page after a restart — costs one primary-key read and a byte copy instead of a GraphQL
// execution. Each answer carries the stamp it was rendered under and is served only while that stamp is current,
// exactly as the in-memory answers are (isCurrent). Only a process started to store answers (the prerender) writes
// them: a serving api never does, so no client can grow the table.
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { preparedQuery } from '../services/preparedQuery.js';
import { isCurrent, type CachedAnswer, type Stamp } from './responseCache.js';
import type { VersionSnapshot } from './readVersionWatch.js';

/** Read the stored answers; also store every answer rendered (the prerender's api); or neither. */
export type StoredAnswersUse = 'read' | 'store' | 'off';

/** Answers written per statement. */
const STORE_BATCH = 200;

export interface StoredAnswerStats {
  /** Current answers found. */
  hits: number;
  /** Lookups that found none. */
  misses: number;
  /** Found, but rendered under versions the database no longer holds. */
  stale: number;
  /** Answers written by this process. */
  written: number;
}

/** A stamp as JSON wrote it: a scope never bumped (undefined) comes back as null. */
function parseStamp(text: string): Stamp {
  const stamp = JSON.parse(text) as Stamp;
  if (stamp.kind === 'scopes')
    for (const entry of stamp.versions) if ((entry[1] as string | null) === null) entry[1] = undefined;
  return stamp;
}

export class StoredAnswers {
  private readonly pending: { key: string; answer: CachedAnswer }[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly counts: StoredAnswerStats = { hits: 0, misses: 0, stale: 0, written: 0 };

  /**
   * `build`: what else an answer's bytes depend on besides its request and versions (the schema, the api's
   * version), so an upgraded api never serves an older one's answers.
   */
  constructor(
    private readonly ds: DataSource,
    readonly build: string,
    readonly writes: boolean,
  ) {}

  /** The row key of a request: the same in every process of the same build. */
  keyOf(etagBase: string): string {
    return createHash('sha256').update(this.build).update('\u0000').update(etagBase).digest('base64url');
  }

  /** The stored answer if its stamp is still the database's. */
  async lookup(key: string, now: VersionSnapshot): Promise<CachedAnswer | undefined> {
    const [row] = await preparedQuery<{ stamp: string; etag: string; content_type: string; body: string }>(
      this.ds,
      'stored_answer',
      `SELECT stamp, etag, content_type, body FROM stored_answers WHERE key = $1`,
      [key],
    );
    if (!row) {
      this.counts.misses++;
      return undefined;
    }
    const stamp = parseStamp(row.stamp);
    if (!isCurrent(stamp, now)) {
      this.counts.stale++;
      return undefined;
    }
    this.counts.hits++;
    return { body: Buffer.from(row.body), contentType: row.content_type, etag: row.etag, stamp };
  }

  /** Queue an answer to be written (a process that stores answers only); `flush` waits for them. */
  save(key: string, answer: CachedAnswer): void {
    if (!this.writes) return;
    this.pending.push({ key, answer });
    if (this.pending.length >= STORE_BATCH) void this.flush().catch(() => undefined);
  }

  /** Write every queued answer (one statement per batch; a newer answer replaces an older one of the same key). */
  flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (!batch.length) return this.writing;
    this.writing = this.writing.then(async () => {
      await this.ds.query(
        `INSERT INTO stored_answers (build, key, stamp, etag, content_type, body)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (key) DO UPDATE SET stamp = EXCLUDED.stamp, etag = EXCLUDED.etag,
           content_type = EXCLUDED.content_type, body = EXCLUDED.body, stored_at = now()`,
        [
          this.build,
          batch.map((b) => b.key),
          batch.map((b) => JSON.stringify(b.answer.stamp)),
          batch.map((b) => b.answer.etag),
          batch.map((b) => b.answer.contentType),
          batch.map((b) => b.answer.body.toString('utf8')),
        ],
      );
      this.counts.written += batch.length;
    });
    return this.writing;
  }

  /** Delete the answers an api of another build stored (no key of this build can name them); returns how many. */
  async dropOtherBuilds(): Promise<number> {
    const [, count] = (await this.ds.query(`DELETE FROM stored_answers WHERE build <> $1`, [this.build])) as [
      unknown,
      number,
    ];
    return count;
  }

  stats(): StoredAnswerStats {
    return { ...this.counts };
  }
}

// Answers of read operations, bounded by bytes, least recently used forgotten first. An entry is stamped with the
// versions of what it read; it is served only while those are still the database's (see ReadVersionWatch), so a
// change anywhere, by any process, makes the next request miss.
import { LruCache } from '../services/lruCache.js';
import type { VersionSnapshot } from './readVersionWatch.js';

/** What an answer depended on: some scopes at given versions, or the whole generation. */
export type Stamp =
  | { kind: 'scopes'; versions: [scope: string, version: string | undefined][] }
  | {
      kind: 'generation';
      generation: string;
    };

export interface CachedAnswer {
  body: Buffer;
  contentType: string;
  etag: string;
  stamp: Stamp;
}

/** Still what the database holds? */
export function isCurrent(stamp: Stamp, now: VersionSnapshot): boolean {
  if (stamp.kind === 'generation') return stamp.generation === now.generation;
  for (const [scope, version] of stamp.versions) if (now.versions.get(scope) !== version) return false;
  return true;
}

export interface ResponseCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  /** Entries found but stamped with versions the database no longer holds. */
  stale: number;
}

/** Per entry, beyond its key and body: the Map slot, the stamp, the etag (a rough, fixed charge). */
const ENTRY_OVERHEAD = 256;

function answerBytes(answer: CachedAnswer, key: string): number {
  return key.length * 2 + answer.body.length + ENTRY_OVERHEAD;
}

export class ResponseCache {
  private readonly entries: LruCache<string, CachedAnswer>;
  private hits = 0;
  private misses = 0;
  private stale = 0;

  constructor(readonly maxBytes: number) {
    this.entries = new LruCache(Math.max(1, maxBytes), { weigh: answerBytes });
  }

  /** The answer if it is current (marked most recently used); a stale one is dropped. */
  get(key: string, now: VersionSnapshot): CachedAnswer | undefined {
    const answer = this.entries.get(key);
    if (answer && !isCurrent(answer.stamp, now)) {
      this.entries.delete(key);
      this.stale++;
    } else if (answer) {
      this.hits++;
      return answer;
    }
    this.misses++;
    return undefined;
  }

  set(key: string, answer: CachedAnswer): void {
    // One answer may not push out an eighth of the cache.
    if (answerBytes(answer, key) > this.maxBytes / 8) return;
    this.entries.set(key, answer);
  }

  stats(): ResponseCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.entries.weight,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      stale: this.stale,
    };
  }
}

// A bounded map that forgets the least recently used entry first; `onEvict` frees what an entry holds. The bound is
// on the entries' total weight: one per entry by default, bytes when a `weigh` is given (the response cache, the
// features' parts cache).
//
// Over isaacs' lru-cache (a linked list in typed arrays): O(1) touches and evictions. The Map-reinsertion LRU this
// replaced left a deleted slot per touch, and each eviction walked past them all to the oldest entry: 8% of the
// api's CPU under the read path bench, evicting from the parts cache (docs/performance.md).
import { LRUCache } from 'lru-cache';

export interface LruCacheOptions<K, V> {
  /** Called with each entry evicted to stay within capacity, or cleared. */
  onEvict?: (value: V, key: K) => void;
  /** An entry's weight against the capacity (default 1: the capacity counts entries). */
  weigh?: (value: V, key: K) => number;
}

export class LruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;
  private readonly weigh: ((value: V, key: K) => number) | undefined;
  private readonly onEvict: ((value: V, key: K) => void) | undefined;

  constructor(
    readonly capacity: number,
    { onEvict, weigh }: LruCacheOptions<K, V> = {},
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruCache capacity must be an integer >= 1 (got ${capacity})`);
    this.weigh = weigh;
    this.onEvict = onEvict;
    const dispose =
      onEvict &&
      ((value: V, key: K, reason: LRUCache.DisposeReason) => {
        if (reason === 'evict') onEvict(value, key);
      });
    this.entries = weigh
      ? new LRUCache<K, V>({ maxSize: capacity, sizeCalculation: (v, k) => Math.max(1, weigh(v, k)), dispose })
      : new LRUCache<K, V>({ max: capacity, dispose });
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** The entries' total weight (their bytes, for a cache weighed in bytes). */
  get weight(): number {
    return this.weigh ? this.entries.calculatedSize : this.entries.size;
  }

  /** The value, marked most recently used; undefined if absent. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Holds value under key as the most recently used (replacing any earlier value, which is not evicted through
   *  onEvict), then evicts the oldest entries past capacity. False, and nothing held, when the value alone weighs
   *  more than the capacity. */
  set(key: K, value: V): boolean {
    if (this.weigh && this.weigh(value, key) > this.capacity) {
      this.entries.delete(key);
      return false;
    }
    this.entries.set(key, value);
    return true;
  }

  /** The value for key, made by `create` when absent (evicting the oldest entries past capacity). */
  getOrCreate(key: K, create: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = create();
    this.set(key, value);
    return value;
  }

  /** Evict the least recently used entry (through onEvict). */
  evictOldest(): void {
    const oldest = this.entries.rkeys().next();
    if (oldest.done) return;
    const value = this.entries.peek(oldest.value);
    this.entries.delete(oldest.value);
    if (value !== undefined) this.onEvict?.(value, oldest.value);
  }

  /** Forget key's entry, without onEvict (the caller knows it holds nothing to free: a failed load, a stale answer). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Evict everything (each entry through onEvict). */
  clear(): void {
    const all = [...this.entries.entries()];
    this.entries.clear();
    for (const [key, value] of all) this.onEvict?.(value, key);
  }
}

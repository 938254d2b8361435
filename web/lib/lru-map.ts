// A map bounded by total weight (by default each entry weighs 1, so by entry count) that forgets the least recently
// used entries first. Over isaacs' lru-cache (O(1) touches and evictions), as the api's LruCache is; the web's own
// wrapper because it speaks to the api only over HTTP and shares no code with it.
import { LRUCache } from 'lru-cache';

export class LruMap<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;

  /**
   * @param capacity the most total weight held (entries, with the default weight)
   * @param weigh an entry's weight, e.g. its bytes; an entry heavier than `capacity` is not kept
   */
  constructor(
    readonly capacity: number,
    private readonly weigh?: (value: V) => number,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruMap capacity must be an integer >= 1 (got ${capacity})`);
    this.entries = weigh
      ? new LRUCache<K, V>({ maxSize: capacity, sizeCalculation: (v) => Math.max(1, weigh(v)) })
      : new LRUCache<K, V>({ max: capacity });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Total weight of the entries held (their count, with the default weight). */
  get weight(): number {
    return this.weigh ? this.entries.calculatedSize : this.entries.size;
  }

  /** The value, marked most recently used; undefined if absent. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Store (as most recently used), forgetting the least recently used entries past capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    const weight = this.weigh ? this.weigh(value) : 1;
    if (!(weight >= 0 && weight <= this.capacity)) return;
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

// A bounded map that forgets the least recently used entry first; `onEvict` frees what an entry holds. The bound is
// on the entries' total weight: one per entry by default, bytes when a `weigh` is given (the response cache, the
// features' parts cache).

export interface LruCacheOptions<K, V> {
  /** Called with each entry evicted to stay within capacity, or cleared. */
  onEvict?: (value: V, key: K) => void;
  /** An entry's weight against the capacity (default 1: the capacity counts entries). */
  weigh?: (value: V, key: K) => number;
}

export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;
  private readonly onEvict: (value: V, key: K) => void;
  private readonly weigh: (value: V, key: K) => number;

  constructor(
    readonly capacity: number,
    { onEvict, weigh }: LruCacheOptions<K, V> = {},
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruCache capacity must be an integer >= 1 (got ${capacity})`);
    this.onEvict = onEvict ?? (() => {});
    this.weigh = weigh ?? (() => 1);
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** The entries' total weight (their bytes, for a cache weighed in bytes). */
  get weight(): number {
    return this.total;
  }

  /** The value, marked most recently used; undefined if absent. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Holds value under key as the most recently used (replacing any earlier value, which is not evicted through
   *  onEvict), then evicts the oldest entries past capacity. False, and nothing held, when the value alone weighs
   *  more than the capacity. */
  set(key: K, value: V): boolean {
    const weight = this.weigh(value, key);
    if (weight > this.capacity) return false;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.total -= old.weight;
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
    while (this.total > this.capacity) this.evictOldest();
    return true;
  }

  /** The value for key, made by `create` when absent (evicting the oldest entries past capacity). */
  getOrCreate(key: K, create: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = create();
    this.set(key, value);
    return value;
  }

  /** Evict the least recently used entry (through onEvict). */
  evictOldest(): void {
    const oldest = this.entries.entries().next();
    if (oldest.done) return;
    const [key, entry] = oldest.value;
    this.remove(key, entry);
  }

  /** Forget key's entry, without onEvict (the caller knows it holds nothing to free: a failed load, a stale answer). */
  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  /** Evict everything (each entry through onEvict). */
  clear(): void {
    for (const [key, entry] of [...this.entries]) this.remove(key, entry);
  }

  private remove(key: K, entry: { value: V; weight: number }): void {
    this.entries.delete(key);
    this.total -= entry.weight;
    this.onEvict(entry.value, key);
  }
}

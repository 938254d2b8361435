// A map bounded by total weight (by default each entry weighs 1, so by entry count) that forgets the least recently
// used entries first. The web's own: it speaks to the api only over HTTP, so it cannot share the api's LruCache
// (api/src/services/lruCache.ts).

export class LruMap<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;

  /**
   * @param capacity the most total weight held (entries, with the default weight)
   * @param weigh an entry's weight, e.g. its bytes; an entry heavier than `capacity` is not kept
   */
  constructor(
    readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruMap capacity must be an integer >= 1 (got ${capacity})`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Total weight of the entries held (their count, with the default weight). */
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

  /** Store (as most recently used), forgetting the least recently used entries past capacity. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (!(weight >= 0 && weight <= this.capacity)) return;
    this.entries.set(key, { value, weight });
    this.total += weight;
    while (this.total > this.capacity) this.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }
}

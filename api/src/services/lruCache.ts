// A bounded map that forgets the least recently used entry first; `onEvict` frees what an entry holds.

export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly capacity: number,
    private readonly onEvict: (value: V, key: K) => void = () => {},
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruCache capacity must be an integer >= 1 (got ${capacity})`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marked most recently used; undefined if absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** The value for key, made by `create` when absent (evicting the oldest entry past capacity). */
  getOrCreate(key: K, create: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = create();
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const [oldKey, oldValue] = this.entries.entries().next().value as [K, V];
      this.entries.delete(oldKey);
      this.onEvict(oldValue, oldKey);
    }
    return value;
  }

  /** Evict the least recently used entry (through onEvict). */
  evictOldest(): void {
    const oldest = this.entries.entries().next();
    if (oldest.done) return;
    const [key, value] = oldest.value;
    this.entries.delete(key);
    this.onEvict(value, key);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Evict everything (each entry through onEvict). */
  clear(): void {
    for (const [key, value] of this.entries) this.onEvict(value, key);
    this.entries.clear();
  }
}

// A map bounded by entry count that forgets the least recently used entry first. The web's own: it speaks to the api
// only over HTTP, so it cannot share the api's LruCache (api/src/services/lruCache.ts).

export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruMap capacity must be an integer >= 1 (got ${capacity})`);
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

  /** Store (as most recently used), forgetting the least recently used entry past capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

// What changes only with its dictionary's read version — a dictionary's row; a feature's row with its histogram,
// logits and neighbours, its top and quantile examples, its links — kept across requests under that version: an
// answer the response cache does not hold (another operation over the same feature, a page whose explanation just
// changed, any page of a dictionary already read) is built without reading them again. A re-analysis raises the
// version, so its old parts are never found again and age out.
import { LruCache } from '../services/lruCache.js';

/** Rough bytes of a loaded value: strings at two bytes a character, numbers at eight, a fixed charge per object. */
export function roughBytes(value: unknown): number {
  if (typeof value === 'string') return 16 + value.length * 2;
  if (typeof value !== 'object' || value === null) return 8;
  let bytes = 32;
  if (Array.isArray(value)) for (const v of value) bytes += roughBytes(v);
  else for (const v of Object.values(value)) bytes += 8 + roughBytes(v);
  return bytes;
}

export class ImmutablePartsCache {
  private readonly parts: LruCache<string, { value: unknown; bytes: number }>;

  constructor(readonly maxBytes: number) {
    this.parts = new LruCache(Math.max(1, maxBytes), { weigh: (entry) => entry.bytes });
  }

  private static key(kind: string, id: string, version: string | undefined): string {
    return `${kind}:${id}:${version ?? ''}`;
  }

  get<T>(kind: string, id: string, version: string | undefined): T | undefined {
    return this.parts.get(ImmutablePartsCache.key(kind, id, version))?.value as T | undefined;
  }

  set(kind: string, id: string, version: string | undefined, value: unknown): void {
    const bytes = roughBytes(value);
    if (bytes > this.maxBytes / 64) return; // one feature's parts may not push out a 64th of the cache
    this.parts.getOrCreate(ImmutablePartsCache.key(kind, id, version), () => ({ value, bytes }));
  }

  get heldBytes(): number {
    return this.parts.weight;
  }
}

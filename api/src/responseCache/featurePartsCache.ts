// The immutable parts of features (the row with its histogram, logits and neighbours; top and quantile examples;
// links), kept across requests under their dictionary's read version: an answer the response cache no longer holds
// (another operation over the same feature, or a page whose explanation just changed) is rebuilt without reading
// them again. A re-analysis raises the version, so its old parts are never found again and age out.
import type { FeatureKey } from '../services/features/featureRow.js';
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

export class FeaturePartsCache {
  private readonly parts: LruCache<string, { value: unknown; bytes: number }>;
  private bytes = 0;

  constructor(readonly maxBytes: number) {
    // Entries are counted in bytes below; the LRU's own bound is only a backstop.
    this.parts = new LruCache(1_000_000, (entry) => (this.bytes -= entry.bytes));
  }

  private static key(kind: string, k: FeatureKey, version: string | undefined): string {
    return `${kind}:${k.dictionaryId}:${k.index}:${version ?? ''}`;
  }

  get<T>(kind: string, k: FeatureKey, version: string | undefined): T | undefined {
    return this.parts.get(FeaturePartsCache.key(kind, k, version))?.value as T | undefined;
  }

  set(kind: string, k: FeatureKey, version: string | undefined, value: unknown): void {
    const bytes = roughBytes(value);
    if (bytes > this.maxBytes / 64) return;
    const key = FeaturePartsCache.key(kind, k, version);
    if (this.parts.get(key)) return;
    this.parts.getOrCreate(key, () => ({ value, bytes }));
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.parts.size > 0) this.parts.evictOldest();
  }

  get heldBytes(): number {
    return this.bytes;
  }
}

import type { BulkLoader } from './bulkLoader.js';
import { CopyLoader } from './copyLoader.js';
import { UnnestLoader } from './unnestLoader.js';

export * from './bulkLoader.js';
export { CopyLoader } from './copyLoader.js';
export { UnnestLoader } from './unnestLoader.js';

/** COPY on a native PostgreSQL; batched unnest INSERTs on the embedded one (COPY FROM STDIN hangs there). */
export function bulkLoaderFor(embedded: boolean): BulkLoader {
  return embedded ? new UnnestLoader() : new CopyLoader();
}

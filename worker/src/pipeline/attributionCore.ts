// The attribution core the `graph` job and `worker graph` use (tests of storage and progress inject a fixed one).
import { buildAttributionGraph } from '../circuits/buildAttributionGraph.js';
import { loadTranscoderSet } from '../circuits/transcoderSet.js';
import type { AttributionCore } from './graphIntoAtlas.js';

export const attributionCore: AttributionCore = {
  loadTranscoderSet: (folders) => loadTranscoderSet(folders),
  buildAttributionGraph,
};

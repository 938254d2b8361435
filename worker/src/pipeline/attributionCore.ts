// The attribution core the `graph` job and `worker graph` use by default. buildAttributionGraph and
// loadTranscoderSet are written on their own branches (issue 18); until they are merged this answers with one
// clear error, and the merge replaces the two bodies with calls to them.
import { AtlasError } from '../errors.js';
import type { AttributionCore } from './graphIntoAtlas.js';

const notYet = (what: string) =>
  new AtlasError(
    'BACKEND_UNAVAILABLE',
    `${what} is not in this build yet (issue 18); build a graph with a build that has it`,
  );

export const attributionCore: AttributionCore = {
  loadTranscoderSet() {
    throw notYet('loadTranscoderSet (worker/src/circuits/transcoderSet.ts)');
  },
  buildAttributionGraph() {
    return Promise.reject(notYet('buildAttributionGraph (worker/src/circuits/buildAttributionGraph.ts)'));
  },
};

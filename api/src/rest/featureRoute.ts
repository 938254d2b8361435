// GET /api/feature/{modelId}/{layer}/{index}: one feature with its explanations and activation examples, as
// Neuronpedia's route of that path answers it.
import { featureIndexField } from './requestFields.js';
import { listSources, requireIndexIn, requireSource } from './neuronpediaSource.js';
import { neuronOf, requireFeatureRow } from './neuronpediaFeature.js';
import type { RestRoute } from './restRoute.js';

export const featureRoute: RestRoute = {
  method: 'GET',
  path: '/api/feature/{modelId}/{layer}/{index}',
  pattern: /^\/api\/feature\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
  async handle({ ctx, params: [modelId, layer, indexText] }) {
    const index = featureIndexField(indexText, "index (the path's last part)");
    const source = requireSource(await listSources(ctx), modelId, layer, {
      modelId: "modelId (the path's first part)",
      layer: "layer (the path's second part)",
    });
    requireIndexIn(source, index, 'index');
    return neuronOf(ctx, source, await requireFeatureRow(ctx, source, index), true);
  },
};

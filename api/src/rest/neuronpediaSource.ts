// Neuronpedia names a feature by (modelId, layer, index), where "layer" is the source (SAE) id. The facade maps:
// modelId = the name of the dictionary's model (its row in `models`), else the modelId a Neuronpedia import came
// with, else UNLINKED_MODEL_ID; layer (source id) = the dictionary's name, or its numeric id when the name is taken by several
// dictionaries of one model; index = the feature's index. Dictionaries are read through the same service and loader
// as GraphQL's `dictionaries`.
import type { Dictionary } from '@atlas/migrations';
import type { Context } from '../context.js';
import { listDictionaries } from '../services/dictionaryService.js';
import { RestError } from './restError.js';

/** The modelId of dictionaries whose model has no row in `models` (trained or imported without one). */
export const UNLINKED_MODEL_ID = 'atlas';

/** A dictionary under its Neuronpedia names. */
export interface NeuronpediaSource {
  dictionary: Dictionary;
  modelId: string;
  /** The source id: the dictionary's name (its id when the name is ambiguous within the model). */
  layer: string;
}

/** The modelId a source imported from a Neuronpedia export had there (`import-neuronpedia` keeps it), so the
 *  facade answers it at the same address as Neuronpedia does. */
function importedModelId(d: Dictionary): string | undefined {
  const np = (d.hyperparameters as { neuronpedia?: { modelId?: unknown } } | null)?.neuronpedia;
  return typeof np?.modelId === 'string' && np.modelId !== '' ? np.modelId : undefined;
}

/** Every dictionary of the atlas under its Neuronpedia names, in id order. */
export async function listSources(ctx: Context): Promise<NeuronpediaSource[]> {
  const dictionaries = await listDictionaries(ctx.dataSource);
  const modelIds = dictionaries.map((d) => d.modelId);
  const names = await ctx.loaders.modelName.loadMany(modelIds.filter((id): id is number => id !== null));
  const nameOf = new Map<number, string>();
  modelIds
    .filter((id): id is number => id !== null)
    .forEach((id, i) => {
      const name = names[i];
      if (typeof name === 'string') nameOf.set(id, name);
    });
  const modelOf = (d: Dictionary) =>
    (d.modelId !== null && nameOf.get(d.modelId)) || importedModelId(d) || UNLINKED_MODEL_ID;
  const count = new Map<string, number>();
  for (const d of dictionaries)
    count.set(`${modelOf(d)}\u0000${d.name}`, (count.get(`${modelOf(d)}\u0000${d.name}`) ?? 0) + 1);
  return dictionaries.map((d) => {
    const modelId = modelOf(d);
    const unique = count.get(`${modelId}\u0000${d.name}`) === 1;
    return { dictionary: d, modelId, layer: unique ? d.name : String(d.id) };
  });
}

/** The sources of `modelId`, or 404 naming the models there are. */
export function sourcesOfModel(sources: NeuronpediaSource[], modelId: string, field: string): NeuronpediaSource[] {
  const found = sources.filter((s) => s.modelId === modelId);
  if (found.length === 0)
    throw new RestError(
      404,
      `${field}: no model "${modelId}" in this atlas; its models are ${listed([...new Set(sources.map((s) => s.modelId))])}.`,
    );
  return found;
}

/** The source (modelId, layer), or 404 naming what was not found and what there is. */
export function requireSource(
  sources: NeuronpediaSource[],
  modelId: string,
  layer: string,
  fields: { modelId: string; layer: string },
): NeuronpediaSource {
  const ofModel = sourcesOfModel(sources, modelId, fields.modelId);
  // The id also works for a uniquely named dictionary, so a link made with either keeps working.
  const found = ofModel.find((s) => s.layer === layer) ?? ofModel.find((s) => String(s.dictionary.id) === layer);
  if (!found)
    throw new RestError(
      404,
      `${fields.layer}: no source "${layer}" in model "${modelId}"; its sources (dictionary names) are ${listed(ofModel.map((s) => s.layer))}.`,
    );
  return found;
}

/** The feature index within the source's dictionary, or 404 giving the range. */
export function requireIndexIn(source: NeuronpediaSource, index: number, field: string): void {
  const n = source.dictionary.nLatents;
  if (index >= n)
    throw new RestError(
      404,
      `${field}: no feature ${index} in source "${source.layer}" of model "${source.modelId}"; it has ${n} features (0 to ${n - 1}).`,
    );
}

function listed(items: string[]): string {
  if (items.length === 0) return 'none';
  const quoted = items.slice(0, 12).map((s) => `"${s}"`);
  return items.length > 12 ? `${quoted.join(', ')} and ${items.length - 12} more` : quoted.join(', ');
}

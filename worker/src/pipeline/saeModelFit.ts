// Whether a dictionary from another tool fits the model it is to be analysed with: its hook must be one of the
// model's, as wide as its d_in, and its cfg.json model_name must be able to name the model. Names are compared
// loosely because they come from different worlds (SAELens writes TransformerLens names such as `gpt2-small` or
// `pythia-70m-deduped`, the model arrives as a Hugging Face folder): the same name after dropping the organisation
// and case fits; a name of another family (a Pythia SAE on a Llama folder) is refused; anything else is a note.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AtlasError } from '../errors.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import type { ModelFamily } from '../transformer/config.js';
import type { LoadedModel } from '../transformer/modelFolder.js';

/** TransformerLens names whose Hugging Face name differs (lower case). */
const TRANSFORMER_LENS_ALIASES: Record<string, string> = { 'gpt2-small': 'gpt2' };

/** The family a model name implies, by the names the public releases use; undefined when it says nothing. */
export function familyOfModelName(name: string): ModelFamily | undefined {
  const n = name.toLowerCase();
  if (/gemma/.test(n)) return 'gemma2';
  if (/pythia|gpt-?neox/.test(n)) return 'neox';
  if (/llama|mistral|qwen|smollm/.test(n)) return 'llama';
  if (/gpt2|gpt-2/.test(n)) return 'gpt2';
  return undefined;
}

const normalized = (name: string) => {
  const n = name.toLowerCase().split('/').pop()!;
  return TRANSFORMER_LENS_ALIASES[n] ?? n;
};

/** The names a model folder goes by: its folder, config.json's _name_or_path, a hub cache's `models--org--name`. */
function folderNames(model: Pick<LoadedModel, 'name' | 'dir'>): string[] {
  const names = [model.name, basename(model.dir)];
  const hub = /models--([^/]+)--([^/]+)/.exec(model.dir);
  if (hub) names.push(hub[2]);
  const configPath = join(model.dir, 'config.json');
  if (existsSync(configPath)) {
    const path = (JSON.parse(readFileSync(configPath, 'utf8')) as { _name_or_path?: unknown })._name_or_path;
    if (typeof path === 'string' && path !== '') names.push(path);
  }
  return names;
}

/**
 * Check a dictionary against the model (one AtlasError naming cfg.json's field and the model otherwise); returns
 * notes for the log where the names differ but nothing says they cannot match.
 */
export function checkSaeFitsModel(
  folder: string,
  sae: { dIn: number; modelName: string | null },
  hook: string,
  model: LoadedModel,
): string[] {
  let width: number;
  try {
    width = InferenceModel.of(model).hook(hook).width;
  } catch (err) {
    if (!(err instanceof AtlasError)) throw err;
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `${folder}/cfg.json: hook_name ${hook} is not a hook of ${model.name} (${err.message}); analyse it with the model it was trained on`,
      { cause: err },
    );
  }
  if (width !== sae.dIn)
    throw new AtlasError(
      'SOURCE_SHAPE_MISMATCH',
      `${folder}: d_in is ${sae.dIn} but ${hook} of ${model.name} is ${width} wide; the dictionary belongs to another model`,
    );
  const trainedOn = sae.modelName;
  if (!trainedOn || trainedOn === model.name) return [];
  // Names the atlas gives (builtin:…) are exact: a dictionary of one built-in model never fits another.
  if (trainedOn.startsWith('builtin:') || model.name.startsWith('builtin:'))
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `${folder} was trained on activations of ${trainedOn}, not ${model.name}; pass --model ${trainedOn}`,
    );
  const names = folderNames(model);
  if (names.some((n) => normalized(n) === normalized(trainedOn))) return [];
  const family = familyOfModelName(trainedOn);
  if (family !== undefined && family !== model.config.family)
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `${folder}/cfg.json: model_name ${trainedOn} is a ${family} model but ${model.name} is a ${model.config.family} model; pass --model with the folder of ${trainedOn}`,
    );
  return [
    `note: ${folder}/cfg.json names model ${trainedOn} and the model folder is ${basename(model.dir)}; the hook and widths fit, so the analysis goes on`,
  ];
}

// Steering, the entry the CLI and the api call: a prompt, dictionaries and interventions on their features, and
// sampling options in; the default and the steered continuations out, both from the same seed. Every input is
// checked here, once; a refusal (InferenceRefused, ARGUMENT_INVALID) names the field and the accepted range.
import type { Backend } from '../engine/backend.js';
import { AtlasError } from '../errors.js';
import { InferenceRefused } from '../inference/errors.js';
import type { InferenceModel } from '../inference/inferenceModel.js';
import { generate, type GeneratedToken, type Generation, type SamplingOptions } from './generate.js';
import { rawValue, type Intervention, type ResolvedIntervention, type SteerDictionary } from './intervention.js';

export type { ChangedToken, GeneratedToken, Generation, SamplingOptions } from './generate.js';
export type { Intervention, InterventionKind, StrengthUnit } from './intervention.js';

/** Bounds on a request; the api may pass tighter ones. */
export interface SteerLimits {
  /** New tokens per continuation (issue #16: 256). */
  maxNewTokens: number;
  interventions: number;
  /** Largest |strength| in either unit; beyond it the residual stream is noise, not steering. */
  strength: number;
  /** Longest prompt in tokens. */
  promptTokens: number;
}

export const DEFAULT_STEER_LIMITS: SteerLimits = {
  maxNewTokens: 256,
  interventions: 16,
  strength: 1000,
  promptTokens: 4096,
};

/** A dictionary of the request; `model` (the atlas's model name), when given, must agree across dictionaries. */
export interface SteerRequestDictionary extends SteerDictionary {
  model?: string;
}

export interface SteerRequest {
  prompt: string;
  dictionaries: readonly SteerRequestDictionary[];
  interventions: readonly Intervention[];
  sampling: SamplingOptions;
  /** Changed tokens reported per steered position (default 5). */
  topChanged?: number;
}

export interface SteerResult {
  modelName: string;
  promptTokens: number;
  default: Generation;
  steered: Generation;
  elapsedMs: number;
}

/** Check `request` against `model` and `limits`: the interventions resolved, or InferenceRefused naming the field. */
export function resolveRequest(
  model: InferenceModel,
  request: SteerRequest,
  promptTokens: number,
  limits: SteerLimits = DEFAULT_STEER_LIMITS,
): ResolvedIntervention[] {
  const s = request.sampling;
  const refuse = (field: string, message: string) => new InferenceRefused(`${field}: ${message}`);
  if (!Number.isInteger(s.maxNewTokens) || s.maxNewTokens < 1 || s.maxNewTokens > limits.maxNewTokens)
    throw refuse('maxNewTokens', `must be an integer from 1 to ${limits.maxNewTokens} (got ${s.maxNewTokens})`);
  if (!Number.isFinite(s.temperature) || s.temperature < 0 || s.temperature > 100)
    throw refuse('temperature', `must be a number from 0 (greedy) to 100 (got ${s.temperature})`);
  if (!Number.isFinite(s.topP) || s.topP <= 0 || s.topP > 1)
    throw refuse('topP', `must be a number in (0, 1] (got ${s.topP})`);
  if (!Number.isFinite(s.frequencyPenalty) || s.frequencyPenalty < 0 || s.frequencyPenalty > 100)
    throw refuse('frequencyPenalty', `must be a number from 0 to 100 (got ${s.frequencyPenalty})`);
  if (!Number.isSafeInteger(s.seed) || s.seed < 0)
    throw refuse('seed', `must be a non-negative safe integer (got ${s.seed})`);
  if (promptTokens === 0) throw refuse('prompt', 'has no tokens; send the text to continue');
  if (promptTokens > limits.promptTokens)
    throw refuse('prompt', `is ${promptTokens} tokens; at most ${limits.promptTokens}`);
  if (request.interventions.length === 0) throw refuse('interventions', 'none given; steer at least one feature');
  if (request.interventions.length > limits.interventions)
    throw refuse('interventions', `${request.interventions.length} given; at most ${limits.interventions}`);

  const hookWidth = (hook: string, field: string): number => {
    try {
      return model.hook(hook).width;
    } catch (err) {
      throw err instanceof AtlasError ? refuse(field, `${hook} is not a hook of ${model.name}: ${err.message}`) : err;
    }
  };
  const byId = new Map<number, SteerRequestDictionary>();
  const models = new Set<string>();
  for (const [k, d] of request.dictionaries.entries()) {
    if (byId.has(d.id)) throw refuse(`dictionaries[${k}].id`, `${d.id} appears twice`);
    byId.set(d.id, d);
    if (d.model !== undefined) models.add(d.model);
    if (models.size > 1)
      throw refuse(
        `dictionaries[${k}].model`,
        `dictionary ${d.id} belongs to ${d.model} but another to ${[...models][0]}; steer dictionaries of one model`,
      );
    const width = hookWidth(d.hook, `dictionaries[${k}].hook`);
    if (d.dictionary.sae.dIn !== width)
      throw refuse(
        `dictionaries[${k}]`,
        `dictionary ${d.id} reads ${d.dictionary.sae.dIn}-wide activations but ${d.hook} of ${model.name} is ${width} wide; its weights belong to another model`,
      );
    // A transcoder's feature is read at its input hook (d.hook) and written, as its decoder row, at its output hook.
    const { transcoder } = d.dictionary.sae;
    if (transcoder) {
      const field = `dictionaries[${k}].hookNameOut`;
      if (!transcoder.hookNameOut)
        throw refuse(
          field,
          `transcoder ${d.id} names no output hook (cfg.json hook_name_out); steering writes its decoder rows there`,
        );
      const outWidth = hookWidth(transcoder.hookNameOut, field);
      if (transcoder.dOut !== outWidth)
        throw refuse(
          field,
          `transcoder ${d.id} writes ${transcoder.dOut}-wide rows but ${transcoder.hookNameOut} of ${model.name} is ${outWidth} wide; its weights belong to another model`,
        );
    }
  }

  const lastPosition = promptTokens + s.maxNewTokens - 1;
  return request.interventions.map((i, k) => {
    const field = `interventions[${k}]`;
    const d = byId.get(i.dictionaryId);
    if (!d)
      throw refuse(
        `${field}.dictionaryId`,
        `${i.dictionaryId} is not one of the request's dictionaries (${[...byId.keys()].join(', ') || 'none'})`,
      );
    const { dSae } = d.dictionary.sae;
    if (!Number.isInteger(i.feature) || i.feature < 0 || i.feature >= dSae)
      throw refuse(`${field}.feature`, `${i.feature} is not a feature of dictionary ${d.id} (0 to ${dSae - 1})`);
    if (i.kind !== 'add' && i.kind !== 'clamp' && i.kind !== 'ablate')
      throw refuse(`${field}.kind`, `'${String(i.kind)}' is not add, clamp or ablate`);
    const unit = i.unit ?? 'max';
    if (unit !== 'max' && unit !== 'raw') throw refuse(`${field}.unit`, `'${String(unit)}' is not max or raw`);
    if (i.kind !== 'ablate') {
      if (!Number.isFinite(i.strength) || Math.abs(i.strength) > limits.strength)
        throw refuse(
          `${field}.strength`,
          `must be a number from -${limits.strength} to ${limits.strength} (got ${i.strength})`,
        );
      if (unit === 'max' && !(Number.isFinite(i.maxActivation) && i.maxActivation! > 0))
        throw refuse(
          `${field}.maxActivation`,
          `must be a positive number when the strength is in units of max activation (got ${i.maxActivation}); pass it or use unit raw`,
        );
    }
    if (i.positions) {
      if (i.positions.length === 0) throw refuse(`${field}.positions`, 'is empty; omit it to steer every position');
      for (const p of i.positions)
        if (!Number.isInteger(p) || p < 0 || p > lastPosition)
          throw refuse(
            `${field}.positions`,
            `${p} is out of range: the prompt's ${promptTokens} tokens and ${s.maxNewTokens} new ones are positions 0 to ${lastPosition}`,
          );
    }
    return {
      dictionary: d.dictionary,
      hook: d.dictionary.sae.transcoder?.hookNameOut ?? d.hook,
      readHook: d.hook,
      feature: i.feature,
      kind: i.kind,
      value: rawValue({ ...i, unit }),
      positions: i.positions ? new Set(i.positions) : null,
    };
  });
}

/**
 * The default and the steered continuation of `request.prompt`, from the same seed, in the windows of the first
 * dictionary's cfg.json (context and BOS; see InferenceDictionary.windowsOn). `onToken` sees each token as it is
 * chosen: the default run's, then the steered run's.
 */
export async function steer(
  model: InferenceModel,
  request: SteerRequest,
  backend: Backend,
  limits: SteerLimits = DEFAULT_STEER_LIMITS,
  signal?: AbortSignal,
  onToken?: (run: 'default' | 'steered', token: GeneratedToken) => void,
): Promise<SteerResult> {
  const promptIds = Array.from(model.tokenizer.encode(request.prompt).ids);
  const interventions = resolveRequest(model, request, promptIds.length, limits);
  const windows = request.dictionaries[0].dictionary.windowsOn(model);
  const t0 = performance.now();
  const common = { sampling: request.sampling, windows, backend, topChanged: request.topChanged, signal };
  const unsteered = await generate(model, promptIds, {
    ...common,
    interventions: [],
    onToken: onToken && ((t) => onToken('default', t)),
  });
  const steered = await generate(model, promptIds, {
    ...common,
    interventions,
    onToken: onToken && ((t) => onToken('steered', t)),
  });
  return {
    modelName: model.name,
    promptTokens: promptIds.length,
    default: unsteered,
    steered,
    elapsedMs: performance.now() - t0,
  };
}

// Live text analysis: a text through the model, window by window as the analysis pass cut the corpus, and the
// dictionaries' encoders on the activations at their hook; per token, the strongest features. Request limits,
// caching and queueing are the caller's (the api's); this checks that model, dictionaries and text fit together.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Backend } from '../engine/backend.js';
import { AtlasError } from '../errors.js';
import { InferenceRefused } from './errors.js';
import type { InferenceDictionary } from './inferenceDictionary.js';
import type { InferenceModel } from './inferenceModel.js';

/** A dictionary of the request, with the id its activations are reported under. */
export interface TextDictionary {
  id: number;
  dictionary: InferenceDictionary;
}

export interface TokenActivation {
  dictionaryId: number;
  index: number;
  activation: number;
}

export interface TextActivations {
  modelName: string;
  hookPoint: string;
  tokens: { position: number; text: string; features: TokenActivation[] }[];
  /** Forward passes and encoders, after the checks. */
  elapsedMs: number;
}

export interface AnalyzeTextOptions {
  /** The hook point every dictionary reads. */
  hook: string;
  /** Features kept per token, strongest first. */
  topK: number;
  /** Longest text in tokens (InferenceRefused beyond). */
  maxTokens: number;
  backend: Backend;
  /** Windows per forward pass (default 1: the event loop gets a turn after each window, a stall of one window). */
  windowsPerPass?: number;
  /** Checked between passes. */
  signal?: AbortSignal;
}

/**
 * Analyse `text` with dictionaries that share `o.hook` of `model`, in windows of the first dictionary's context
 * and BOS. InferenceRefused when they do not fit together (hook, widths, windows, text length).
 */
export async function analyzeText(
  model: InferenceModel,
  dictionaries: TextDictionary[],
  text: string,
  o: AnalyzeTextOptions,
): Promise<TextActivations> {
  const first = dictionaries[0];
  let width: number;
  try {
    width = model.hook(o.hook).width;
  } catch (err) {
    throw refused(err, `dictionary ${first.id}'s hook point does not fit ${model.name}`);
  }
  for (const { id, dictionary } of dictionaries)
    if (dictionary.sae.dIn !== width)
      throw new InferenceRefused(
        `dictionary ${id} reads ${dictionary.sae.dIn}-wide activations but ${o.hook} of ${model.name} is ${width} wide; its weights do not belong to this model.`,
      );
  const ids = Array.from(model.tokenizer.encode(text).ids);
  if (ids.length > o.maxTokens)
    throw new InferenceRefused(`text is ${ids.length} tokens; analyzeText takes at most ${o.maxTokens}: split it.`);
  if (ids.length === 0) throw new InferenceRefused('text has no tokens; send the text to analyse.');
  let windows;
  try {
    windows = first.dictionary.windowsOn(model);
  } catch (err) {
    throw refused(err, `dictionary ${first.id} cannot be run on ${model.name}`);
  }

  const t0 = performance.now();
  const perToken: TokenActivation[][] = ids.map(() => []);
  const batches = model.activations({
    documents: [{ doc: 0, tokens: ids }],
    hook: o.hook,
    windows,
    batchSize: o.windowsPerPass ?? 1,
  });
  for await (const batch of batches) {
    const n = batch.tokens.length;
    for (const { id, dictionary } of dictionaries) {
      const codes = await dictionary.encode(o.backend, batch.acts, n);
      for (let r = 0; r < n; r++) {
        const list = perToken[batch.firstRow + r];
        for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++)
          list.push({ dictionaryId: id, index: codes.indices[j], activation: codes.values[j] });
      }
    }
    // The forward pass and kernels block; give queued requests a turn between passes.
    await nextTurn();
    o.signal?.throwIfAborted();
  }
  const elapsedMs = performance.now() - t0;
  return {
    modelName: model.name,
    hookPoint: o.hook,
    tokens: ids.map((id, position) => ({
      position,
      text: model.tokenizer.tokenText(id),
      features: perToken[position]
        .sort((a, b) => b.activation - a.activation || a.dictionaryId - b.dictionaryId || a.index - b.index)
        .slice(0, o.topK),
    })),
    elapsedMs,
  };
}

/** The worker's own errors explain themselves: refused with `what` first; anything else is not the input's fault. */
function refused(err: unknown, what: string): unknown {
  return err instanceof AtlasError ? new InferenceRefused(`${what}: ${err.message}`, { cause: err }) : err;
}

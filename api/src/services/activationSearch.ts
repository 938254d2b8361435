// Search by running text (Neuronpedia's search-all): the text through the dictionaries' model, and the features
// ranked by their largest activation over the text's tokens (or over chosen positions). Dictionaries at different
// hooks of one model run as one analysis per hook, through the text analyzer (its caches and its queue).
import type { Dictionary } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { AnalysisRefused, type TextAnalyzer } from './textAnalysisService.js';

/** A feature active on the text: its largest activation and where, and its activation at every token. */
export interface TextSearchFeature {
  dictionaryId: number;
  index: number;
  maxActivation: number;
  /** Token position of the largest activation (the first, on ties). */
  position: number;
  /** One value per token of the text, 0 where the feature is not active. */
  activations: number[];
}

export interface TextSearchResult {
  modelName: string;
  tokens: string[];
  /** Every feature active at a ranked position, largest activation first (ties by dictionary id, then index). */
  features: TextSearchFeature[];
  elapsedMs: number;
}

/** Run `text` through `dictionaries` (existing, with weights: checked by the caller) and rank their features. */
export async function searchByText(
  analyzer: TextAnalyzer,
  ds: DataSource,
  dictionaries: Dictionary[],
  text: string,
  positions: readonly number[] | null,
  signal?: AbortSignal,
): Promise<TextSearchResult> {
  const missing = dictionaries.find((d) => !d.weightsPath);
  if (missing)
    throw new AnalysisRefused(
      `dictionary ${missing.id} has no weights on this server (weights_path is empty), so it cannot be run on new text; it can still be browsed.`,
    );
  const byHook = new Map<string, Dictionary[]>();
  for (const d of dictionaries) byHook.set(d.hookPoint, [...(byHook.get(d.hookPoint) ?? []), d]);
  // One model for all, checked before any forward pass (analyze checks it only within a hook).
  await analyzer.load(ds, dictionaries);
  const found = new Map<string, TextSearchFeature>();
  let tokens: string[] = [];
  let modelName = '';
  let elapsedMs = 0;
  for (const group of byHook.values()) {
    const result = await analyzer.analyze(ds, group, text, Number.POSITIVE_INFINITY, signal);
    tokens = result.tokens.map((t) => t.text);
    modelName = result.modelName;
    elapsedMs += result.elapsedMs;
    if (positions) {
      const bad = positions.find((p) => p >= tokens.length);
      if (bad !== undefined)
        throw new AnalysisRefused(
          `positions: ${bad} is out of range; the text has ${tokens.length} tokens (positions 0 to ${tokens.length - 1}).`,
        );
    }
    for (const t of result.tokens)
      for (const f of t.features) {
        const key = `${f.dictionaryId}:${f.index}`;
        let feature = found.get(key);
        if (!feature) {
          feature = {
            dictionaryId: f.dictionaryId,
            index: f.index,
            maxActivation: -Infinity,
            position: -1,
            activations: new Array<number>(result.tokens.length).fill(0),
          };
          found.set(key, feature);
        }
        feature.activations[t.position] = f.activation;
      }
  }
  const ranked = positions ? [...new Set(positions)] : tokens.map((_, i) => i);
  const features: TextSearchFeature[] = [];
  for (const f of found.values()) {
    for (const p of ranked)
      if (f.activations[p] > f.maxActivation || (f.activations[p] === f.maxActivation && p < f.position)) {
        f.maxActivation = f.activations[p];
        f.position = p;
      }
    if (f.maxActivation > 0) features.push(f);
  }
  features.sort((a, b) => b.maxActivation - a.maxActivation || a.dictionaryId - b.dictionaryId || a.index - b.index);
  return { modelName, tokens, features, elapsedMs };
}

// Live text analysis for the api: the request's limits, the models and dictionaries kept loaded in bounded LRU
// caches, and a queue that runs one analysis at a time. The analysis itself is the worker's inference core
// (`analyzeText`: tokenizer, windows, forward pass, encoders), so the api reports exactly what the analysis pass saw.
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Dictionary } from '@atlas/migrations';
import { AtlasError } from '@atlas/worker/inference/errors';
import type { DataSource } from 'typeorm';
import { LruCache } from './lruCache.js';

type Worker = typeof import('@atlas/worker');
type Backend = import('@atlas/worker').Backend;
type ExternalSae = import('@atlas/worker').ExternalSae;
type InferenceModel = import('@atlas/worker').InferenceModel;
type InferenceDictionary = import('@atlas/worker').InferenceDictionary<ExternalSae>;
type TextAnalysisResult = import('@atlas/worker').TextActivations;
export type { TextAnalysisResult };

/** Longest text analysed, in tokens (a bound on CPU time per request; 32 windows of the tiny LM). */
export const MAX_TEXT_TOKENS = 2048;
/** Longest text in characters, checked before tokenizing (tokens are rarely under 1 character). */
export const MAX_TEXT_CHARS = 32_768;
export const MAX_TOP_K = 50;
export const MAX_ANALYSIS_DICTIONARIES = 8;

/** What TextAnalyzer.load gives: the worker module, the model, the dictionaries (in order) and the backend. */
export interface LoadedForInference {
  worker: Worker;
  model: InferenceModel;
  loaded: InferenceDictionary[];
  backend: Backend;
}

/** A request this service cannot run, with a message written for the client. */
export class AnalysisRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisRefused';
  }
}

export interface TextAnalyzerOptions {
  /** Models kept loaded (each holds its weights as TF.js tensors). */
  maxModels?: number;
  /** Dictionaries kept loaded (each holds W_enc twice: as read and transposed for the kernels). */
  maxDictionaries?: number;
  /** Threads of the encoder kernels. */
  threads?: number;
}

/** One per server: caches, the encoder backend, and a queue that runs one analysis at a time. */
export class TextAnalyzer {
  private worker?: Promise<Worker>;
  private backend?: Promise<Backend>;
  private readonly models: LruCache<string, Promise<InferenceModel>>;
  private readonly dictionaries: LruCache<string, Promise<InferenceDictionary>>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TextAnalyzerOptions = {}) {
    this.models = new LruCache(options.maxModels ?? 2, {
      onEvict: (model) => {
        void model.then(
          (m) => m.dispose(),
          () => {},
        );
      },
    });
    this.dictionaries = new LruCache(options.maxDictionaries ?? 8);
  }

  // The worker (and TF.js with it) loads on the first analysis, not at api start-up.
  private loadWorker(): Promise<Worker> {
    return (this.worker ??= import('@atlas/worker'));
  }

  private loadBackend(): Promise<Backend> {
    return (this.backend ??= this.loadWorker().then((w) =>
      w.loadBackend('auto', { threads: this.options.threads ?? Math.min(4, availableParallelism()) }),
    ));
  }

  /** Analyse `text` with `dictionaries` (checked to exist by the caller); AnalysisRefused for bad input. */
  analyze(
    ds: DataSource,
    dictionaries: Dictionary[],
    text: string,
    topK: number,
    signal?: AbortSignal,
  ): Promise<TextAnalysisResult> {
    if (text.trim().length === 0) throw new AnalysisRefused('text is empty; send the text to analyse.');
    if (text.length > MAX_TEXT_CHARS)
      throw new AnalysisRefused(
        `text has ${text.length} characters; analyzeText takes at most ${MAX_TEXT_CHARS} (and ${MAX_TEXT_TOKENS} tokens): split it.`,
      );
    const hooks = new Set(dictionaries.map((d) => d.hookPoint));
    if (hooks.size > 1)
      throw new AnalysisRefused(
        `dictionaries ${dictionaries.map((d) => `${d.id} (${d.hookPoint})`).join(', ')} read different hook points; analyse one hook point at a time.`,
      );
    const missing = dictionaries.find((d) => !d.weightsPath);
    if (missing)
      throw new AnalysisRefused(
        `dictionary ${missing.id} has no weights on this server (weights_path is empty), so it cannot be run on new text; it can still be browsed.`,
      );
    // One analysis at a time: they share the backend's threads, and queueing keeps each one's latency honest.
    const run = this.queue.then(() => this.run(ds, dictionaries, text, topK, signal));
    this.queue = run.catch(() => {});
    return run;
  }

  private async run(
    ds: DataSource,
    dictionaries: Dictionary[],
    text: string,
    topK: number,
    signal: AbortSignal | undefined,
  ): Promise<TextAnalysisResult> {
    // A request that timed out while queued is not run at all.
    signal?.throwIfAborted();
    const { worker: w, model, loaded, backend } = await this.load(ds, dictionaries);
    return w.analyzeText(
      model,
      dictionaries.map((d, i) => ({ id: d.id, dictionary: loaded[i] })),
      text,
      { hook: dictionaries[0].hookPoint, topK, maxTokens: MAX_TEXT_TOKENS, backend, signal },
    );
  }

  /**
   * `dictionaries` (with weights on this server, checked by the caller) and their one model, from the caches, and
   * the backend; AnalysisRefused when they belong to different models or cannot be loaded. Steering shares it.
   */
  async load(ds: DataSource, dictionaries: Dictionary[]): Promise<LoadedForInference> {
    const w = await this.loadWorker();
    const loaded = await Promise.all(dictionaries.map((d) => this.dictionary(w, d)));
    const specs = await Promise.all(dictionaries.map((d, i) => modelSpec(ds, d, loaded[i].sae)));
    if (new Set(specs).size > 1)
      throw new AnalysisRefused(
        `dictionaries ${dictionaries.map((d, i) => `${d.id} (${specs[i]})`).join(', ')} were trained on different models; use one model at a time.`,
      );
    const model = await this.model(w, specs[0], dictionaries[0].id);
    const backend = await this.loadBackend();
    return { worker: w, model, loaded, backend };
  }

  private dictionary(w: Worker, d: Dictionary): Promise<InferenceDictionary> {
    const key = `${d.id}:${d.weightsPath}`;
    const loading = this.dictionaries.getOrCreate(key, async () => {
      await nextTurn();
      try {
        // On the JS heap (the default): the backend's arena only grows, so evicted dictionaries would keep theirs.
        return w.InferenceDictionary.load(d.weightsPath!);
      } catch (err) {
        throw refusal(err, `dictionary ${d.id}'s weights at ${d.weightsPath} cannot be loaded`);
      }
    });
    // A failed load is not cached: the folder may be fixed.
    loading.catch(() => this.dictionaries.delete(key));
    return loading;
  }

  private model(w: Worker, spec: string, dictionaryId: number): Promise<InferenceModel> {
    const loading = this.models.getOrCreate(spec, () =>
      w.InferenceModel.load(spec).catch((err: unknown) => {
        throw refusal(err, `the model ${spec} of dictionary ${dictionaryId} cannot be loaded`);
      }),
    );
    loading.catch(() => this.models.delete(spec));
    return loading;
  }

  /** Free the models' tensors and the backend's threads. */
  async dispose(): Promise<void> {
    await this.queue;
    this.models.clear();
    this.dictionaries.clear();
    const backend = await this.backend?.catch(() => undefined);
    backend?.dispose();
    this.backend = undefined;
  }
}

/**
 * What to load for a dictionary's model: its model row's folder (or name), else the model its cfg.json names
 * (a folder path or `builtin:tiny-brown`), else the built-in LM that dictionaries trained here default to.
 */
async function modelSpec(ds: DataSource, d: Dictionary, sae: ExternalSae): Promise<string> {
  if (d.modelId != null) {
    const rows = (await ds.query(`SELECT name, weights_path FROM models WHERE id = $1`, [d.modelId])) as {
      name: string;
      weights_path: string | null;
    }[];
    if (rows[0]) return rows[0].weights_path ?? rows[0].name;
  }
  return sae.modelName ?? 'builtin:tiny-brown';
}

/** The worker's errors (missing folder, bad shapes) explain themselves; others stay internal. */
function refusal(err: unknown, what: string): unknown {
  return err instanceof AtlasError ? new AnalysisRefused(`${what}: ${err.message}`) : err;
}

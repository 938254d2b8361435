// Live text analysis: run a dictionary's model on a text and the dictionaries' encoders on the activations at
// their hook, in this process with the worker's own code (tokenizer, forward pass, encoder kernels), so the
// api reports exactly what the analysis pass saw. Models and dictionaries stay loaded in bounded LRU caches.
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Dictionary } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { LruCache } from './lruCache.js';

type Worker = typeof import('@atlas/worker');
type LoadedModel = import('@atlas/worker').LoadedModel;
type Backend = import('@atlas/worker').Backend;
type ExternalSae = import('@atlas/worker').ExternalSae;
type PreparedEncoder = import('@atlas/worker').PreparedEncoder;

/** Longest text analysed, in tokens (a bound on CPU time per request; 32 windows of the tiny LM). */
export const MAX_TEXT_TOKENS = 2048;
/** Longest text in characters, checked before tokenizing (tokens are rarely under 1 character). */
export const MAX_TEXT_CHARS = 32_768;
export const MAX_TOP_K = 50;
export const MAX_ANALYSIS_DICTIONARIES = 8;
/** Windows per forward pass: one, so the event loop gets a turn after each window (a stall of one window). */
const WINDOWS_PER_PASS = 1;

/** A request this service cannot run, with a message written for the client. */
export class AnalysisRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisRefused';
  }
}

export interface TokenActivation {
  dictionaryId: number;
  index: number;
  activation: number;
}

export interface TextAnalysisResult {
  modelName: string;
  hookPoint: string;
  tokens: { position: number; text: string; features: TokenActivation[] }[];
  elapsedMs: number;
}

interface LoadedDictionary {
  sae: ExternalSae;
  encoder: PreparedEncoder;
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
  private readonly models: LruCache<string, Promise<LoadedModel>>;
  private readonly dictionaries: LruCache<string, Promise<LoadedDictionary>>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TextAnalyzerOptions = {}) {
    this.models = new LruCache(options.maxModels ?? 2, (model) => {
      void Promise.all([model, this.loadWorker()]).then(
        ([m, w]) => w.disposeModel(m),
        () => {},
      );
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
    const w = await this.loadWorker();
    const loaded = await Promise.all(dictionaries.map((d) => this.dictionary(w, d)));
    const specs = await Promise.all(dictionaries.map((d, i) => modelSpec(ds, d, loaded[i].sae)));
    if (new Set(specs).size > 1)
      throw new AnalysisRefused(
        `dictionaries ${dictionaries.map((d, i) => `${d.id} (${specs[i]})`).join(', ')} were trained on different models; analyse one model at a time.`,
      );
    const model = await this.model(w, specs[0], dictionaries[0].id);
    const hookPoint = dictionaries[0].hookPoint;
    let width: number;
    try {
      width = w.hookWidth(w.parseHook(hookPoint, model.config), model.config);
    } catch (err) {
      throw refusal(err, `dictionary ${dictionaries[0].id}'s hook point does not fit ${model.name}`);
    }
    for (const [i, d] of dictionaries.entries())
      if (loaded[i].sae.dIn !== width)
        throw new AnalysisRefused(
          `dictionary ${d.id} reads ${loaded[i].sae.dIn}-wide activations but ${hookPoint} of ${model.name} is ${width} wide; its weights do not belong to this model.`,
        );
    const encoding = model.tokenizer.encode(text);
    const ids = Array.from(encoding.ids);
    if (ids.length > MAX_TEXT_TOKENS)
      throw new AnalysisRefused(
        `text is ${ids.length} tokens; analyzeText takes at most ${MAX_TEXT_TOKENS}: split it.`,
      );
    if (ids.length === 0) throw new AnalysisRefused('text has no tokens; send the text to analyse.');
    // Windows as the analysis pass made them: the dictionary's context size (within the model's) and BOS.
    const cfg = loaded[0].sae.cfg;
    const nPositions = model.config.nPositions;
    const contextSize = Math.min(typeof cfg.context_size === 'number' ? cfg.context_size : nPositions, nPositions);
    const bosId = cfg.prepend_bos === false ? undefined : (model.tokenizer.eosId ?? model.config.bosTokenId);
    if (contextSize < (bosId === undefined ? 1 : 2))
      throw new AnalysisRefused(`dictionary ${dictionaries[0].id} has context_size ${contextSize}; it cannot be run.`);

    const backend = await this.loadBackend();
    const t0 = performance.now();
    const perToken: TokenActivation[][] = ids.map(() => []);
    const batches = w.streamActivations({
      model,
      documents: [{ doc: 0, id: 'text', text, tokens: ids, starts: [], ends: [] }],
      hook: hookPoint,
      contextSize,
      bosId,
      batchSize: WINDOWS_PER_PASS,
    });
    for await (const batch of batches) {
      const n = batch.tokens.length;
      for (const [i, d] of dictionaries.entries()) {
        const codes = await w.encodeBatch(loaded[i].encoder, backend, centred(loaded[i].sae, batch.acts), n);
        for (let r = 0; r < n; r++) {
          const list = perToken[batch.firstRow + r];
          for (let j = codes.rowStart[r]; j < codes.rowStart[r + 1]; j++)
            list.push({ dictionaryId: d.id, index: codes.indices[j], activation: codes.values[j] });
        }
      }
      // The forward pass and kernels block; give queued requests a turn between passes.
      await nextTurn();
      signal?.throwIfAborted();
    }
    const elapsedMs = performance.now() - t0;
    return {
      modelName: model.name,
      hookPoint,
      tokens: ids.map((id, position) => ({
        position,
        text: model.tokenizer.tokenText(id),
        features: perToken[position]
          .sort((a, b) => b.activation - a.activation || a.dictionaryId - b.dictionaryId || a.index - b.index)
          .slice(0, topK),
      })),
      elapsedMs,
    };
  }

  private dictionary(w: Worker, d: Dictionary): Promise<LoadedDictionary> {
    const key = `${d.id}:${d.weightsPath}`;
    const loading = this.dictionaries.getOrCreate(key, async () => {
      await nextTurn();
      try {
        const sae = w.loadExternalSae(d.weightsPath!);
        return { sae, encoder: heapEncoder(sae) };
      } catch (err) {
        throw refusal(err, `dictionary ${d.id}'s weights at ${d.weightsPath} cannot be loaded`);
      }
    });
    // A failed load is not cached: the folder may be fixed.
    loading.catch(() => this.dictionaries.delete(key));
    return loading;
  }

  private model(w: Worker, spec: string, dictionaryId: number): Promise<LoadedModel> {
    const loading = this.models.getOrCreate(spec, () =>
      w.loadModel(spec).catch((err: unknown) => {
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

/**
 * The encoder laid out as prepareEncoder does (W_encᵀ [dSae, dIn]) but on the JS heap rather than in the
 * backend's arena: the arena only grows, so evicted dictionaries would never give their memory back (and the
 * dense kernels copy arena (shared) buffers into private ones before each run anyway).
 */
function heapEncoder(sae: ExternalSae): PreparedEncoder {
  const { dIn, dSae } = sae;
  const wEncT = new Float32Array(dIn * dSae);
  for (let p = 0; p < dIn; p++) for (let l = 0; l < dSae; l++) wEncT[l * dIn + p] = sae.wEnc[p * dSae + l];
  // b_dec is subtracted by centred(): encodeBatch's own centring reuses one buffer per encoder, which concurrent
  // requests would share.
  return { sae: { ...sae, applyBDecToInput: false }, wEncT };
}

/** x − b_dec per row when the dictionary expects it (SAELens apply_b_dec_to_input), else x itself. */
function centred(sae: ExternalSae, x: Float32Array): Float32Array {
  if (!sae.applyBDecToInput) return x;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - sae.bDec[i % sae.dIn];
  return out;
}

/** The worker's errors (missing folder, bad shapes) explain themselves; others stay internal. */
function refusal(err: unknown, what: string): unknown {
  return err instanceof Error && err.name === 'AtlasError' ? new AnalysisRefused(`${what}: ${err.message}`) : err;
}

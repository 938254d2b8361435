// Steering for the api: the request's caps, a bounded pool that runs one generation at a time and refuses with BUSY
// when its slots are taken (generation is seconds of CPU per request, so waiting behind a long queue would only
// time out), and the models and dictionaries of the text analyzer's caches. The generation itself is the worker's
// `steer` (both continuations from one seed).
import type { Dictionary } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { AnalysisRefused, type TextAnalyzer } from '../textAnalysisService.js';

type Steering = typeof import('@atlas/worker/steering');
export type SteerLimits = import('@atlas/worker/steering').SteerLimits;
export type SteerResult = import('@atlas/worker/steering').SteerResult;
export type SamplingOptions = import('@atlas/worker/steering').SamplingOptions;
export type GeneratedToken = import('@atlas/worker/steering').GeneratedToken;
export type Intervention = import('@atlas/worker/steering').Intervention;

/** The api's caps, tighter than the worker's: a request must finish well inside the request timeout. */
export const API_STEER_LIMITS: SteerLimits = {
  maxNewTokens: 64,
  interventions: 8,
  strength: 1000,
  promptTokens: 512,
};
/** Longest prompt in characters, checked before tokenizing. */
export const MAX_PROMPT_CHARS = 4096;
export const MAX_STEER_DICTIONARIES = 4;

/** The pool is full: the client should retry later. */
export class SteeringBusy extends Error {
  constructor(slots: number) {
    super(
      `the api is already steering ${slots} request(s), its limit (ATLAS_API_STEER_SLOTS); retry in a few seconds.`,
    );
    this.name = 'SteeringBusy';
  }
}

export interface SteererOptions {
  /** Requests running or waiting at once; one more is refused with SteeringBusy (default 2). */
  slots?: number;
  limits?: SteerLimits;
  /** Longest a streamed steer (a subscription, which no request timeout covers) may run; 0 or absent: no limit. */
  streamTimeoutMs?: number;
}

/** What the resolver hands over: the dictionaries (existing, checked by the caller) and the worker's request. */
export interface ApiSteerRequest {
  prompt: string;
  dictionaries: Dictionary[];
  interventions: Intervention[];
  sampling: SamplingOptions;
  topChanged?: number;
}

/** One per server; runs generations one at a time, at most `slots` admitted. */
export class Steerer {
  private steering?: Promise<Steering>;
  private queue: Promise<unknown> = Promise.resolve();
  private admitted = 0;
  readonly slots: number;
  readonly limits: SteerLimits;
  readonly streamTimeoutMs: number;

  constructor(
    private readonly analyzer: TextAnalyzer,
    options: SteererOptions = {},
  ) {
    this.slots = options.slots ?? 2;
    this.limits = options.limits ?? API_STEER_LIMITS;
    this.streamTimeoutMs = options.streamTimeoutMs ?? 0;
  }

  /**
   * Both continuations of the prompt; AnalysisRefused (or the worker's InferenceRefused, naming the field) for bad
   * input, SteeringBusy when the pool is full. `onToken` sees each token as it is chosen.
   */
  steer(
    ds: DataSource,
    request: ApiSteerRequest,
    signal?: AbortSignal,
    onToken?: (run: 'default' | 'steered', token: GeneratedToken) => void,
  ): Promise<SteerResult> {
    if (request.prompt.trim().length === 0) throw new AnalysisRefused('prompt is empty; send the text to continue.');
    if (request.prompt.length > MAX_PROMPT_CHARS)
      throw new AnalysisRefused(
        `prompt has ${request.prompt.length} characters; steer takes at most ${MAX_PROMPT_CHARS} (and ${this.limits.promptTokens} tokens).`,
      );
    const missing = request.dictionaries.find((d) => !d.weightsPath);
    if (missing)
      throw new AnalysisRefused(
        `dictionary ${missing.id} has no weights on this server (weights_path is empty), so it cannot steer; it can still be browsed.`,
      );
    if (this.admitted >= this.slots) throw new SteeringBusy(this.slots);
    this.admitted++;
    const run = this.queue.then(() => this.run(ds, request, signal, onToken));
    this.queue = run.catch(() => {});
    return run.finally(() => this.admitted--);
  }

  private async run(
    ds: DataSource,
    request: ApiSteerRequest,
    signal: AbortSignal | undefined,
    onToken: ((run: 'default' | 'steered', token: GeneratedToken) => void) | undefined,
  ): Promise<SteerResult> {
    // A request that timed out while waiting is not run at all.
    signal?.throwIfAborted();
    const steering = (this.steering ??= import('@atlas/worker/steering'));
    const { model, loaded, backend } = await this.analyzer.load(ds, request.dictionaries);
    const { steer } = await steering;
    return steer(
      model,
      {
        prompt: request.prompt,
        dictionaries: request.dictionaries.map((d, i) => ({ id: d.id, hook: d.hookPoint, dictionary: loaded[i] })),
        interventions: request.interventions,
        sampling: request.sampling,
        topChanged: request.topChanged,
      },
      backend,
      this.limits,
      signal,
      onToken,
    );
  }

  /** Wait for the running and waiting generations. */
  async drain(): Promise<void> {
    await this.queue;
  }
}

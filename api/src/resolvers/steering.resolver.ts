// steer in GraphQL: a query, since it changes nothing stored (so public reads may steer, and a closed atlas wants the
// key like any read), and steerStream, the same over graphql-ws token by token. Arguments are checked here and by
// the worker's steer (whose refusals name its fields, renamed here to the arguments'); the pool's BUSY and every
// refusal reach the client with a message written for it.
import type { Dictionary } from '@atlas/migrations';
import { InferenceRefused } from '@atlas/worker/inference/errors';
import { Arg, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import {
  SamplingInput,
  SteerInterventionInput,
  SteerMode,
  SteerResult,
  SteerStreamEvent,
  StrengthUnit,
} from '../schema/steering.type.js';
import { AnalysisRefused } from '../services/textAnalysisService.js';
import {
  MAX_STEER_DICTIONARIES,
  SteeringBusy,
  type ApiSteerRequest,
  type GeneratedToken,
} from '../services/steering/steeringService.js';
import { parseDictionaryId } from './arguments.js';

/** The worker's request fields in a refusal, as this query's arguments. */
const FIELD_NAMES: [RegExp, string][] = [
  [/^(interventions\[\d+\])\.feature/, '$1.index'],
  [/^(interventions\[\d+\])\.kind/, '$1.mode'],
  [/^(interventions\[\d+\])\.maxActivation/, '$1.unit'],
  [/^(maxNewTokens|temperature|topP|frequencyPenalty|seed)/, 'sampling.$1'],
  [/^dictionaries\[\d+\]/, 'interventions.dictionaryId'],
];
const asArguments = (message: string) => FIELD_NAMES.reduce((m, [field, name]) => m.replace(field, name), message);

const bad = (message: string) => new PublicError('BAD_USER_INPUT', message);

/** The arguments as the steering service's request; BAD_USER_INPUT naming the argument. */
async function prepare(
  ctx: Context,
  prompt: string,
  interventions: SteerInterventionInput[],
  sampling: SamplingInput,
): Promise<ApiSteerRequest> {
  const limit = ctx.steerer.limits.interventions;
  if (interventions.length === 0 || interventions.length > limit)
    throw bad(`interventions must list 1 to ${limit} interventions (got ${interventions.length}).`);
  const ids = interventions.map((i, k) => parseDictionaryId(i.dictionaryId, `interventions[${k}].dictionaryId`));
  const unique = [...new Set(ids)];
  if (unique.length > MAX_STEER_DICTIONARIES)
    throw bad(`interventions name ${unique.length} dictionaries; steer takes at most ${MAX_STEER_DICTIONARIES}.`);
  const rows = await Promise.all(unique.map((id) => ctx.loaders.dictionary.load(id)));
  const byId = new Map<number, Dictionary>();
  unique.forEach((id, j) => {
    const row = rows[j];
    if (!row)
      throw bad(
        `interventions[${ids.indexOf(id)}].dictionaryId: no dictionary ${id}; list them with { dictionaries { id name } }.`,
      );
    byId.set(id, row);
  });
  const resolved = await Promise.all(
    interventions.map(async (i, k) => {
      const d = byId.get(ids[k])!;
      if (!Number.isInteger(i.index) || i.index < 0 || i.index >= d.nLatents)
        throw bad(
          `interventions[${k}].index: ${i.index} is not a feature of dictionary ${d.id} (0 to ${d.nLatents - 1}).`,
        );
      if (!Number.isFinite(i.strength))
        throw bad(`interventions[${k}].strength must be a finite number (got ${i.strength}).`);
      const unit = i.mode === SteerMode.ABLATE ? StrengthUnit.RAW : i.unit;
      let maxActivation: number | undefined;
      if (unit === StrengthUnit.MAX) {
        const feature = await ctx.loaders.feature.load({ dictionaryId: d.id, index: i.index });
        maxActivation = feature?.maxActivation ?? undefined;
        if (!(maxActivation !== undefined && maxActivation > 0))
          throw bad(
            `interventions[${k}].unit: feature ${i.index} of dictionary ${d.id} has no stored max activation ` +
              `(${feature ? 'it never fired in the analysis' : 'the dictionary has not been analysed'}), so strength cannot be in units of it; use unit RAW.`,
          );
      }
      return {
        dictionaryId: d.id,
        feature: i.index,
        kind: i.mode,
        strength: i.strength,
        unit,
        maxActivation,
        positions: i.positions ?? undefined,
      };
    }),
  );
  return {
    prompt,
    dictionaries: [...byId.values()],
    interventions: resolved,
    sampling: { ...sampling },
  };
}

/** A streamed steer ran past the request timeout. */
class StreamTimedOut extends Error {
  constructor(readonly limitMs: number) {
    super(`steerStream ran past the api's ${limitMs} ms limit`);
  }
}

/** Refusals, BUSY and a stream's timeout as public errors; anything else stays internal. */
function publicError(err: unknown): unknown {
  if (err instanceof StreamTimedOut)
    return new PublicError(
      'REQUEST_TIMEOUT',
      `the steer ran past the api's ${err.limitMs} ms limit (ATLAS_API_REQUEST_TIMEOUT_MS) and was stopped; ask for fewer tokens, or retry later.`,
    );
  if (err instanceof SteeringBusy) return new PublicError('BUSY', err.message, 503);
  if (err instanceof AnalysisRefused) return bad(err.message);
  if (err instanceof InferenceRefused) return bad(`${asArguments(err.message)}.`);
  return err;
}

const STEER_DESCRIPTION =
  'Continue `prompt` with and without the interventions on features (all of one model), from the same seed. Runs ' +
  'the model now, one request at a time with a few waiting; more answer BUSY.';

@Resolver()
export class SteeringResolver {
  @Query(() => SteerResult, { description: STEER_DESCRIPTION })
  async steer(
    @Arg('prompt', () => String) prompt: string,
    @Arg('interventions', () => [SteerInterventionInput]) interventions: SteerInterventionInput[],
    @Arg('sampling', () => SamplingInput, { nullable: true }) sampling: SamplingInput | null,
    @Ctx() ctx: Context,
  ): Promise<SteerResult> {
    const request = await prepare(ctx, prompt, interventions, sampling ?? defaultSampling());
    try {
      return await ctx.steerer.steer(ctx.dataSource, request, ctx.signal);
    } catch (err) {
      throw publicError(err);
    }
  }

  @Subscription(() => SteerStreamEvent, {
    description: `${STEER_DESCRIPTION} Streams each token as it is chosen (the default run's, then the steered run's), then the whole result.`,
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const request = await prepare(
        ctx,
        args.prompt as string,
        args.interventions as SteerInterventionInput[],
        (args.sampling as SamplingInput | null) ?? defaultSampling(),
      );
      return streamSteer(ctx, request);
    },
  })
  steerStream(
    @Root() event: SteerStreamEvent,
    @Arg('prompt', () => String) _prompt: string,
    @Arg('interventions', () => [SteerInterventionInput]) _interventions: SteerInterventionInput[],
    @Arg('sampling', () => SamplingInput, { nullable: true }) _sampling: SamplingInput | null,
  ): SteerStreamEvent {
    return event;
  }
}

function defaultSampling(): SamplingInput {
  return { maxNewTokens: 32, temperature: 0, topP: 1, frequencyPenalty: 0, seed: 0 };
}

/** The steer's tokens as they come, then the result; the generation stops when the client unsubscribes. */
async function* streamSteer(ctx: Context, request: ApiSteerRequest): AsyncGenerator<SteerStreamEvent> {
  const pending: SteerStreamEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (e: SteerStreamEvent) => {
    pending.push(e);
    wake?.();
  };
  const abort = new AbortController();
  const limitMs = ctx.steerer.streamTimeoutMs;
  const timer = limitMs > 0 ? setTimeout(() => abort.abort(new StreamTimedOut(limitMs)), limitMs) : undefined;
  let done = false;
  let failure: unknown;
  try {
    const running = ctx.steerer.steer(ctx.dataSource, request, abort.signal, (run, token: GeneratedToken) =>
      push({ run, token }),
    );
    void running.then(
      (result) => {
        push({ run: 'steered', result });
        done = true;
        wake?.();
      },
      (err: unknown) => {
        failure = err;
        done = true;
        wake?.();
      },
    );
    for (;;) {
      while (pending.length > 0) yield pending.shift()!;
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    while (pending.length > 0) yield pending.shift()!;
    if (failure !== undefined) throw publicError(failure);
  } catch (err) {
    throw publicError(err);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

// Jobs in the graph: read, list and follow (subscription), queue (train, analyze, import, extract, export, evaluate), cancel.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { JOB_STATES } from '@atlas/migrations';
import { requireKey } from './requireKey.js';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { EvaluationKind } from '../schema/evaluation.type.js';
import { Job, JobLogLine } from '../schema/job.type.js';
import { MAX_ID } from '../services/globalId.js';
import {
  ExportDictionaryInput,
  ExtractActivationsInput,
  ImportActivationsInput,
  ImportSaeInput,
  TrainDictionaryInput,
} from '../schema/mutation.input.js';
import { cancelJob, enqueueJob, getJob, listJobs, watchJob } from '../services/jobService.js';
import { parseDictionaryId, requireDictionary, requireRange } from './arguments.js';
import { MAX_PAGE } from './feature.resolver.js';

/** Most log lines one request may read per job. */
const MAX_LOG_LINES = 1000;

function parseJobId(id: string): number {
  if (!/^\d{1,10}$/.test(id) || Number(id) > MAX_ID)
    throw new PublicError('BAD_USER_INPUT', `"${id}" is not a job id.`);
  return Number(id);
}

/** How often a job-progress subscription reads its job (workers report at most about once a second). */
export const JOB_WATCH_MS = 500;

@Resolver(() => Job)
export class JobResolver {
  @Query(() => Job, { nullable: true, description: 'One job with its progress; poll it to follow a long task.' })
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return getJob(ctx.dataSource, parseJobId(id));
  }

  @Subscription(() => Job, {
    description:
      'The job now, then at every change of its state, progress or error, until it ends (graphql-ws at the same ' +
      '/graphql address). Workers report through the database, so this follows jobs run anywhere.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const id = parseJobId(args.id as string);
      if (!(await getJob(ctx.dataSource, id)))
        throw new PublicError('NOT_FOUND', `no job ${args.id as string}; list them with { jobs { id type state } }.`);
      return watchJob(ctx.dataSource, id, ctx.jobWatchMs ?? JOB_WATCH_MS);
    },
  })
  jobUpdates(@Root() job: Job, @Arg('id', () => ID) _id: string): Job {
    return job;
  }

  @Query(() => [Job], { description: 'Recent jobs, newest first.' })
  jobs(
    @Arg('state', () => String, { nullable: true }) state: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() ctx: Context,
  ) {
    requireRange('first', first, 1, MAX_PAGE);
    if (state != null && !(JOB_STATES as readonly string[]).includes(state))
      throw new PublicError('BAD_USER_INPUT', `state must be one of ${JOB_STATES.join(', ')} (got "${state}").`);
    return listJobs(ctx.dataSource, state ?? undefined, first);
  }

  @FieldResolver(() => [JobLogLine], { description: "The job's newest log lines, oldest first." })
  logs(
    @Root() job: Job,
    @Arg('last', () => Int, { defaultValue: 50 }) last: number,
    @Ctx() ctx: Context,
  ): Promise<JobLogLine[]> {
    requireRange('last', last, 1, MAX_LOG_LINES);
    return ctx.loaders.jobLogs.load({ jobId: job.id, last });
  }

  @Mutation(() => Job, { description: 'Queue training of a new dictionary. Needs an API key.' })
  async trainDictionary(@Arg('input', () => TrainDictionaryInput) input: TrainDictionaryInput, @Ctx() ctx: Context) {
    await requireKey(ctx);
    return enqueueJob(ctx.dataSource, 'train', { ...input });
  }

  @Mutation(() => Job, { description: '(Re)run the analysis of a dictionary over its corpus. Needs an API key.' })
  async analyzeDictionary(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('maxTokens', () => Int, { nullable: true }) maxTokens: number | null | undefined,
    @Arg('split', () => Int, {
      nullable: true,
      description: 'Split the corpus into this many token ranges (2 to 64), analysed by any workers, then merged.',
    })
    split: number | null | undefined,
    @Ctx() ctx: Context,
  ) {
    await requireKey(ctx);
    const d = await requireDictionary(ctx, dictionaryId);
    return enqueueJob(ctx.dataSource, 'analyze', { dictionaryId: d.id, maxTokens, split }, d.id);
  }

  @Mutation(() => Job, { description: 'Import a SAELens or sparsify folder, analyse and ingest it. Needs an API key.' })
  async importSae(@Arg('input', () => ImportSaeInput) input: ImportSaeInput, @Ctx() ctx: Context) {
    await requireKey(ctx);
    return enqueueJob(ctx.dataSource, 'import', { kind: 'sae', ...input });
  }

  @Mutation(() => Job, { description: 'Import activations computed elsewhere. Needs an API key.' })
  async importActivations(
    @Arg('input', () => ImportActivationsInput) input: ImportActivationsInput,
    @Ctx() ctx: Context,
  ) {
    await requireKey(ctx);
    return enqueueJob(ctx.dataSource, 'import', { kind: 'activations', ...input });
  }

  @Mutation(() => Job, { description: "Extract a model's activations over a corpus. Needs an API key." })
  async extractActivations(
    @Arg('input', () => ExtractActivationsInput) input: ExtractActivationsInput,
    @Ctx() ctx: Context,
  ) {
    await requireKey(ctx);
    return enqueueJob(ctx.dataSource, 'extract', { ...input });
  }

  @Mutation(() => Job, { description: 'Write everything known about a dictionary to a folder. Needs an API key.' })
  async exportDictionary(@Arg('input', () => ExportDictionaryInput) input: ExportDictionaryInput, @Ctx() ctx: Context) {
    await requireKey(ctx);
    const d = await requireDictionary(ctx, input.dictionaryId, 'input.dictionaryId');
    return enqueueJob(
      ctx.dataSource,
      'export',
      { dictionaryId: parseDictionaryId(String(d.id)), out: input.out },
      d.id,
    );
  }

  @Mutation(() => Job, {
    description:
      "Evaluate a dictionary on held-out Brown text (core, sparse probing, TPP, absorption, label scoring; default all), replacing each kind's earlier numbers. Needs an API key.",
  })
  async evaluateDictionary(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('only', () => [EvaluationKind], { nullable: true }) only: string[] | null | undefined,
    @Ctx() ctx: Context,
  ) {
    await requireKey(ctx);
    const d = await requireDictionary(ctx, dictionaryId);
    return enqueueJob(ctx.dataSource, 'evaluate', { dictionaryId: d.id, only: only ?? undefined }, d.id);
  }

  @Mutation(() => Job, {
    description:
      'Cancel a queued or running job. For a split analysis, its split job or any part cancels every live part and ' +
      'the merge. Needs an API key.',
  })
  async cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    await requireKey(ctx);
    return cancelJob(ctx.dataSource, parseJobId(id));
  }
}

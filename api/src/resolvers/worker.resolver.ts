// The queue's workers as their heartbeats show them.
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context.js';
import { Worker } from '../schema/worker.type.js';
import { listWorkers, WORKER_ALIVE_SECONDS } from '../services/workerService.js';

@Resolver(() => Worker)
export class WorkerResolver {
  @Query(() => [Worker], {
    description:
      `Workers taking jobs, newest heartbeat first: those seen in the last ${WORKER_ALIVE_SECONDS} s (an empty list ` +
      'means queued jobs wait: `npm start` runs ATLAS_WORKERS of them, `npm run worker -- work` runs one more), at most 100.',
  })
  workers(
    @Arg('includeGone', () => Boolean, {
      defaultValue: false,
      description: 'Also list workers that went quiet (killed, or their machine gone) within the last day.',
    })
    includeGone: boolean,
    @Ctx() ctx: Context,
  ): Promise<Worker[]> {
    return listWorkers(ctx.dataSource, includeGone);
  }
}

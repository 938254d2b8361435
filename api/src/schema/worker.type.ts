// GraphQL type of a queue worker.
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A `worker work` process taking jobs from the queue, as its heartbeat shows it.' })
export class Worker {
  @Field(() => ID, { description: 'host:pid, as written in the leases of the jobs it runs.' })
  id!: string;

  @Field(() => String)
  host!: string;

  @Field(() => Int)
  pid!: number;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { description: 'Its last heartbeat (every 5 s while it runs).' })
  lastSeenAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The job it runs now; null when idle.' })
  jobId!: number | null;

  @Field(() => Boolean, { description: 'Whether it was seen within the last 60 s.' })
  alive!: boolean;
}

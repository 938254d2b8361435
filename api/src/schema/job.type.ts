// GraphQL types of jobs (progress, log lines) and of explanations.
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "A running job's progress." })
export class JobProgress {
  @Field(() => Float, { description: '0 to 1.' })
  fraction!: number;

  @Field(() => Float, { nullable: true, description: 'Units per second.' })
  rate?: number;

  @Field(() => String, { nullable: true, description: 'What rate counts, e.g. tokens.' })
  unit?: string;

  @Field(() => Float, { nullable: true })
  etaSeconds?: number;

  @Field(() => String, { nullable: true })
  message?: string;
}

@ObjectType({ description: 'One line a job wrote while it ran.' })
export class JobLogLine {
  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: 'debug, info, warn or error.' })
  level!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'A long task on the queue: train, extract, analyze, import, export, evaluate or graph.' })
export class Job {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  type!: string;

  @Field(() => String, { description: 'queued, running, succeeded, failed or cancelled.' })
  state!: string;

  @Field(() => GraphQLJSONObject)
  payload!: Record<string, unknown>;

  @Field(() => JobProgress)
  progress!: JobProgress;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'What the finished job made, e.g. { graphId } of a graph job; null for types that report nothing.',
  })
  result!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: '`CODE: message` of the last failure.' })
  error!: string | null;

  @Field(() => Int)
  attempts!: number;

  @Field(() => ID, { nullable: true })
  dictionaryId!: number | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: 'What a feature means, in words.' })
export class Explanation {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  text!: string;

  @Field(() => String, { description: 'human, auto, or a model name.' })
  source!: string;

  @Field(() => Float, { nullable: true })
  score!: number | null;

  @Field(() => String, { nullable: true })
  author!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

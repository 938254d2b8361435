import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const JOB_TYPES = ['train', 'extract', 'analyze', 'import', 'export', 'evaluate', 'graph'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What a running job reports; `rate` is in `unit`s per second. */
export interface JobProgress {
  fraction: number;
  rate?: number;
  unit?: string;
  etaSeconds?: number;
  message?: string;
}

/** A long task (train, extract, analyze, import, export, evaluate, graph) on the Postgres queue. */
@Entity('jobs')
export class Job {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'text' })
  type!: JobType;

  @Column({ type: 'text', default: 'queued' })
  state!: JobState;

  @Column({ type: 'jsonb', default: {} })
  payload!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: { fraction: 0 } })
  progress!: JobProgress;

  /** Where to resume after a crash (job-type specific). */
  @Column({ type: 'jsonb', nullable: true })
  checkpoint!: Record<string, unknown> | null;

  /** What a finished job made, e.g. `{ graphId }` of a graph job; null for job types that say nothing. */
  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  /** `CODE: message` of the last failure. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'int', default: 3 })
  maxAttempts!: number;

  /** Worker holding the lease, and until when. */
  @Column({ name: 'locked_by', type: 'text', nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'run_at', type: 'timestamptz', default: () => 'now()' })
  runAt!: Date;

  @Column({ name: 'dictionary_id', type: 'int', nullable: true })
  dictionaryId!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

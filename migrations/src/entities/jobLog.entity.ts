import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const JOB_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type JobLogLevel = (typeof JOB_LOG_LEVELS)[number];

/** One line a job wrote while it ran. */
@Entity('job_logs')
export class JobLog {
  // bigserial: pg returns it as a string; lines are ordered by it, never added up.
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'int' })
  jobId!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ type: 'text' })
  level!: JobLogLevel;

  @Column({ type: 'text' })
  message!: string;
}

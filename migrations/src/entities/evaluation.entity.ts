import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const EVALUATION_KINDS = ['core', 'sparse_probing', 'tpp', 'absorption', 'label_scoring'] as const;
export type EvaluationKind = (typeof EVALUATION_KINDS)[number];

/** One number of one evaluation of a dictionary (issue 17), e.g. core `fvu`, or `pos.sae_top_1_test_accuracy` of class `nn`. */
@Entity('evaluations')
export class Evaluation {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @Column({ type: 'text' })
  kind!: EvaluationKind;

  /** SAEBench's metric name where it has one (`ce_loss_score`, `tpp_metric_top_10`, ...). */
  @Column({ type: 'text' })
  metric!: string;

  /** The class of a per-class row (a POS tag, a genre); null for the aggregate. */
  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'double precision' })
  value!: number;

  /** The evaluation's configuration (SAEBench's eval_config). */
  @Column({ type: 'jsonb' })
  settings!: Record<string, unknown>;

  /** The held-out text it ran on, for a person: "brown: 50 held-out documents (every 10th), 98,304 tokens". */
  @Column({ name: 'corpus_slice', type: 'text' })
  corpusSlice!: string;

  /** The model's name. */
  @Column({ type: 'text' })
  model!: string;

  /** Package version and git short sha of the code that computed it. */
  @Column({ name: 'code_version', type: 'text' })
  codeVersion!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

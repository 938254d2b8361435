import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A description of what a feature means, by a person, the automatic labeller, or a model; with a score if scored. */
@Entity('explanations')
export class Explanation {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @Column({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @Column({ type: 'text' })
  text!: string;

  /** `auto`, `human`, or a model name. */
  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'real', nullable: true })
  score!: number | null;

  @Column({ type: 'text', nullable: true })
  author!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

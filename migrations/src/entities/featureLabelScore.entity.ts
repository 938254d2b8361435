import { Column, Entity, PrimaryColumn } from 'typeorm';

export const LABEL_KINDS = ['pos', 'genre', 'token'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** How well one auto-label ("the token is a noun") predicts held-out tokens from one feature's activation. */
@Entity('feature_label_scores')
export class FeatureLabelScore {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @PrimaryColumn({ name: 'label_kind', type: 'text' })
  labelKind!: LabelKind;

  @PrimaryColumn({ type: 'text' })
  label!: string;

  @Column({ type: 'real' })
  precision!: number;

  @Column({ type: 'real' })
  recall!: number;

  @Column({ type: 'real' })
  f1!: number;

  /** Null when undefined: no held-out token, or every one, has the label. */
  @Column({ name: 'roc_auc', type: 'real', nullable: true })
  rocAuc!: number | null;

  /** Held-out tokens where the label holds. */
  @Column({ type: 'int' })
  positives!: number;

  /** Held-out tokens scored. */
  @Column({ type: 'int' })
  tokens!: number;
}

/** A feature's best held-out F1 over its labels, written with the scores (what the feature list sorts by). */
@Entity('feature_best_label_scores')
export class FeatureBestLabelScore {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @Column({ type: 'real' })
  f1!: number;

  @Column({ name: 'label_kind', type: 'text' })
  labelKind!: LabelKind;

  @Column({ type: 'text' })
  label!: string;
}

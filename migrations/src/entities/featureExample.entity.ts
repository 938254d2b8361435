import { Column, Entity, PrimaryColumn } from 'typeorm';

export const EXAMPLE_KINDS = ['top', 'quantile'] as const;
export type ExampleKind = (typeof EXAMPLE_KINDS)[number];

/** A context where a feature fires: a token window with the feature's activation on every token. */
@Entity('feature_examples')
export class FeatureExample {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @PrimaryColumn({ type: 'text' })
  kind!: ExampleKind;

  /** Quantile bin (0 = weakest) for `quantile` examples; 0 for `top`. */
  @PrimaryColumn({ type: 'int' })
  bin!: number;

  /** Order within (kind, bin), 0 = strongest. */
  @PrimaryColumn({ type: 'int' })
  rank!: number;

  @Column({ name: 'max_activation', type: 'real' })
  maxActivation!: number;

  @Column({ name: 'doc_index', type: 'int' })
  docIndex!: number;

  /** Offset in the document of the window's first token. */
  @Column({ name: 'token_start', type: 'int' })
  tokenStart!: number;

  /** Position of the strongest token inside the window. */
  @Column({ name: 'max_position', type: 'int' })
  maxPosition!: number;

  @Column({ type: 'text', array: true })
  tokens!: string[];

  @Column({ type: 'real', array: true })
  activations!: number[];
}

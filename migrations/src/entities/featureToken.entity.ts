import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Inverted index row: feature `featureIndex` peaks on `token` in its top examples. */
@Entity('feature_tokens')
export class FeatureToken {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  /** lower(trim(token)), what lookups match on. */
  @PrimaryColumn({ name: 'token_key', type: 'text' })
  tokenKey!: string;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @Column({ type: 'text' })
  token!: string;

  @Column({ name: 'max_activation', type: 'real' })
  maxActivation!: number;

  /** How many of the feature's top examples peak on this token. */
  @Column({ type: 'int' })
  examples!: number;
}

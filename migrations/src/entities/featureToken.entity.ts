import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What a folded token lookup matches on: case and surrounding whitespace ignored, so " The" and "the" meet.
 * Exact lookups match `token` itself; the two are different tokens of the model.
 */
export function foldToken(token: string): string {
  return token.trim().toLowerCase();
}

/** Inverted index row: feature `featureIndex` peaks on `token`, exactly as the tokenizer wrote it, in its top examples. */
@Entity('feature_tokens')
export class FeatureToken {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ type: 'text' })
  token!: string;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  /** foldToken(token), what folded lookups match on. */
  @Column({ name: 'token_key', type: 'text' })
  tokenKey!: string;

  @Column({ name: 'max_activation', type: 'real' })
  maxActivation!: number;

  /** How many of the feature's top examples peak on this token. */
  @Column({ type: 'int' })
  examples!: number;
}

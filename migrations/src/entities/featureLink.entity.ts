import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A family link: feature (dictionary, index) and its rank-th nearest decoder in another dictionary. */
@Entity('feature_links')
export class FeatureLink {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @PrimaryColumn({ name: 'other_dictionary_id', type: 'int' })
  otherDictionaryId!: number;

  @PrimaryColumn({ type: 'int' })
  rank!: number;

  @Column({ name: 'other_index', type: 'int' })
  otherIndex!: number;

  @Column({ type: 'real' })
  cosine!: number;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Who may read a list: anyone, or only callers with an API key. */
export type ListVisibility = 'public' | 'key';

/** A named, shareable collection of features across dictionaries (its items are FeatureListItem rows). */
@Entity('feature_lists')
export class FeatureList {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text', default: 'public' })
  visibility!: ListVisibility;

  /** The API key that created it (null once that key is deleted). */
  @Column({ name: 'owner_key_id', type: 'int', nullable: true })
  ownerKeyId!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** One feature of a list, with a person's note; `position` orders the list (0 first). */
@Entity('feature_list_items')
export class FeatureListItem {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'list_id', type: 'int' })
  listId!: number;

  @Column({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @Column({ name: 'feature_index', type: 'int' })
  featureIndex!: number;

  @Column({ type: 'text', default: '' })
  note!: string;

  @Column({ type: 'int' })
  position!: number;

  @CreateDateColumn({ name: 'added_at', type: 'timestamptz' })
  addedAt!: Date;
}

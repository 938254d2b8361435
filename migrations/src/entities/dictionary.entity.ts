import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SAE_ARCHITECTURES = ['topk', 'batchtopk', 'relu', 'jumprelu'] as const;
export type SaeArchitecture = (typeof SAE_ARCHITECTURES)[number];

export const DICTIONARY_STATUSES = ['pending', 'training', 'trained', 'analyzing', 'ready', 'failed'] as const;
export type DictionaryStatus = (typeof DICTIONARY_STATUSES)[number];

/** Summary figures of a trained dictionary; every field optional until measured. */
export interface DictionaryMetrics {
  l0?: number;
  mse?: number;
  fvu?: number;
  deadFraction?: number;
  denseFraction?: number;
  ceLossClean?: number;
  ceLossZeroAblated?: number;
  ceLossSpliced?: number;
  ceLossRecovered?: number;
  tokensTrained?: number;
  /** The seed training started from (atlas_metrics.json). */
  trainingSeed?: number;
  /** Tokens the latest analysis read: every feature's density is its firings over these. */
  tokensAnalyzed?: number;
  /** How the latest analysis placed features on the 2-D map. */
  mapMethod?: 'umap' | 'pca';
}

/** Training curves: values against tokens seen. */
export interface DictionaryCurves {
  tokens?: number[];
  loss?: number[];
  l0?: number[];
  fvu?: number[];
  deadFraction?: number[];
}

/** A trained sparse autoencoder over one hook point of one model. */
@Entity('dictionaries')
export class Dictionary {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'model_id', type: 'int', nullable: true })
  modelId!: number | null;

  @Column({ name: 'corpus_id', type: 'int', nullable: true })
  corpusId!: number | null;

  /** TransformerLens hook name, e.g. `blocks.0.mlp.hook_post`. */
  @Column({ name: 'hook_point', type: 'text' })
  hookPoint!: string;

  @Column({ type: 'text' })
  architecture!: SaeArchitecture;

  @Column({ name: 'd_in', type: 'int' })
  dIn!: number;

  @Column({ name: 'n_latents', type: 'int' })
  nLatents!: number;

  @Column({ type: 'int', nullable: true })
  k!: number | null;

  @Column({ name: 'l1_coefficient', type: 'real', nullable: true })
  l1Coefficient!: number | null;

  @Column({ type: 'jsonb', default: {} })
  hyperparameters!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: {} })
  metrics!: DictionaryMetrics;

  @Column({ type: 'jsonb', default: {} })
  curves!: DictionaryCurves;

  @Column({ type: 'text', default: 'pending' })
  status!: DictionaryStatus;

  /** SAELens folder (cfg.json + sae_weights.safetensors). */
  @Column({ name: 'weights_path', type: 'text', nullable: true })
  weightsPath!: string | null;

  /** sha256 of the weights and the settings that shape them: the dictionary's identity wherever its folder is. */
  @Column({ name: 'content_hash', type: 'text', nullable: true })
  contentHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

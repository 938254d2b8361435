import { Column, Entity, PrimaryColumn } from 'typeorm';

/** pgvector's HNSW index takes at most 2,000 dimensions for `vector` and 4,000 for `halfvec`. */
export const VECTOR_INDEX_MAX_DIMS = 2000;
export const HALFVEC_INDEX_MAX_DIMS = 4000;

/** A log-scale activation histogram: `counts[i]` activations fell in [edges[i], edges[i+1]). */
export interface ActivationHistogram {
  edges: number[];
  counts: number[];
}

/** A token the decoder direction promotes or suppresses through the unembedding. */
export interface LogitEffect {
  token: string;
  value: number;
}

/** One latent of a dictionary with its summary evidence. Keyed by (dictionary, index). */
@Entity('features')
export class Feature {
  @PrimaryColumn({ name: 'dictionary_id', type: 'int' })
  dictionaryId!: number;

  @PrimaryColumn({ type: 'int' })
  index!: number;

  /** Decoder row, unit norm, when d_in <= 2,000 (indexed by HNSW per dictionary). */
  @Column({ type: 'vector', nullable: true, select: false })
  decoder!: number[] | null;

  /** Decoder row in half precision, when d_in > 2,000. */
  @Column({ name: 'decoder_half', type: 'halfvec', nullable: true, select: false })
  decoderHalf!: number[] | null;

  /** Fraction of tokens on which the feature fires. */
  @Column({ type: 'real', nullable: true })
  density!: number | null;

  @Column({ name: 'mean_activation', type: 'real', nullable: true })
  meanActivation!: number | null;

  @Column({ name: 'max_activation', type: 'real', nullable: true })
  maxActivation!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  histogram!: ActivationHistogram | null;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  /** Association scores behind the label (tag/genre -> precision, recall, F1). */
  @Column({ name: 'label_scores', type: 'jsonb', nullable: true })
  labelScores!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  logits!: { positive: LogitEffect[]; negative: LogitEffect[] } | null;

  @Column({ name: 'map_x', type: 'real', nullable: true })
  mapX!: number | null;

  @Column({ name: 'map_y', type: 'real', nullable: true })
  mapY!: number | null;

  /** Nearest features of the same dictionary by exact decoder cosine, best first. */
  @Column({ type: 'jsonb', nullable: true })
  neighbors!: FeatureNeighbor[] | null;
}

/** A nearby feature: its index and the cosine between decoder directions. */
export interface FeatureNeighbor {
  index: number;
  cosine: number;
}

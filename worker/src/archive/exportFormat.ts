// The atlas' export folder: everything known about one dictionary in open formats. Field names are the
// database's column names, so the files read like the schema: a feature or example line has exactly the columns
// of @atlas/migrations' featureColumns.ts (the compiler holds the line schemas to that list).
//
//   dictionary.json       the dictionary row, counts, and what the weights folder holds
//   features.jsonl        one feature per line, by index: stats, histogram, label, label_scores, logits, map, neighbors
//   examples.jsonl        one example per line, by (feature_index, kind, bin, rank): token window + activations
//   explanations.jsonl    one explanation per line, by feature
//   links.jsonl           feature-family links touching the dictionary, both directions
//   decoders.safetensors  `decoder` [n_latents, d_in]: row i is feature i's decoder exactly as stored
//   weights/              SAELens folder (cfg.json + sae_weights.safetensors)
import {
  DICTIONARY_STATUSES,
  EXAMPLE_COLUMNS,
  EXAMPLE_KINDS,
  FEATURE_VALUE_COLUMNS,
  SAE_ARCHITECTURES,
  type ColumnName,
} from '@atlas/migrations';
import { z } from 'zod';

export const EXPORT_FORMAT = 'feature-atlas-export';
export const EXPORT_VERSION = 1;
export const DICTIONARY_FILE = 'dictionary.json';
export const FEATURES_FILE = 'features.jsonl';
export const EXAMPLES_FILE = 'examples.jsonl';
export const EXPLANATIONS_FILE = 'explanations.jsonl';
export const LINKS_FILE = 'links.jsonl';
export const DECODERS_FILE = 'decoders.safetensors';
export const DECODER_TENSOR = 'decoder';
export const WEIGHTS_DIR = 'weights';

const json = z.record(z.string(), z.unknown());

export const ExportedDictionary = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exported_at: z.string(),
  dictionary: z.object({
    id: z.number().int(),
    name: z.string(),
    model: z.string().nullable(),
    corpus: z.string().nullable(),
    hook_point: z.string(),
    architecture: z.enum(SAE_ARCHITECTURES),
    d_in: z.number().int().positive(),
    n_latents: z.number().int().positive(),
    k: z.number().int().positive().nullable(),
    l1_coefficient: z.number().nullable(),
    hyperparameters: json,
    metrics: json,
    curves: json,
    status: z.enum(DICTIONARY_STATUSES),
    created_at: z.string(),
    updated_at: z.string(),
  }),
  counts: z.object({
    features: z.number().int().nonnegative(),
    examples: z.number().int().nonnegative(),
    explanations: z.number().int().nonnegative(),
    links: z.number().int().nonnegative(),
  }),
  weights: z.object({
    /** `weights_path`: the dictionary's own SAELens folder, copied; `decoder rows`: W_dec rebuilt from the database. */
    source: z.enum(['weights_path', 'decoder rows']),
    encoder: z.boolean(),
    note: z.string().optional(),
  }),
  decoders: z.object({ tensor: z.string(), dtype: z.enum(['float32', 'float16']) }),
});
export type ExportedDictionary = z.infer<typeof ExportedDictionary>;

const nullableNumber = z.number().nullable();
// jsonb columns keep keys this version does not know (passthrough), so a round trip never drops them.
const logitEffect = z.object({ token: z.string(), value: z.number() }).passthrough();

export const FeatureLine = z.object({
  index: z.number().int().nonnegative(),
  ...({
    density: nullableNumber,
    mean_activation: nullableNumber,
    max_activation: nullableNumber,
    histogram: z
      .object({ edges: z.array(z.number()), counts: z.array(z.number()) })
      .passthrough()
      .nullable(),
    label: z.string().nullable(),
    label_scores: json.nullable(),
    logits: z
      .object({
        positive: z.array(logitEffect),
        negative: z.array(logitEffect),
      })
      .passthrough()
      .nullable(),
    map_x: nullableNumber,
    map_y: nullableNumber,
    neighbors: z.array(z.object({ index: z.number().int(), cosine: z.number() }).passthrough()).nullable(),
  } satisfies Record<ColumnName<typeof FEATURE_VALUE_COLUMNS>, z.ZodType>),
});
export type FeatureLine = z.infer<typeof FeatureLine>;

export const ExampleLine = z.object({
  feature_index: z.number().int().nonnegative(),
  kind: z.enum(EXAMPLE_KINDS),
  bin: z.number().int(),
  rank: z.number().int(),
  max_activation: z.number(),
  doc_index: z.number().int(),
  token_start: z.number().int(),
  max_position: z.number().int(),
  tokens: z.array(z.string()),
  activations: z.array(z.number()),
} satisfies Record<ColumnName<typeof EXAMPLE_COLUMNS>, z.ZodType>);
export type ExampleLine = z.infer<typeof ExampleLine>;

export const ExplanationLine = z.object({
  feature_index: z.number().int().nonnegative(),
  text: z.string(),
  source: z.string(),
  score: nullableNumber,
  author: z.string().nullable(),
  created_at: z.string(),
});

export const LinkLine = z.object({
  direction: z.enum(['out', 'in']),
  /** The other dictionary as it was in the exporting database; matched here by name, hook point and size. */
  other: z.object({ id: z.number().int(), name: z.string(), hook_point: z.string(), n_latents: z.number().int() }),
  feature_index: z.number().int().nonnegative(),
  rank: z.number().int().nonnegative(),
  other_index: z.number().int().nonnegative(),
  cosine: z.number(),
});
export type LinkLine = z.infer<typeof LinkLine>;

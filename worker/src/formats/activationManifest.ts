// The on-disk contract between activation producers (extract, import) and consumers (train, analyse).
// A folder of activation shards carries `manifest.json`; a bare .npy/.safetensors file or a folder of
// .npy shards without a manifest is accepted too, with no provenance.
import { z } from 'zod';

/** Where activations came from. A mismatch here is the most common way such tools show wrong dashboards. */
export const Provenance = z.object({
  /** Model name or path, e.g. `builtin:tiny-brown` or `gpt2`. */
  model: z.string(),
  /** TransformerLens-style hook point, e.g. `blocks.0.mlp.hook_post`. */
  hook: z.string(),
  /** Tokenizer identity: name plus a content hash of tokenizer.json. */
  tokenizer: z.string(),
  contextSize: z.number().int().positive(),
  prependBos: z.boolean(),
  corpus: z.string(),
});
export type Provenance = z.infer<typeof Provenance>;

/** One shard: `acts` [rows, dIn]; optional `tokens` [rows] token ids; `positions` [rows, 2] = (document, token offset). */
export const Shard = z.object({
  acts: z.string(),
  tokens: z.string().optional(),
  positions: z.string().optional(),
  /** Paired extraction: the target hook's rows [rows, target.width], row for row with `acts`. */
  targets: z.string().optional(),
  rows: z.number().int().nonnegative(),
});
export type Shard = z.infer<typeof Shard>;

export const ActivationManifest = z.object({
  format: z.literal('atlas-activations/1'),
  dIn: z.number().int().positive(),
  dtype: z.enum(['float32', 'float16']),
  totalRows: z.number().int().nonnegative(),
  shards: z.array(Shard),
  provenance: Provenance.optional(),
  /**
   * Paired extraction (a transcoder's training data): a second hook read in the same forward pass at the same
   * positions, in each shard's `targets`; `acts` and `provenance.hook` are the input hook.
   */
  target: z.object({ hook: z.string(), width: z.number().int().positive() }).optional(),
});
export type ActivationManifest = z.infer<typeof ActivationManifest>;

export const MANIFEST_FILE = 'manifest.json';

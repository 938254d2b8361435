// What each job type takes: one zod schema per type, checked when the api enqueues a job and again when a worker
// dequeues it (a payload written by an older version must still be understood, or fail with the reason).
import { z } from 'zod';
import type { JobType } from './entities/job.entity.js';
import { SAE_ARCHITECTURES } from './entities/dictionary.entity.js';
import { EVALUATION_KINDS } from './entities/evaluation.entity.js';

const path = z.string().min(1).max(4096);

export const JobPayloads = {
  train: z.object({
    name: z.string().min(1).max(200),
    /** Activation file or folder (engine format). */
    acts: path,
    arch: z.enum(SAE_ARCHITECTURES),
    latents: z.number().int().min(1).max(4_194_304),
    k: z.number().int().min(1).max(4096).optional(),
    l1Coefficient: z.number().positive().optional(),
    tokens: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
  }),
  extract: z.object({
    model: z.string().min(1),
    corpus: z.string().min(1),
    hook: z
      .string()
      .regex(
        /^blocks\.\d+\.(hook_resid_pre|attn\.hook_z|hook_attn_out|hook_resid_mid|ln2\.hook_normalized|mlp\.hook_pre|mlp\.hook_pre_linear|mlp\.hook_post|hook_mlp_out|hook_resid_post)$/,
      ),
    out: path,
    maxTokens: z.number().int().positive().optional(),
    /** Rows per shard: a killed extraction resumes after its last complete shard. */
    shardRows: z.number().int().positive().optional(),
  }),
  analyze: z
    .object({
      dictionaryId: z.number().int().positive(),
      /** 'builtin' (default) or a model folder on the server. */
      model: z.string().min(1).optional(),
      corpus: z.string().min(1).optional(),
      maxTokens: z.number().int().positive().optional(),
      /** Split the corpus into this many token ranges, each its own job, then merge (any worker takes any part). */
      split: z.number().int().min(2).max(64).optional(),
      /** Set by a split job on the jobs it enqueues: this one analyses rows [start, end) into `file`. */
      part: z
        .object({
          parent: z.number().int().positive(),
          index: z.number().int().min(0),
          of: z.number().int().min(2).max(64),
          start: z.number().int().min(0),
          end: z.number().int().positive(),
          file: path,
        })
        .refine((p) => p.index < p.of && p.start < p.end, 'part needs index < of and start < end')
        .optional(),
      /** Set on the job the last part enqueues: merge the parts' files and ingest. */
      merge: z.object({ parent: z.number().int().positive(), files: z.array(path).min(2).max(64) }).optional(),
    })
    .refine((p) => [p.split, p.part, p.merge].filter((x) => x !== undefined).length <= 1, {
      message: 'an analyze job is a split, a part or a merge, not several; give at most one of them',
    }),
  import: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('sae'),
      /** SAELens or sparsify folder on the server's disk. */
      path,
      model: z.string().min(1),
      corpus: z.string().min(1).optional(),
      maxTokens: z.number().int().positive().optional(),
    }),
    z.object({
      kind: z.literal('activations'),
      /** .npy or .safetensors activations, and their token ids (.npy or .json, [rows] or [sequences, seq_len]). */
      acts: path,
      tokens: path,
      out: path,
    }),
  ]),
  export: z.object({
    dictionaryId: z.number().int().positive(),
    out: path,
  }),
  evaluate: z.object({
    dictionaryId: z.number().int().positive(),
    /** Kinds to run (default: all); each kind's earlier rows are replaced. */
    only: z.array(z.enum(EVALUATION_KINDS)).min(1).optional(),
    /** Also write SAEBench-layout JSON to this file on the worker's disk. */
    out: path.optional(),
    /** The held-out slice (default: the evaluation's: 100 documents × 320 tokens). */
    documents: z.number().int().positive().optional(),
    tokensPerDocument: z.number().int().positive().optional(),
  }),
  graph: z.object({
    /** The atlas model's name (its weights_path is loaded), or a model folder on the worker ('builtin'). */
    modelName: z.string().min(1).max(4096),
    prompt: z.string().min(1).max(100_000),
    /** Default: the prompt. */
    title: z.string().min(1).max(500).optional(),
    /** One transcoder dictionary per layer, in layer order; absent: the model's ingested transcoder set. */
    transcoderIds: z.array(z.number().int().positive()).min(1).max(1024).optional(),
    /** Shares of influence kept, in (0, 1] (defaults: circuit-tracer's 0.8 and 0.98). */
    nodeThreshold: z.number().gt(0).lte(1).optional(),
    edgeThreshold: z.number().gt(0).lte(1).optional(),
    maxFeatureNodes: z.number().int().min(1).max(1_000_000).optional(),
  }),
} satisfies Record<JobType, z.ZodTypeAny>;

export type JobPayload<T extends JobType> = z.infer<(typeof JobPayloads)[T]>;

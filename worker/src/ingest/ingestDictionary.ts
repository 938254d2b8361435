// Bulk ingest of a dictionary's features and examples: through the engine's bulk loader (COPY on PostgreSQL,
// unnest on the embedded database) into staging tables, then one short swap transaction. Rows go in chunks in
// feature-index order, examples of a chunk before its features, so an interrupted ingest resumes after the last
// chunk whose features landed.
import {
  createStaging,
  type AnalysisClaim,
  DICTIONARY_ID_COLUMN,
  EXAMPLE_COLUMNS,
  FEATURE_TOKEN_COLUMNS,
  FEATURE_VALUE_COLUMNS,
  featureLoadColumns,
  foldToken,
  stagingName,
  swapIn,
  type BulkColumn,
  type BulkLoader,
  type ExampleKind,
  type LogitEffect,
} from '@atlas/migrations';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

export interface FeatureRecord {
  index: number;
  /** Decoder row [d_in]; null where only the dashboards were imported (a Neuronpedia export without weights). */
  decoder: Float32Array | null;
  density: number;
  meanActivation: number;
  maxActivation: number;
  histogram: { edges: number[]; counts: number[] } | null;
  label: string | null;
  labelScores: Record<string, unknown> | null;
  logits: { positive: LogitEffect[]; negative: LogitEffect[] } | null;
  mapX: number | null;
  mapY: number | null;
  /** Nearest features of the same dictionary (exact cosine), best first. */
  neighbors: { index: number; cosine: number }[] | null;
}

export interface ExampleRecord {
  featureIndex: number;
  kind: ExampleKind;
  bin: number;
  rank: number;
  maxActivation: number;
  docIndex: number;
  tokenStart: number;
  maxPosition: number;
  tokens: string[];
  activations: number[];
}

export interface IngestTarget {
  dataSource: DataSource;
  bulkLoader: BulkLoader;
}

export interface IngestProgress {
  features: number;
  examples: number;
  totalFeatures: number;
}

export interface IngestOptions {
  /** Continue a staging load left by an interrupted run instead of starting over. */
  resume?: boolean;
  /** Features per chunk. */
  chunk?: number;
  onProgress?: (p: IngestProgress) => void;
  /** The analysis claim the swap is fenced on: if it was lost, nothing is published. */
  fence?: AnalysisClaim;
}

// The column lists are @atlas/migrations' (featureColumns.ts); each row below is built in their order.
const EXAMPLE_LOAD_COLUMNS: BulkColumn[] = [DICTIONARY_ID_COLUMN, ...EXAMPLE_COLUMNS];
const TOKEN_LOAD_COLUMNS: BulkColumn[] = [DICTIONARY_ID_COLUMN, ...FEATURE_TOKEN_COLUMNS];

/** Inverted-index rows of one feature: each distinct peak token of its top examples, with its strongest activation. */
export function peakTokens(dictionaryId: number, featureIndex: number, examples: ExampleRecord[]): unknown[][] {
  const byToken = new Map<string, { max: number; n: number }>();
  for (const e of examples) {
    if (e.kind !== 'top') continue;
    const token = e.tokens[e.maxPosition];
    if (token === undefined) continue;
    const seen = byToken.get(token);
    if (!seen) byToken.set(token, { max: e.maxActivation, n: 1 });
    else {
      seen.n++;
      seen.max = Math.max(seen.max, e.maxActivation);
    }
  }
  return [...byToken.entries()].map(([token, v]) => {
    const row = { tokenKey: foldToken(token), featureIndex, token, maxActivation: v.max, examples: v.n };
    return [dictionaryId, ...FEATURE_TOKEN_COLUMNS.map((c) => row[c.field])];
  });
}

async function withClient<T>(dataSource: DataSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    return await work(client);
  } finally {
    await runner.release();
  }
}

/**
 * Load every feature (in index order) with its examples and swap them in. `examplesOf(index)` gives a feature's
 * examples; `features` may be a (sync or async) generator so a large dictionary never sits in memory whole.
 */
export async function ingestDictionary(
  target: IngestTarget,
  dictionary: { id: number; dIn: number; nLatents: number },
  features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  examplesOf: (index: number) => ExampleRecord[],
  options: IngestOptions = {},
): Promise<IngestProgress> {
  const { id, dIn } = dictionary;
  const chunk = options.chunk ?? 1000;
  const fCols = featureLoadColumns(dIn);
  return withClient(target.dataSource, async (client) => {
    const stagedFeatures = stagingName('features', id);
    const stagedExamples = stagingName('feature_examples', id);
    let resumeAfter = -1;
    const staged = (await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [stagedFeatures])).rows[0]
      .present as boolean;
    if (options.resume && staged) {
      resumeAfter = (await client.query(`SELECT coalesce(max(index), -1) AS m FROM ${stagedFeatures}`)).rows[0].m;
      // Examples and tokens of a chunk whose features did not land are dropped and loaded again.
      await client.query(`DELETE FROM ${stagedExamples} WHERE feature_index > $1`, [resumeAfter]);
      await client.query(`DELETE FROM ${stagingName('feature_tokens', id)} WHERE feature_index > $1`, [resumeAfter]);
    } else await createStaging(client, id, { when: target.bulkLoader.stagingIndexes, dIn });

    const progress: IngestProgress = { features: 0, examples: 0, totalFeatures: dictionary.nLatents };
    const stagedTokens = stagingName('feature_tokens', id);
    let fRows: unknown[][] = [];
    let eRows: unknown[][] = [];
    let tRows: unknown[][] = [];
    const flush = async () => {
      if (eRows.length) await target.bulkLoader.load(client, stagedExamples, EXAMPLE_LOAD_COLUMNS, eRows);
      if (tRows.length) await target.bulkLoader.load(client, stagedTokens, TOKEN_LOAD_COLUMNS, tRows);
      if (fRows.length) await target.bulkLoader.load(client, stagedFeatures, fCols, fRows);
      progress.examples += eRows.length;
      progress.features += fRows.length;
      fRows = [];
      eRows = [];
      tRows = [];
      options.onProgress?.({ ...progress });
    };
    for await (const f of features) {
      if (f.index <= resumeAfter) {
        progress.features++;
        continue;
      }
      if (f.decoder && f.decoder.length !== dIn)
        throw new RangeError(`feature ${f.index}: decoder has ${f.decoder.length} values, dictionary d_in is ${dIn}`);
      fRows.push([id, f.index, f.decoder, ...FEATURE_VALUE_COLUMNS.map((c) => f[c.field])]);
      const examples = examplesOf(f.index);
      tRows.push(...peakTokens(id, f.index, examples));
      for (const e of examples) eRows.push([id, ...EXAMPLE_COLUMNS.map((c) => e[c.field])]);
      if (fRows.length >= chunk) await flush();
    }
    await flush();
    await swapIn(client, id, dIn, target.bulkLoader.stagingIndexes, options.fence);
    return progress;
  });
}

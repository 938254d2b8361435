// One set of DataLoaders per request: a page of features asks for its examples, links and neighbours in a
// constant number of statements instead of one per feature.
import {
  dictionaryScope,
  graphEdgesOf,
  graphNodesOf,
  graphSummariesByIds,
  type Dictionary,
  type GraphEdgeRecord,
  type GraphSummary,
  type Job,
  type StoredGraphNode,
} from '@atlas/migrations';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { dictionariesByIds, firingCounts, type AnalysedTokens } from '../services/dictionaryService.js';
import {
  evaluationsByDictionaryIds,
  heldOutLabelScoresByKeys,
  type EvaluationRow,
  type HeldOutLabelScoreRow,
} from '../services/evaluationService.js';
import {
  examplesByKeys,
  explanationsByKeys,
  featuresByKeys,
  linksByKeys,
  type ExampleRow,
} from '../services/features/featureBatches.js';
import type { FeatureKey, FeatureRow } from '../services/features/featureRow.js';
import { jobLogsByIds, latestJobsOfDictionaries, type JobLogRow } from '../services/jobService.js';
import { modelNamesByIds } from '../services/modelService.js';
import { graphCounts, graphsOfFeatures } from '../services/graphService.js';
import { itemsOfLists, listsByIds, type ListItemRow, type ListRow } from '../services/listService.js';
import { ReadScopes } from '../responseCache/readScopes.js';
import type { ImmutablePartsCache } from '../responseCache/immutablePartsCache.js';
import type { VersionSnapshot } from '../responseCache/readVersionWatch.js';

/** The process's parts cache and the versions this request was stamped with (see ImmutablePartsCache). */
export interface ImmutableParts {
  cache: ImmutablePartsCache;
  versions: VersionSnapshot;
}

/** Most examples any one request may read per feature and kind. */
export const MAX_EXAMPLES = 50;

const keyOf = (k: FeatureKey) => `${k.dictionaryId}:${k.index}`;

/** A job's newest `last` log lines. */
export interface JobLogsKey {
  jobId: number;
  last: number;
}

/** One statement per distinct `last` (a list of jobs asks with one value): never one per job. */
async function jobLogsByKeys(ds: DataSource, keys: readonly JobLogsKey[]): Promise<JobLogRow[][]> {
  const byLast = new Map<number, number[]>();
  for (const k of keys) byLast.set(k.last, [...(byLast.get(k.last) ?? []), k.jobId]);
  const found = new Map<string, JobLogRow[]>();
  for (const [last, ids] of byLast) {
    const unique = [...new Set(ids)];
    const lines = await jobLogsByIds(ds, unique, last);
    unique.forEach((id, i) => found.set(`${id}:${last}`, lines[i]));
  }
  return keys.map((k) => found.get(`${k.jobId}:${k.last}`)!);
}

/**
 * `reads` learns every dictionary (and explanations, and the atlas) a batch asks about, whatever the batch finds:
 * the response cache keys the answer by their versions.
 */
export function createLoaders(ds: DataSource, reads: ReadScopes = new ReadScopes(), parts?: ImmutableParts) {
  /** A batch that takes what the parts cache holds at each key's dictionary version and stores what it reads. */
  const throughParts =
    <K, T>(
      kind: string,
      dictionaryOf: (k: K) => number,
      idOf: (k: K) => string,
      batch: (keys: readonly K[]) => Promise<T[]>,
    ) =>
    async (keys: readonly K[]): Promise<T[]> => {
      if (!parts) return batch(keys);
      const versionOf = (k: K) => parts.versions.versions.get(dictionaryScope(dictionaryOf(k)));
      const found = keys.map((k) => parts.cache.get<T>(kind, idOf(k), versionOf(k)));
      const missing = keys.filter((_, i) => found[i] === undefined);
      if (!missing.length) return found as T[];
      const loaded = await batch(missing);
      let j = 0;
      return found.map((v, i) => {
        if (v !== undefined) return v;
        const value = loaded[j++];
        if (value !== undefined) parts.cache.set(kind, idOf(keys[i]), versionOf(keys[i]), value);
        return value;
      });
    };
  const featureParts = <T>(kind: string, batch: (keys: readonly FeatureKey[]) => Promise<T[]>) =>
    throughParts(kind, (k: FeatureKey) => k.dictionaryId, keyOf, batch);
  const ofDictionaries =
    <T>(batch: (ids: readonly number[]) => Promise<T>) =>
    (ids: readonly number[]) => {
      for (const id of ids) reads.dictionary(id);
      return batch(ids);
    };
  const ofFeatures =
    <K extends { dictionaryId: number }, T>(batch: (keys: readonly K[]) => Promise<T>) =>
    (keys: readonly K[]) => {
      for (const k of keys) reads.dictionary(k.dictionaryId);
      return batch(keys);
    };
  const ofAtlas =
    <K, T>(batch: (keys: readonly K[]) => Promise<T>) =>
    (keys: readonly K[]) => {
      reads.atlas();
      return batch(keys);
    };
  const ofLists =
    <T>(batch: (ids: readonly number[]) => Promise<T>) =>
    (ids: readonly number[]) => {
      for (const id of ids) reads.list(id);
      return batch(ids);
    };
  return {
    dictionary: new DataLoader<number, Dictionary | undefined>(
      ofDictionaries(
        throughParts(
          'dictionary',
          (id: number) => id,
          String,
          (ids) => dictionariesByIds(ds, ids),
        ),
      ),
    ),
    modelName: new DataLoader<number, string | null>(ofAtlas((ids) => modelNamesByIds(ds, ids))),
    /** Each dictionary's newest job: one statement for a whole list of dictionaries. */
    latestJob: new DataLoader<number, Job | null>((ids) => {
      reads.all(); // jobs carry no read version (the policy keeps them out of the cache anyway)
      return latestJobsOfDictionaries(ds, ids);
    }),
    /** Never-fired and rare features of a list of dictionaries: one statement. */
    firingCounts: new DataLoader<AnalysedTokens, { neverFired: number; rarelyFired: number | null }, string>(
      ofFeatures((keys) => firingCounts(ds, keys)),
      { cacheKeyFn: (k) => `${k.dictionaryId}:${k.tokens}` },
    ),
    feature: new DataLoader<FeatureKey, FeatureRow | undefined, string>(
      ofFeatures(featureParts('feature', (keys) => featuresByKeys(ds, keys))),
      {
        cacheKeyFn: keyOf,
      },
    ),
    topExamples: new DataLoader<FeatureKey, ExampleRow[], string>(
      ofFeatures(featureParts('top', (keys) => examplesByKeys(ds, keys, 'top', MAX_EXAMPLES))),
      { cacheKeyFn: keyOf },
    ),
    quantileExamples: new DataLoader<FeatureKey, ExampleRow[], string>(
      ofFeatures(featureParts('quantile', (keys) => examplesByKeys(ds, keys, 'quantile', MAX_EXAMPLES))),
      { cacheKeyFn: keyOf },
    ),
    links: new DataLoader(ofFeatures(featureParts('links', (keys: readonly FeatureKey[]) => linksByKeys(ds, keys))), {
      cacheKeyFn: keyOf,
    }),
    explanations: new DataLoader(
      (keys: readonly FeatureKey[]) => {
        for (const k of keys) reads.featureExplanations(k.dictionaryId, k.index);
        return explanationsByKeys(ds, keys);
      },
      { cacheKeyFn: keyOf },
    ),
    /** Each dictionary's evaluation rows: one statement for a whole comparison. */
    evaluations: new DataLoader<number, EvaluationRow[]>(ofDictionaries((ids) => evaluationsByDictionaryIds(ds, ids))),
    heldOutLabelScores: new DataLoader<FeatureKey, HeldOutLabelScoreRow[], string>(
      ofFeatures((keys) => heldOutLabelScoresByKeys(ds, keys)),
      { cacheKeyFn: keyOf },
    ),
    jobLogs: new DataLoader<JobLogsKey, JobLogRow[], string>(
      (keys) => {
        reads.all(); // jobs carry no read version (the policy keeps them out of the cache anyway)
        return jobLogsByKeys(ds, keys);
      },
      {
        cacheKeyFn: (k) => `${k.jobId}:${k.last}`,
      },
    ),
    /** Attribution graphs by id, their nodes, edges and counts, and the graphs of features: one statement each per list. */
    graph: new DataLoader<number, GraphSummary | undefined>(ofAtlas((ids) => graphSummariesByIds(ds, ids))),
    graphNodes: new DataLoader<number, StoredGraphNode[]>(ofAtlas((ids) => graphNodesOf(ds, ids))),
    graphEdges: new DataLoader<number, GraphEdgeRecord[]>(ofAtlas((ids) => graphEdgesOf(ds, ids))),
    graphCounts: new DataLoader<number, { nodes: number; edges: number }>(ofAtlas((ids) => graphCounts(ds, ids))),
    featureGraphs: new DataLoader<FeatureKey, GraphSummary[], string>(
      ofFeatures(ofAtlas((keys) => graphsOfFeatures(ds, keys))),
      {
        cacheKeyFn: keyOf,
      },
    ),
    /** Feature lists by id and their items in order: one statement each per request. */
    list: new DataLoader<number, ListRow | undefined>(ofLists((ids) => listsByIds(ds, ids))),
    listItems: new DataLoader<number, ListItemRow[]>(ofLists((ids) => itemsOfLists(ds, ids))),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

// One set of DataLoaders per request: a page of features asks for its examples, links and neighbours in a
// constant number of statements instead of one per feature.
import { Dictionary, Job, Model } from '@atlas/migrations';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import {
  examplesByKeys,
  explanationsByKeys,
  featuresByKeys,
  linksByKeys,
  type ExampleRow,
  type FeatureKey,
  type FeatureRow,
} from '../services/featureService.js';
import { firingCounts, type AnalysedTokens } from '../services/dictionaryService.js';
import { jobLogsByIds, type JobLogRow } from '../services/jobService.js';

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

export function createLoaders(ds: DataSource) {
  return {
    dictionary: new DataLoader<number, Dictionary | undefined>(async (ids) => {
      const rows = await ds.getRepository(Dictionary).findBy({ id: In([...ids]) });
      const byId = new Map(rows.map((d) => [d.id, d]));
      return ids.map((id) => byId.get(id));
    }),
    modelName: new DataLoader<number, string | null>(async (ids) => {
      const rows = await ds.getRepository(Model).findBy({ id: In([...ids]) });
      const byId = new Map(rows.map((m) => [m.id, m.name]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Each dictionary's newest job: one statement for a whole list of dictionaries. */
    latestJob: new DataLoader<number, Job | null>(async (ids) => {
      const rows = await ds
        .getRepository(Job)
        .createQueryBuilder('j')
        .distinctOn(['j.dictionary_id'])
        .where('j.dictionary_id IN (:...ids)', { ids: [...ids] })
        .orderBy('j.dictionary_id')
        .addOrderBy('j.id', 'DESC')
        .getMany();
      const byId = new Map(rows.map((j) => [j.dictionaryId, j]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Never-fired and rare features of a list of dictionaries: one statement. */
    firingCounts: new DataLoader<AnalysedTokens, { neverFired: number; rarelyFired: number | null }, string>(
      (keys) => firingCounts(ds, keys),
      { cacheKeyFn: (k) => `${k.dictionaryId}:${k.tokens}` },
    ),
    feature: new DataLoader<FeatureKey, FeatureRow | undefined, string>((keys) => featuresByKeys(ds, keys), {
      cacheKeyFn: keyOf,
    }),
    topExamples: new DataLoader<FeatureKey, ExampleRow[], string>(
      (keys) => examplesByKeys(ds, keys, 'top', MAX_EXAMPLES),
      { cacheKeyFn: keyOf },
    ),
    quantileExamples: new DataLoader<FeatureKey, ExampleRow[], string>(
      (keys) => examplesByKeys(ds, keys, 'quantile', MAX_EXAMPLES),
      { cacheKeyFn: keyOf },
    ),
    links: new DataLoader((keys: readonly FeatureKey[]) => linksByKeys(ds, keys), { cacheKeyFn: keyOf }),
    explanations: new DataLoader((keys: readonly FeatureKey[]) => explanationsByKeys(ds, keys), { cacheKeyFn: keyOf }),
    jobLogs: new DataLoader<JobLogsKey, JobLogRow[], string>((keys) => jobLogsByKeys(ds, keys), {
      cacheKeyFn: (k) => `${k.jobId}:${k.last}`,
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

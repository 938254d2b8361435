// One set of DataLoaders per request: a page of features asks for its examples, links and neighbours in a
// constant number of statements instead of one per feature.
import { Dictionary } from '@atlas/migrations';
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

/** Most examples any one request may read per feature and kind. */
export const MAX_EXAMPLES = 50;

const keyOf = (k: FeatureKey) => `${k.dictionaryId}:${k.index}`;

export function createLoaders(ds: DataSource) {
  return {
    dictionary: new DataLoader<number, Dictionary | undefined>(async (ids) => {
      const rows = await ds.getRepository(Dictionary).findBy({ id: In([...ids]) });
      const byId = new Map(rows.map((d) => [d.id, d]));
      return ids.map((id) => byId.get(id));
    }),
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
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

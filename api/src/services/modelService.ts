// Models (the networks whose activations dictionaries decode) as the api reads them.
import { Model } from '@atlas/migrations';
import { In, type DataSource } from 'typeorm';

/** Model names by id in one statement, in id order (null where absent): the modelName loader's batch. */
export async function modelNamesByIds(ds: DataSource, ids: readonly number[]): Promise<(string | null)[]> {
  const rows = await ds.getRepository(Model).findBy({ id: In([...ids]) });
  const byId = new Map(rows.map((m) => [m.id, m.name]));
  return ids.map((id) => byId.get(id) ?? null);
}

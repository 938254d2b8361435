// Feature lists (issue 21): all their SQL. Reads are batched by the request's loaders; each write is one statement,
// or one transaction where it must read before it writes (the next position, a reorder's check).
import type { ListVisibility } from '@atlas/migrations';
import type { DataSource, EntityManager } from 'typeorm';

export interface ListRow {
  id: number;
  name: string;
  description: string;
  visibility: ListVisibility;
  ownerKeyId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ListItemRow {
  id: number;
  listId: number;
  dictionaryId: number;
  featureIndex: number;
  note: string;
  position: number;
  addedAt: Date;
}

const LIST_COLUMNS = `id, name, description, visibility, owner_key_id, created_at, updated_at`;
const ITEM_COLUMNS = `id, list_id, dictionary_id, feature_index, note, position, added_at`;

type Raw = Record<string, unknown>;

function toList(r: Raw): ListRow {
  return {
    id: r.id as number,
    name: r.name as string,
    description: r.description as string,
    visibility: r.visibility as ListVisibility,
    ownerKeyId: r.owner_key_id as number | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function toItem(r: Raw): ListItemRow {
  return {
    id: r.id as number,
    listId: r.list_id as number,
    dictionaryId: r.dictionary_id as number,
    featureIndex: r.feature_index as number,
    note: r.note as string,
    position: r.position as number,
    addedAt: r.added_at as Date,
  };
}

/** Lists newest first; key-only ones only when `withKeyOnly`; only those a key made when `ownedBy` names it. */
export async function listLists(
  ds: DataSource,
  withKeyOnly: boolean,
  first: number,
  ownedBy: number | null = null,
): Promise<ListRow[]> {
  const rows = (await ds.query(
    `SELECT ${LIST_COLUMNS} FROM feature_lists WHERE ($1 OR visibility = 'public') AND ($3::int IS NULL OR owner_key_id = $3)
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [withKeyOnly, first, ownedBy],
  )) as Raw[];
  return rows.map(toList);
}

/** Lists by id, in the order asked (undefined where none). */
export async function listsByIds(ds: DataSource, ids: readonly number[]): Promise<(ListRow | undefined)[]> {
  const rows = (
    (await ds.query(`SELECT ${LIST_COLUMNS} FROM feature_lists WHERE id = ANY($1::int[])`, [[...ids]])) as Raw[]
  ).map(toList);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id));
}

/** Each list's items in list order: one statement for many lists. */
export async function itemsOfLists(ds: DataSource, ids: readonly number[]): Promise<ListItemRow[][]> {
  const rows = (
    (await ds.query(
      `SELECT ${ITEM_COLUMNS} FROM feature_list_items WHERE list_id = ANY($1::int[]) ORDER BY list_id, position, id`,
      [[...ids]],
    )) as Raw[]
  ).map(toItem);
  const byList = new Map<number, ListItemRow[]>();
  for (const r of rows) byList.set(r.listId, [...(byList.get(r.listId) ?? []), r]);
  return ids.map((id) => byList.get(id) ?? []);
}

export async function createList(
  ds: DataSource,
  list: { name: string; description: string; visibility: ListVisibility; ownerKeyId: number },
): Promise<ListRow> {
  const [row] = (await ds.query(
    `INSERT INTO feature_lists (name, description, visibility, owner_key_id) VALUES ($1, $2, $3, $4) RETURNING ${LIST_COLUMNS}`,
    [list.name, list.description, list.visibility, list.ownerKeyId],
  )) as Raw[];
  return toList(row);
}

/** Change what is given; undefined when there is no such list. */
export async function updateList(
  ds: DataSource,
  id: number,
  change: { name?: string; description?: string; visibility?: ListVisibility },
): Promise<ListRow | undefined> {
  const [rows] = (await ds.query(
    `UPDATE feature_lists SET name = coalesce($2, name), description = coalesce($3, description),
       visibility = coalesce($4, visibility), updated_at = now()
     WHERE id = $1 RETURNING ${LIST_COLUMNS}`,
    [id, change.name ?? null, change.description ?? null, change.visibility ?? null],
  )) as [Raw[], number];
  return rows[0] && toList(rows[0]);
}

/** The list row, locked for this transaction's writes to its items; undefined when there is none. */
async function lockList(m: EntityManager, id: number): Promise<boolean> {
  const rows = (await m.query(`SELECT id FROM feature_lists WHERE id = $1 FOR UPDATE`, [id])) as Raw[];
  return rows.length > 0;
}

async function touch(m: EntityManager, id: number): Promise<void> {
  await m.query(`UPDATE feature_lists SET updated_at = now() WHERE id = $1`, [id]);
}

/**
 * Add a feature at the end of a list, or, when it is already there, set its note. False when there is no such
 * list.
 */
export function addToList(
  ds: DataSource,
  listId: number,
  feature: { dictionaryId: number; index: number },
  note: string,
): Promise<boolean> {
  return ds.transaction(async (m) => {
    if (!(await lockList(m, listId))) return false;
    await m.query(
      `INSERT INTO feature_list_items (list_id, dictionary_id, feature_index, note, position)
       SELECT $1, $2, $3, $4, coalesce(max(position) + 1, 0) FROM feature_list_items WHERE list_id = $1
       ON CONFLICT (list_id, dictionary_id, feature_index) DO UPDATE SET note = excluded.note`,
      [listId, feature.dictionaryId, feature.index, note],
    );
    await touch(m, listId);
    return true;
  });
}

/** Remove one item; false when the list holds no item of that id. */
export function removeFromList(ds: DataSource, listId: number, itemId: number): Promise<boolean> {
  return ds.transaction(async (m) => {
    const [rows] = (await m.query(`DELETE FROM feature_list_items WHERE list_id = $1 AND id = $2 RETURNING id`, [
      listId,
      itemId,
    ])) as [Raw[], number];
    if (rows.length === 0) return false;
    await touch(m, listId);
    return true;
  });
}

/** Why a reorder was refused: the list is gone, or the ids are not exactly its items'. */
export type ReorderRefusal = { missing: true } | { missing: false; current: number[] };

/** Put the items in `itemIds` order, which must name each item of the list once. */
export function reorderList(ds: DataSource, listId: number, itemIds: number[]): Promise<ReorderRefusal | undefined> {
  return ds.transaction(async (m) => {
    if (!(await lockList(m, listId))) return { missing: true };
    const current = (
      (await m.query(`SELECT id FROM feature_list_items WHERE list_id = $1 ORDER BY position, id`, [listId])) as Raw[]
    ).map((r) => r.id as number);
    const asked = new Set(itemIds);
    if (asked.size !== itemIds.length || current.length !== itemIds.length || current.some((id) => !asked.has(id)))
      return { missing: false, current };
    await m.query(
      `UPDATE feature_list_items i SET position = o.ord - 1
       FROM unnest($2::int[]) WITH ORDINALITY AS o(id, ord) WHERE i.id = o.id AND i.list_id = $1`,
      [listId, itemIds],
    );
    await touch(m, listId);
    return undefined;
  });
}

/** Delete a list and its items; false when there was none. */
export async function deleteList(ds: DataSource, id: number): Promise<boolean> {
  const [rows] = (await ds.query(`DELETE FROM feature_lists WHERE id = $1 RETURNING id`, [id])) as [Raw[], number];
  return rows.length > 0;
}

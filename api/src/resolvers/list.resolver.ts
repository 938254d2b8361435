// Feature lists (issue 21): read (key-only lists only by callers with a key), written by callers with a key, and
// exported as JSON. A list's items resolve their features and dictionaries through the request's loaders, so a
// list page costs a constant number of statements; every read records the list's read-version scope.
import type { Dictionary as DictionaryRow, ListVisibility } from '@atlas/migrations';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Dictionary } from '../schema/dictionary.type.js';
import { Feature } from '../schema/feature.type.js';
import { FeatureList, FeatureListItem, ListVisibilityValue } from '../schema/list.type.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { MAX_ID } from '../services/globalId.js';
import {
  addToList,
  createList,
  deleteList,
  listLists,
  removeFromList,
  reorderList,
  updateList,
  type ListItemRow,
  type ListRow,
} from '../services/listService.js';
import { requireDictionary, requireRange } from './arguments.js';
import { MAX_PAGE } from './feature.resolver.js';
import { requireKey } from './requireKey.js';

/** Bounds of what a person writes. */
const MAX_NAME = 200;
const MAX_DESCRIPTION = 5_000;
const MAX_NOTE = 2_000;
/** Most items one list holds: a reorder names them all in one argument. */
export const MAX_LIST_ITEMS = 1_000;

function parseNumericId(id: string, argument: string, what: string, fix: string): number {
  if (!/^\d{1,10}$/.test(id) || Number(id) > MAX_ID)
    throw new PublicError('BAD_USER_INPUT', `${argument} "${id}" is not ${what} id; ${fix}`);
  return Number(id);
}

const parseListId = (id: string, argument = 'listId') =>
  parseNumericId(id, argument, 'a list', 'list them with { lists { id name } }.');

/** Trimmed text within bounds, or BAD_USER_INPUT naming the argument. */
function requireText(name: string, value: string, min: number, max: number): string {
  const clean = value.trim();
  if (clean.length < min || clean.length > max)
    throw new PublicError(
      'BAD_USER_INPUT',
      `${name} must be ${min} to ${max.toLocaleString('en')} characters (got ${clean.length}).`,
    );
  return clean;
}

/** Whether this caller may see key-only lists: a valid key (reads never fail over a bad one). */
async function seesKeyOnly(ctx: Context): Promise<boolean> {
  return (await ctx.apiKey()).status === 'ok';
}

/** A list this caller may see, or NOT_FOUND (a key-only list is not found without a key, so ids reveal nothing). */
async function requireVisibleList(ctx: Context, id: number): Promise<ListRow> {
  const list = await ctx.loaders.list.load(id);
  if (!list || (list.visibility === 'key' && !(await seesKeyOnly(ctx))))
    throw new PublicError('NOT_FOUND', `no list ${id}; list them with { lists { id name } }.`);
  return list;
}

/** A list the caller's key may change: the key that made it (a list made before owners were kept has none, and
 *  any key may change it). Others read a public list but do not write it. */
async function requireOwnList(ctx: Context, id: number): Promise<ListRow> {
  const key = await requireKey(ctx);
  const list = await requireVisibleList(ctx, id);
  if (list.ownerKeyId !== null && list.ownerKeyId !== key.id)
    throw new PublicError(
      'FORBIDDEN',
      `list ${id} belongs to another API key: only the key that made it may change it; make your own with createList.`,
    );
  return list;
}

/** The list as written just now: this request's loaders forget what they read of it before the write. */
async function reloaded(ctx: Context, id: number): Promise<ListRow> {
  ctx.loaders.list.clear(id);
  ctx.loaders.listItems.clear(id);
  return requireVisibleList(ctx, id);
}

/** The export's shape: what a person needs to find each feature again in any atlas. */
export interface ListExport {
  name: string;
  description: string;
  visibility: ListVisibility;
  items: {
    model: string | null;
    dictionary: string;
    dictionaryId: number;
    index: number;
    label: string | null;
    note: string;
  }[];
}

@Resolver(() => FeatureList)
export class ListResolver {
  @Query(() => [FeatureList], {
    description: 'Feature lists, newest first: public ones, and key-only ones when the caller sends an API key.',
  })
  async lists(
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<ListRow[]> {
    requireRange('first', first, 1, MAX_PAGE);
    ctx.reads.lists();
    return listLists(ctx.dataSource, await seesKeyOnly(ctx), first);
  }

  @Query(() => FeatureList, {
    nullable: true,
    description: 'A feature list by its id; null when there is none or it is key-only and the caller sent no key.',
  })
  async list(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ListRow | null> {
    const list = await ctx.loaders.list.load(parseListId(id, 'id'));
    if (!list || (list.visibility === 'key' && !(await seesKeyOnly(ctx)))) return null;
    return list;
  }

  @FieldResolver(() => [FeatureListItem], { description: 'The features, in list order.' })
  items(@Root() l: ListRow, @Ctx() ctx: Context): Promise<ListItemRow[]> {
    return ctx.loaders.listItems.load(l.id);
  }

  @FieldResolver(() => Int)
  async itemCount(@Root() l: ListRow, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.listItems.load(l.id)).length;
  }

  @FieldResolver(() => String, {
    description:
      'The list as JSON, to save or share: name, description, visibility and items (model, dictionary name and id, feature index, label, note) in order.',
  })
  async exportJson(@Root() l: ListRow, @Ctx() ctx: Context): Promise<string> {
    const items = await ctx.loaders.listItems.load(l.id);
    const [dictionaries, features] = await Promise.all([
      ctx.loaders.dictionary.loadMany(items.map((i) => i.dictionaryId)),
      ctx.loaders.feature.loadMany(items.map((i) => ({ dictionaryId: i.dictionaryId, index: i.featureIndex }))),
    ]);
    const models = await Promise.all(
      dictionaries.map((d) =>
        d && !(d instanceof Error) && d.modelId != null ? ctx.loaders.modelName.load(d.modelId) : null,
      ),
    );
    const out: ListExport = {
      name: l.name,
      description: l.description,
      visibility: l.visibility,
      items: items.map((item, i) => {
        const d = dictionaries[i];
        const f = features[i];
        return {
          model: models[i],
          dictionary: d && !(d instanceof Error) ? d.name : '',
          dictionaryId: item.dictionaryId,
          index: item.featureIndex,
          label: f && !(f instanceof Error) ? f.label : null,
          note: item.note,
        };
      }),
    };
    return JSON.stringify(out, null, 2);
  }

  @Mutation(() => FeatureList, { description: 'Make a feature list. Needs an API key.' })
  async createList(
    @Arg('name', () => String) name: string,
    @Arg('description', () => String, { nullable: true }) description: string | null | undefined,
    @Arg('visibility', () => ListVisibilityValue, { nullable: true }) visibility: ListVisibility | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ListRow> {
    const key = await requireKey(ctx);
    return createList(ctx.dataSource, {
      name: requireText('name', name, 1, MAX_NAME),
      description: requireText('description', description ?? '', 0, MAX_DESCRIPTION),
      visibility: visibility ?? 'public',
      ownerKeyId: key.id,
    });
  }

  @Mutation(() => FeatureList, {
    description:
      "Change a list's name, description or visibility (what is given). Needs the API key that made the list.",
  })
  async updateList(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | null | undefined,
    @Arg('description', () => String, { nullable: true }) description: string | null | undefined,
    @Arg('visibility', () => ListVisibilityValue, { nullable: true }) visibility: ListVisibility | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ListRow> {
    await requireKey(ctx);
    const listId = parseListId(id, 'id');
    await requireOwnList(ctx, listId);
    const updated = await updateList(ctx.dataSource, listId, {
      name: name == null ? undefined : requireText('name', name, 1, MAX_NAME),
      description: description == null ? undefined : requireText('description', description, 0, MAX_DESCRIPTION),
      visibility: visibility ?? undefined,
    });
    if (!updated) throw new PublicError('NOT_FOUND', `no list ${listId}; list them with { lists { id name } }.`);
    return updated;
  }

  @Mutation(() => FeatureList, {
    description:
      'Add a feature at the end of a list with a note; a feature already in the list keeps its place and takes the new note. Needs the API key that made the list.',
  })
  async addToList(
    @Arg('listId', () => ID) listId: string,
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('index', () => Int) index: number,
    @Arg('note', () => String, { nullable: true }) note: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ListRow> {
    await requireKey(ctx);
    const id = parseListId(listId);
    const d = await requireDictionary(ctx, dictionaryId);
    requireRange('index', index, 0, d.nLatents - 1);
    await requireOwnList(ctx, id);
    if ((await ctx.loaders.listItems.load(id)).length >= MAX_LIST_ITEMS)
      throw new PublicError(
        'BAD_USER_INPUT',
        `list ${id} already holds ${MAX_LIST_ITEMS} features, the most a list may; remove some or start another list.`,
      );
    const clean = requireText('note', note ?? '', 0, MAX_NOTE);
    if (!(await addToList(ctx.dataSource, id, { dictionaryId: d.id, index }, clean)))
      throw new PublicError('NOT_FOUND', `no list ${id}; list them with { lists { id name } }.`);
    return reloaded(ctx, id);
  }

  @Mutation(() => FeatureList, {
    description: 'Remove an item (by its id) from a list. Needs the API key that made the list.',
  })
  async removeFromList(
    @Arg('listId', () => ID) listId: string,
    @Arg('itemId', () => ID) itemId: string,
    @Ctx() ctx: Context,
  ): Promise<ListRow> {
    await requireKey(ctx);
    const id = parseListId(listId);
    const item = parseNumericId(itemId, 'itemId', 'an item', `read them with { list(id: ${id}) { items { id } } }.`);
    await requireOwnList(ctx, id);
    if (!(await removeFromList(ctx.dataSource, id, item)))
      throw new PublicError(
        'NOT_FOUND',
        `list ${id} has no item ${item}; read them with { list(id: ${id}) { items { id } } }.`,
      );
    return reloaded(ctx, id);
  }

  @Mutation(() => FeatureList, {
    description:
      "Put a list's items in the order given: every item id of the list, once each. Needs the API key that made the list.",
  })
  async reorderList(
    @Arg('listId', () => ID) listId: string,
    @Arg('itemIds', () => [ID]) itemIds: string[],
    @Ctx() ctx: Context,
  ): Promise<ListRow> {
    await requireKey(ctx);
    const id = parseListId(listId);
    if (itemIds.length > MAX_LIST_ITEMS)
      throw new PublicError(
        'BAD_USER_INPUT',
        `itemIds holds ${itemIds.length} ids; a list has at most ${MAX_LIST_ITEMS}.`,
      );
    const order = itemIds.map((s, i) =>
      parseNumericId(s, `itemIds[${i}]`, 'an item', `read them with { list(id: ${id}) { items { id } } }.`),
    );
    await requireOwnList(ctx, id);
    const refused = await reorderList(ctx.dataSource, id, order);
    if (refused?.missing) throw new PublicError('NOT_FOUND', `no list ${id}; list them with { lists { id name } }.`);
    if (refused)
      throw new PublicError(
        'BAD_USER_INPUT',
        `itemIds must name every item of list ${id} once (its items: ${refused.current.join(', ') || 'none'}; got ${order.join(', ') || 'none'}).`,
      );
    return reloaded(ctx, id);
  }

  @Mutation(() => Boolean, { description: 'Delete a list and its items. Needs the API key that made the list.' })
  async deleteList(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await requireKey(ctx);
    const listId = parseListId(id, 'id');
    await requireOwnList(ctx, listId);
    return deleteList(ctx.dataSource, listId);
  }
}

@Resolver(() => FeatureListItem)
export class ListItemResolver {
  @FieldResolver(() => Feature, {
    nullable: true,
    description: 'The feature (null while its dictionary is not analysed).',
  })
  async feature(@Root() item: ListItemRow, @Ctx() ctx: Context): Promise<FeatureRow | null> {
    return (await ctx.loaders.feature.load({ dictionaryId: item.dictionaryId, index: item.featureIndex })) ?? null;
  }

  @FieldResolver(() => Dictionary)
  async dictionary(@Root() item: ListItemRow, @Ctx() ctx: Context): Promise<DictionaryRow> {
    const d = await ctx.loaders.dictionary.load(item.dictionaryId);
    // The item goes with its dictionary (ON DELETE CASCADE): a missing one is a bug, not a user's error.
    if (!d) throw new Error(`list item ${item.id} names dictionary ${item.dictionaryId}, which does not exist`);
    return d;
  }
}

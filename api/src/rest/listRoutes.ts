// POST /api/list/list, /new, /add-features, /get, /remove, /delete: the atlas's feature lists in the shapes
// Neuronpedia's list routes and its Python client (NPList) use. Every route calls GraphQL's list resolver, so the
// checks (the key that made a list for its writes, key-only lists hidden without a key, bounds on names, notes and
// items) and the errors are the same; a feature is named as everywhere in the facade (modelId, layer = source, index).
import type { Context } from '../context.js';
import { MAX_PAGE } from '../resolvers/feature.resolver.js';
import { ListResolver } from '../resolvers/list.resolver.js';
import { requireKey } from '../resolvers/requireKey.js';
import { listLists, type ListItemRow, type ListRow } from '../services/listService.js';
import { neuronOf } from './neuronpediaFeature.js';
import { listSources, requireIndexIn, requireSource, type NeuronpediaSource } from './neuronpediaSource.js';
import { featureIndexField, optionalString, requireObject, requireString, type Fields } from './requestFields.js';
import { badField, RestError } from './restError.js';
import type { RestRoute } from './restRoute.js';

const lists = new ListResolver();

/** Neuronpedia's add-features takes at most this many features a request. */
export const MAX_FEATURES_TO_ADD = 100;

/** The list's id as the body names it (Neuronpedia's ids are strings; a number is taken too). */
function listIdOf(body: Fields): string {
  const id = body.listId;
  if (typeof id === 'number' && Number.isInteger(id)) return String(id);
  return requireString(body, 'listId');
}

const noList = (id: string) =>
  new RestError(
    404,
    `listId: no list ${id} this caller may read (a key-only list needs an API key); /api/list/list lists them.`,
  );

function listAnswer(l: ListRow) {
  return {
    id: String(l.id),
    name: l.name,
    description: l.description,
    visibility: l.visibility,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

/** The source of each item's dictionary, by dictionary id. */
async function sourcesById(ctx: Context): Promise<Map<number, NeuronpediaSource>> {
  return new Map((await listSources(ctx)).map((s) => [s.dictionary.id, s]));
}

function itemKey(source: NeuronpediaSource, item: ListItemRow) {
  return { modelId: source.modelId, layer: source.layer, index: String(item.featureIndex) };
}

/** A feature of the body's `path` (modelId, layer, index), checked against the atlas's sources. */
function featureOf(sources: NeuronpediaSource[], value: Fields, path: string) {
  const source = requireSource(
    sources,
    requireString(value, 'modelId', `${path}.modelId`),
    requireString(value, 'layer', `${path}.layer`),
    {
      modelId: `${path}.modelId`,
      layer: `${path}.layer`,
    },
  );
  const index = featureIndexField(value.index, `${path}.index`);
  requireIndexIn(source, index, `${path}.index`);
  return { source, index };
}

export const listOwnedRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/list',
  pattern: /^\/api\/list\/list\/?$/,
  async handle({ ctx }) {
    // Neuronpedia answers the caller's own lists: here, those the request's key made.
    const key = await requireKey(ctx);
    return (await listLists(ctx.dataSource, true, MAX_PAGE, key.id)).map(listAnswer);
  },
};

export const listNewRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/new',
  pattern: /^\/api\/list\/new\/?$/,
  async handle({ ctx, body }) {
    const made = await lists.createList(
      requireString(body, 'name'),
      optionalString(body, 'description'),
      'public',
      ctx,
    );
    return listAnswer(made);
  },
};

export const listAddFeaturesRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/add-features',
  pattern: /^\/api\/list\/add-features\/?$/,
  async handle({ ctx, body }) {
    const listId = listIdOf(body);
    const raw = body.featuresToAdd;
    if (!Array.isArray(raw) || raw.length === 0)
      throw badField('featuresToAdd', 'must be a list of { modelId, layer, index, description } (at least one)');
    if (raw.length > MAX_FEATURES_TO_ADD)
      throw badField('featuresToAdd', `holds ${raw.length} features; add at most ${MAX_FEATURES_TO_ADD} a request`);
    const sources = await listSources(ctx);
    // Every feature is checked before the first is added, so a bad one leaves the list as it was.
    const wanted = raw.map((value, i) => {
      const path = `featuresToAdd[${i}]`;
      const fields = requireObject(value, path);
      return {
        ...featureOf(sources, fields, path),
        note: optionalString(fields, 'description', `${path}.description`),
      };
    });
    for (const { source, index, note } of wanted)
      await lists.addToList(listId, String(source.dictionary.id), index, note, ctx);
    return wanted.map(({ source, index, note }) => ({
      listId,
      modelId: source.modelId,
      layer: source.layer,
      index: String(index),
      description: note ?? '',
    }));
  },
};

export const listGetRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/get',
  pattern: /^\/api\/list\/get\/?$/,
  async handle({ ctx, body }) {
    const list = await lists.list(listIdOf(body), ctx);
    if (!list) throw noList(listIdOf(body));
    const [items, sources] = await Promise.all([lists.items(list, ctx), sourcesById(ctx)]);
    const neurons = await Promise.all(
      items.map(async (item) => {
        const source = sources.get(item.dictionaryId)!; // an item's dictionary exists: items go with it
        const row = await ctx.loaders.feature.load({ dictionaryId: item.dictionaryId, index: item.featureIndex });
        const neuron = row ? await neuronOf(ctx, source, row, false) : itemKey(source, item);
        return {
          ...neuron,
          listItem: { id: String(item.id), description: item.note, addedAt: item.addedAt.toISOString() },
        };
      }),
    );
    return { ...listAnswer(list), neurons };
  },
};

export const listRemoveRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/remove',
  pattern: /^\/api\/list\/remove\/?$/,
  async handle({ ctx, body }) {
    const listId = listIdOf(body);
    const { source, index } = featureOf(await listSources(ctx), body, 'body');
    const list = await lists.list(listId, ctx);
    if (!list) throw noList(listIdOf(body));
    const item = (await lists.items(list, ctx)).find(
      (i) => i.dictionaryId === source.dictionary.id && i.featureIndex === index,
    );
    if (!item)
      throw new RestError(
        404,
        `index: feature ${index} of source "${source.layer}" is not in list ${listId}; read it with /api/list/get.`,
      );
    await lists.removeFromList(listId, String(item.id), ctx);
    return true;
  },
};

export const listDeleteRoute: RestRoute = {
  method: 'POST',
  path: '/api/list/delete',
  pattern: /^\/api\/list\/delete\/?$/,
  async handle({ ctx, body }) {
    return lists.deleteList(listIdOf(body), ctx);
  },
};

export const LIST_ROUTES = [
  listOwnedRoute,
  listNewRoute,
  listAddFeaturesRoute,
  listGetRoute,
  listRemoveRoute,
  listDeleteRoute,
] as const;

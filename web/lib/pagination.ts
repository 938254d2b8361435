// Cursor pagination in the URL: the feature table's filters and sort live in the query string next to `after`,
// the opaque cursor the api returned for the last row shown. Going forward keeps every filter; any change of
// filter or sort must start again from the first page, because a cursor is only valid for the order it came from.

export type SearchParams = Record<string, string | undefined>;

/** `path?query` from the current parameters with some changed; empty values are dropped. */
export function pageHref(path: string, current: SearchParams, change: SearchParams): string {
  const merged = { ...current, ...change };
  const entries = Object.entries(merged).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '');
  const query = new URLSearchParams(entries).toString();
  return query ? `${path}?${query}` : path;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

/** Links for the pager: back to the first page when not on it, and to the next page when the api has one. */
export function pagerLinks(path: string, current: SearchParams, pageInfo: PageInfo): { first?: string; next?: string } {
  return {
    ...(current.after && { first: pageHref(path, current, { after: undefined }) }),
    ...(pageInfo.hasNextPage && pageInfo.endCursor && { next: pageHref(path, current, { after: pageInfo.endCursor }) }),
  };
}

// Permalinks to a feature at one of its top examples: `/d/:d/f/:i?example=N`, N from 1 in the page's order.

/** The element id of top example `n` (from 1). */
export const exampleAnchor = (n: number) => `example-${n}`;

/** The example number `?example=` names, or undefined when it names none (not a whole number from 1). */
export function linkedExample(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('example');
  return raw !== null && /^[1-9]\d{0,4}$/.test(raw) ? Number(raw) : undefined;
}

/** The address of `pageUrl`'s feature at example `n`: its query replaced, its fragment dropped. */
export function exampleLink(pageUrl: string, n: number): string {
  const url = new URL(pageUrl);
  url.search = `?example=${n}`;
  url.hash = '';
  return url.toString();
}

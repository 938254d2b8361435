// A list's order as its item ids: what reorderList takes.

/** The ids with the one at `from` moved to `to` (the others keep their order). */
export function moved(ids: readonly string[], from: number, to: number): string[] {
  const out = [...ids];
  const [id] = out.splice(from, 1);
  out.splice(to, 0, id);
  return out;
}

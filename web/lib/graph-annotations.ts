// A person's annotations of an attribution graph, as the graph page edits them before Save: pinned nodes and
// named supernodes (groups of nodes drawn as one box). Pure, so the page's state changes are tested alone.

export interface Supernode {
  name: string;
  nodeIds: string[];
}

export interface GraphAnnotations {
  /** Pinned node ids, in the order they were pinned. */
  pinned: string[];
  supernodes: Supernode[];
}

/** Pin a node, or unpin it if it is pinned (its supernodes keep it: a group outlives the pins that made it). */
export function togglePin(a: GraphAnnotations, nodeId: string): GraphAnnotations {
  return {
    ...a,
    pinned: a.pinned.includes(nodeId) ? a.pinned.filter((id) => id !== nodeId) : [...a.pinned, nodeId],
  };
}

/** Add a supernode of `nodeIds` called `name`, or say what to fix: a name, a unique name, nodes to group. */
export function groupNodes(a: GraphAnnotations, name: string, nodeIds: readonly string[]): GraphAnnotations | string {
  const trimmed = name.trim();
  if (!trimmed) return 'supernode name: write a name for the group';
  if (a.supernodes.some((s) => s.name === trimmed))
    return `supernode name: "${trimmed}" is already a supernode; pick another name or remove that one`;
  if (!nodeIds.length) return 'pick pinned nodes to group: tick them in the pinned list';
  return { ...a, supernodes: [...a.supernodes, { name: trimmed, nodeIds: [...new Set(nodeIds)] }] };
}

/** Without the supernode called `name`. */
export function removeSupernode(a: GraphAnnotations, name: string): GraphAnnotations {
  return { ...a, supernodes: a.supernodes.filter((s) => s.name !== name) };
}

// The import graph of the four workspaces, read by madge with each workspace's own tsconfig (web's `@/` paths and
// the `@atlas/*` packages resolve to source files), merged into one graph keyed by path from the repository root so
// a circle across workspaces shows too. `npm run check:imports` and test/importGraph.test.ts run it.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge, { type DependencyTree } from 'madge';
import ts from 'typescript';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const workspaces = ['migrations', 'worker', 'api', 'web'] as const;
export type Workspace = (typeof workspaces)[number];

/** Next.js build output: generated route types, not code anyone writes. */
const buildOutput = /(^|\/)\.next\//;

/** A workspace's tsconfig as compiler options; madge's own tsconfig reading drops `paths` (web's `@/`). */
function compilerOptions(workspace: Workspace): object {
  const file = join(repoRoot, workspace, 'tsconfig.json');
  const json = ts.readJsonConfigFile(file, (p) => ts.sys.readFile(p));
  return ts.parseJsonSourceFileConfigFileContent(json, ts.sys, dirname(file)).options;
}

export interface WorkspaceGraph {
  /** Each file and the files it imports, paths from the repository root. */
  tree: DependencyTree;
  /** Imports that resolve to no file: each one is an edge the circle check cannot see. */
  unresolved: string[];
}

/** The files of one workspace and everything they import, other workspaces' files included. */
export async function workspaceGraph(workspace: Workspace): Promise<WorkspaceGraph> {
  const result = await madge(join(repoRoot, workspace), {
    baseDir: repoRoot,
    fileExtensions: ['ts', 'tsx'],
    excludeRegExp: [buildOutput],
    tsConfig: { options: compilerOptions(workspace) },
  });
  return { tree: result.obj(), unresolved: result.warnings().skipped.filter((s) => !buildOutput.test(s)) };
}

/** The graphs of all workspaces merged (a file reached from two workspaces has the same edges in both). */
export async function importGraph(): Promise<Record<Workspace, WorkspaceGraph> & { all: DependencyTree }> {
  const each = {} as Record<Workspace, WorkspaceGraph>;
  const all: DependencyTree = {};
  for (const w of workspaces) {
    each[w] = await workspaceGraph(w);
    Object.assign(all, each[w].tree);
  }
  return { ...each, all };
}

/** Every circle in a graph, each as the files around it. */
export async function importCircles(tree: DependencyTree): Promise<string[][]> {
  return (await madge(tree)).circular();
}

/**
 * The layer a file belongs to: the first folder under its workspace's source root (`worker/src/engine`,
 * `web/components`), or the file itself when it sits at the root (`worker/src/errors.ts`, an entry point).
 */
export function layerOf(file: string): string {
  const parts = file.split('/');
  const root = parts[1] === 'src' ? 2 : 1; // migrations|worker|api keep code in src/; web at its top
  return parts.length > root + 1 ? parts.slice(0, root + 1).join('/') : file;
}

/** Code, not tests, their helpers (`*.testing.ts`) or benches: a test may import from any layer to check another. */
const isCode = (file: string): boolean => !/\.test(ing)?\.tsx?$/.test(file) && !/(^|\/)bench\//.test(file);

/** Which layers each layer's code imports (imports inside a layer left out). */
export function layerEdges(tree: DependencyTree): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [file, imports] of Object.entries(tree)) {
    if (!isCode(file)) continue;
    const from = layerOf(file);
    const to = edges.get(from) ?? new Set<string>();
    edges.set(from, to);
    for (const target of imports) if (isCode(target) && layerOf(target) !== from) to.add(layerOf(target));
  }
  return edges;
}

/** Circles between layers (the folders of the README's "Where things are"), each as its layers, sorted. */
export function layerCircles(tree: DependencyTree): string[][] {
  const edges = layerEdges(tree);
  // Tarjan's strongly connected components: any with more than one layer is a circle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return circles;
}

/** The layer graph as Graphviz DOT, sorted so the file changes only when an edge does. */
export function layerDot(tree: DependencyTree): string {
  const lines = [
    "// Which layers import which (code, not tests), across the four workspaces: the drawing of the README's",
    '// "Where things are". Written by `npm run check:imports`; render with `dot -Tsvg layers.dot`.',
    'digraph imports {',
    '  rankdir=LR;',
    '  node [shape=box, fontname="monospace"];',
  ];
  const edges = layerEdges(tree);
  for (const from of [...edges.keys()].sort()) {
    const targets = [...edges.get(from)!].sort();
    if (targets.length === 0) lines.push(`  "${from}";`);
    for (const to of targets) lines.push(`  "${from}" -> "${to}";`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

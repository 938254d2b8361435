// Types for the part of madge 8's API that importGraph.ts uses (madge ships none; @types/madge describes madge 5).
declare module 'madge' {
  /** Each file (relative to baseDir) and the files it imports, import type and import() included. */
  export type DependencyTree = Record<string, string[]>;

  export interface MadgeConfig {
    /** Keys and edges are relative to this folder. */
    baseDir?: string;
    fileExtensions?: string[];
    excludeRegExp?: RegExp[];
    /** A tsconfig path, or parsed compiler options as `{ options }` (what filing-cabinet reads as-is). */
    tsConfig?: string | { options: object };
  }

  export interface MadgeInstance {
    obj(): DependencyTree;
    /** Every circle, each as the files around it. */
    circular(): string[][];
    /** Imports that did not resolve to a file (npm packages are left out of the tree, not skipped). */
    warnings(): { skipped: string[] };
  }

  /** The graph of the files under the paths, or of a tree given as is. */
  export default function madge(path: string | string[] | DependencyTree, config?: MadgeConfig): Promise<MadgeInstance>;
}

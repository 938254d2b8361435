// `npm run check:imports`: fails when the import graph of the workspaces has a circle or an import that resolves to
// no file, and writes the graph as text into docs/import-graph/ (one file-level JSON per workspace, the folder
// graph as DOT) so a reader can see which folders import which.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { folderDot, importCircles, importGraph, repoRoot, workspaces } from './importGraph.js';

const graph = await importGraph();
const out = join(repoRoot, 'docs', 'import-graph');
mkdirSync(out, { recursive: true });
for (const w of workspaces) {
  const own = Object.fromEntries(Object.entries(graph[w].tree).filter(([file]) => file.startsWith(`${w}/`)));
  const file = join(out, `${w}.json`);
  // Formatted as `npm run lint` (prettier --check) expects, so a regenerated graph never fails the lint.
  const options = { ...(await resolveConfig(file)), filepath: file };
  writeFileSync(file, await format(JSON.stringify(own), options));
}
writeFileSync(join(out, 'folders.dot'), folderDot(graph.all));

let failed = false;
for (const w of workspaces)
  for (const imp of graph[w].unresolved) {
    console.error(`IMPORT_UNRESOLVED: ${w} imports ${imp}, which resolves to no file; fix the path or the tsconfig.`);
    failed = true;
  }
const circles = await importCircles(graph.all);
for (const c of circles) console.error(`IMPORT_CIRCLE: ${[...c, c[0]].join(' -> ')}; move what both sides need out.`);
failed ||= circles.length > 0;
console.log(`${Object.keys(graph.all).length} files, ${circles.length} circle(s); graph written to docs/import-graph/`);
process.exit(failed ? 1 : 0);

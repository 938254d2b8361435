// `npm run check:imports`: fails when the import graph of the workspaces has a circle (between files, or between
// the layers of the README's "Where things are") or an import that resolves to no file, and writes the layer graph
// as DOT into docs/import-graph/layers.dot so a reader can see which layers import which.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCircles, importGraph, layerCircles, layerDot, repoRoot, workspaces } from './importGraph.js';

const graph = await importGraph();
const out = join(repoRoot, 'docs', 'import-graph');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'layers.dot'), layerDot(graph.all));

let failed = false;
for (const w of workspaces)
  for (const imp of graph[w].unresolved) {
    console.error(`IMPORT_UNRESOLVED: ${w} imports ${imp}, which resolves to no file; fix the path or the tsconfig.`);
    failed = true;
  }
const circles = await importCircles(graph.all);
for (const c of circles) console.error(`IMPORT_CIRCLE: ${[...c, c[0]].join(' -> ')}; move what both sides need out.`);
const layers = layerCircles(graph.all);
for (const c of layers)
  console.error(`LAYER_CIRCLE: ${c.join(', ')} import each other; move what both need into the lower one.`);
failed ||= circles.length > 0 || layers.length > 0;
console.log(
  `${Object.keys(graph.all).length} files, ${circles.length} file circle(s), ${layers.length} layer circle(s); ` +
    `layer graph written to docs/import-graph/layers.dot`,
);
process.exit(failed ? 1 : 0);

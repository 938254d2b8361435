// The import graph of the four workspaces has no circles, and every import resolves to a file (an import that
// does not resolve is an edge the circle check would miss), the layers (folders under src/) import each other in
// one direction only, and docs/import-graph/layers.dot draws today's layers. The same check as `npm run check:imports`.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DependencyTree } from 'madge';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  importCircles,
  importGraph,
  layerCircles,
  layerDot,
  layerOf,
  repoRoot,
  workspaces,
} from '../scripts/importGraph.js';

let graph: Awaited<ReturnType<typeof importGraph>>;
before(async () => {
  graph = await importGraph();
});

test('the check finds a circle, across folders too', async () => {
  const tree: DependencyTree = {
    'worker/src/engine/backend.ts': ['worker/src/engine/kernels/tfjs.ts'],
    'worker/src/engine/kernels/tfjs.ts': ['worker/src/errors.ts', 'worker/src/engine/backend.ts'],
    'worker/src/errors.ts': [],
  };
  assert.deepEqual(await importCircles(tree), [['worker/src/engine/backend.ts', 'worker/src/engine/kernels/tfjs.ts']]);
  delete tree['worker/src/engine/kernels/tfjs.ts'];
  assert.deepEqual(await importCircles(tree), []);
});

test('each workspace graph holds its files and resolves its imports (web through @/, api through @atlas/worker)', () => {
  for (const w of workspaces) {
    assert.ok(
      Object.keys(graph[w].tree).some((f) => f.startsWith(`${w}/`)),
      `${w}: no files in the graph`,
    );
    assert.deepEqual(graph[w].unresolved, [], `${w}: imports that resolve to no file`);
  }
  assert.ok(
    graph.web.tree['web/app/page.tsx'].some((f) => f.startsWith('web/lib/')),
    'web/app/page.tsx imports nothing from web/lib: the @/ paths did not resolve',
  );
  assert.ok(
    Object.values(graph.api.tree).some((imports) => imports.includes('worker/src/index.ts')),
    'no api file imports worker/src/index.ts: @atlas/worker did not resolve',
  );
});

test('no import circles in migrations, worker, api and web', async () => {
  const circles = await importCircles(graph.all);
  assert.deepEqual(
    circles.map((c) => [...c, c[0]].join(' -> ')),
    [],
    'import circles (npm run check:imports lists them): move what both sides need into a file of its own',
  );
});

test('a layer is the first folder under src/ (web: under web/), a root file its own layer', () => {
  assert.equal(layerOf('worker/src/engine/kernels/cpu/index.ts'), 'worker/src/engine');
  assert.equal(layerOf('worker/src/errors.ts'), 'worker/src/errors.ts');
  assert.equal(layerOf('web/components/feature/feature-header.tsx'), 'web/components');
  assert.equal(layerOf('api/src/buildApiSchema.ts'), 'api/src/buildApiSchema.ts');
});

test('the layer check finds two folders that import each other, and ignores tests', () => {
  const tree: DependencyTree = {
    'worker/src/analysis/records.ts': ['worker/src/ingest/load.ts'],
    'worker/src/ingest/load.ts': ['worker/src/ingest/links.ts'],
    'worker/src/ingest/links.ts': ['worker/src/analysis/similarity.ts'],
    'worker/src/analysis/similarity.ts': [],
    'worker/src/store/rows.test.ts': ['worker/src/analysis/records.ts'],
    'worker/src/analysis/records.test.ts': ['worker/src/store/rows.ts'],
    'worker/src/store/rows.ts': [],
  };
  assert.deepEqual(layerCircles(tree), [['worker/src/analysis', 'worker/src/ingest']]);
  tree['worker/src/ingest/links.ts'] = [];
  assert.deepEqual(layerCircles(tree), []);
});

test("no circles between layers, and docs/import-graph/layers.dot is today's graph", () => {
  assert.deepEqual(layerCircles(graph.all), [], 'layers that import each other (npm run check:imports lists them)');
  const committed = readFileSync(join(repoRoot, 'docs', 'import-graph', 'layers.dot'), 'utf8');
  assert.equal(committed, layerDot(graph.all), 'docs/import-graph/layers.dot is stale: run npm run check:imports');
});

// The import graph of the four workspaces has no circles, and every import resolves to a file (an import that
// does not resolve is an edge the circle check would miss). The same check as `npm run check:imports`.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DependencyTree } from 'madge';
import { importCircles, importGraph, workspaces } from '../scripts/importGraph.js';

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

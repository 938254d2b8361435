// `worker import-graph` and `worker graph` as a person runs them, on a real database: our own export is stored
// and reads back byte for byte, and a bad flag is refused by name before any work. (Files from elsewhere are the
// format's and the api's tests: each CLI run costs seconds.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadGraph } from '@atlas/migrations';
import { openTestDatabase, type TestDatabase } from '@atlas/migrations/testing';
import { toNeuronpediaGraph } from '../../circuits/neuronpediaGraph.js';
import { smallAttributionGraph } from '../../circuits/smallAttributionGraph.testing.js';
import { runCliAsync } from '../runCli.testing.js';

const dir = mkdtempSync(join(tmpdir(), 'worker-graph-cli-'));
let db: TestDatabase;
let env: Record<string, string>;

before(async () => {
  db = await openTestDatabase();
  env = { DATABASE_URL: db.url };
});
after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('import-graph of our own export reads back the same JSON', async () => {
  const file = join(dir, 'small.json');
  const json = toNeuronpediaGraph(smallAttributionGraph(), {
    slug: 'the-cat-sat',
    logitTokens: { 13: '.', 11: ',' },
    supernodes: [{ name: 'cat', nodeIds: ['0_17_1', '1_5_2'] }],
    pinnedNodeIds: ['1_5_2'],
    createdAtMs: 1_764_000_000_000,
  });
  writeFileSync(file, JSON.stringify(json));
  const r = await runCliAsync(['import-graph', file, '--check', '--title', 'cat sat'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stored graph \d+: "The cat sat" on tiny-test-lm, 8 nodes, 6 edges/);
  assert.match(r.stdout, /read back: the same JSON/);
  const stored = await loadGraph(db.dataSource, Number(/stored graph (\d+)/.exec(r.stdout)?.[1]));
  assert.equal(stored?.title, 'cat sat');
  assert.equal(stored?.slug, 'the-cat-sat');
  assert.deepEqual(stored?.supernodes, [{ name: 'cat', nodeIds: ['0_17_1', '1_5_2'] }]);
  assert.equal(stored?.createdAt.getTime(), 1_764_000_000_000);
});

it('graph refuses a threshold outside (0, 1], naming the flag', async () => {
  const bad = await runCliAsync([
    'graph',
    '--prompt',
    'The cat',
    '--out',
    join(dir, 'g.json'),
    '--node-threshold',
    '1.5',
  ]);
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /ARGUMENT_INVALID: --node-threshold must be a number >= 0 \(exclusive\) and <= 1 \(got "1\.5"\)/,
  );
});

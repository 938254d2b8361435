// The attribution graph page (issue 18) in real headless Chromium: nodes in their layer's row and their token's
// column, the pruning sliders, the hover card, click through to the feature page, pins and supernodes saved.
//
// The graph comes from one swappable source, `graphSource()`: for now the web server runs alone (`next start`, no
// api) and the page's /api/graphql is answered in the browser from a fixture (playwright's page.route), since the
// graph api lives on another branch; at integration it becomes a seeded atlas behind `npm start`, with the same
// GraphSource shape (the graph the page must show, and the annotations the api was asked to save).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildWeb, nextBin, webBuildIsStale, webDir } from '../../scripts/webBuild.js';
import { launchBrowser } from './browser.js';
import { freePort, repoRoot } from './stack.js';

interface FixtureNode {
  nodeId: string;
  kind: 'EMBEDDING' | 'FEATURE' | 'ERROR' | 'LOGIT';
  layer: number;
  position: number;
  featureIndex: number | null;
  tokenId: number | null;
  tokenText: string | null;
  activation: number | null;
  probability: number | null;
  influence: number;
  feature: {
    id: string;
    dictionaryId: string;
    index: number;
    label: string | null;
    maxActivation: number;
    topActivations: {
      tokens: string[];
      activations: number[];
      maxActivation: number;
      maxPosition: number;
      docIndex: number;
      tokenStart: number;
    }[];
  } | null;
}

interface Supernode {
  name: string;
  nodeIds: string[];
}

interface FixtureGraph {
  id: string;
  title: string;
  modelName: string;
  prompt: string;
  tokens: string[];
  createdAt: string;
  nodeThreshold: number;
  edgeThreshold: number;
  nodesBeforePruning: number;
  edgesBeforePruning: number;
  nodeCount: number;
  edgeCount: number;
  buildSeconds: number;
  transcoders: { id: string; name: string }[];
  nodes: FixtureNode[];
  edges: { source: string; target: string; weight: number }[];
  supernodes: Supernode[];
  pinnedNodeIds: string[];
}

/** What the tests need of wherever the graph comes from. */
interface GraphSource {
  webUrl: string;
  /** The graph as the api serves it: what the page must draw. */
  graph: FixtureGraph;
  /** Get a page ready to open the graph (a mocked source installs its routes here). */
  preparePage(page: Page): Promise<void>;
  /** Every saveGraphAnnotations the api received, oldest first. */
  saves: { id: string; supernodes: Supernode[]; pinnedNodeIds: string[] }[];
  stop(): Promise<void>;
}

const TOKENS = ['The', ' capital', ' of', ' France', ' is'];
const N_LAYERS = 3;

/**
 * A small graph shaped like the api's: "The capital of France is" → " Paris", 3 transcoder layers, 5 positions;
 * 5 embeddings, 17 features, 3 errors, 3 logits (28 nodes), 40 edges, a supernode and a pin.
 */
function fixtureGraph(): FixtureGraph {
  const nodes: FixtureNode[] = [];
  const base = {
    featureIndex: null,
    tokenId: null,
    tokenText: null,
    activation: null,
    probability: null,
    feature: null,
  };
  TOKENS.forEach(
    (t, p) =>
    nodes.push({ ...base, nodeId: `E_${100 + p}_${p}`, kind: 'EMBEDDING', layer: -1, position: p, tokenId: 100 + p, tokenText: t, influence: 0.7 - p / 100 }), // prettier-ignore
  );
  // (layer, feature index, position, activation, influence); feature 42 of layer 1 at " France" is the star.
  const features: [number, number, number, number, number][] = [
    [0, 5, 0, 1.5, 0.62], [0, 17, 1, 2.25, 0.41], [0, 23, 2, 0.75, 0.66], [0, 31, 3, 3.1, 0.22], [0, 8, 3, 1.1, 0.58],
    [0, 9, 4, 0.9, 0.47],
    [1, 42, 3, 4.5, 0.08], [1, 7, 1, 1.25, 0.55], [1, 12, 4, 2.0, 0.31], [1, 13, 4, 1.8, 0.36], [1, 3, 2, 0.6, 0.74],
    [2, 61, 4, 5.25, 0.05], [2, 62, 4, 3.5, 0.12], [2, 70, 3, 1.75, 0.28], [2, 71, 4, 0.95, 0.52], [2, 80, 0, 0.4, 0.78],
    [2, 81, 4, 0.7, 0.6],
  ]; // prettier-ignore
  for (const [layer, index, position, activation, influence] of features)
    nodes.push({
      ...base,
      nodeId: `${layer}_${index}_${position}`,
      kind: 'FEATURE',
      layer,
      position,
      featureIndex: index,
      activation,
      influence,
      feature: {
        id: `f${layer}-${index}`,
        dictionaryId: String(10 + layer),
        index,
        label: index === 42 ? 'country names (France, Spain)' : `feature ${index} of L${layer}`,
        maxActivation: 6,
        topActivations: [
          { tokens: [' in', ' Paris', ','], activations: [0, 5.5, 0.25], maxActivation: 5.5, maxPosition: 1, docIndex: 3, tokenStart: 40 }, // prettier-ignore
          { tokens: [' of', ' France', '.'], activations: [0.5, 4.75, 0], maxActivation: 4.75, maxPosition: 1, docIndex: 9, tokenStart: 7 }, // prettier-ignore
        ],
      },
    });
  for (let layer = 0; layer < N_LAYERS; layer++)
    nodes.push({ ...base, nodeId: `err_${layer}_4`, kind: 'ERROR', layer, position: 4, influence: 0.45 + layer / 100 });
  [
    [900, ' Paris', 0.81, 0.02],
    [901, ' a', 0.09, 0.2],
    [902, ' the', 0.06, 0.3],
  ].forEach(
    ([tokenId, text, probability, influence]) =>
    nodes.push({ ...base, nodeId: `${N_LAYERS}_${tokenId}_4`, kind: 'LOGIT', layer: N_LAYERS, position: 4, tokenId: tokenId as number, tokenText: text as string, probability: probability as number, influence: influence as number }), // prettier-ignore
  );
  // Edges go from each node to nodes of higher layers at the same or a later position: a fixed, varied subset.
  const edges: FixtureGraph['edges'] = [];
  for (const s of nodes)
    for (const t of nodes)
      if (t.layer > s.layer && t.position >= s.position && t.kind !== 'EMBEDDING' && s.kind !== 'LOGIT') {
        const k = edges.length + nodes.indexOf(s) + 3 * nodes.indexOf(t);
        if (k % 7 === 0 || (s.nodeId === '1_42_3' && t.kind === 'LOGIT'))
          edges.push({ source: s.nodeId, target: t.nodeId, weight: ((k % 5) - 2 || 1) * (0.25 + (k % 11) / 10) });
      }
  return {
    id: '7',
    title: 'capital of France',
    modelName: 'tiny-brown-4l',
    prompt: TOKENS.join(''),
    tokens: TOKENS,
    createdAt: '2026-12-01T10:00:00.000Z',
    nodeThreshold: 0.8,
    edgeThreshold: 0.98,
    nodesBeforePruning: 412,
    edgesBeforePruning: 20_931,
    nodeCount: nodes.length,
    edgeCount: edges.length,
    buildSeconds: 3.25,
    transcoders: [0, 1, 2].map((l) => ({ id: String(10 + l), name: `tc-l${l}` })),
    nodes,
    edges,
    supernodes: [{ name: 'France', nodeIds: ['0_31_3', '0_8_3'] }],
    pinnedNodeIds: ['2_61_4'],
  };
}

/** Answers one GraphQL request of the page from the graph and what was saved; records the saves. */
function answerGraphql(graph: FixtureGraph, saves: GraphSource['saves'], body: string): unknown {
  const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
  const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  if (operation === 'GraphPage') return { data: { graph: variables.id === graph.id ? graph : null } };
  if (operation === 'SaveGraphAnnotations') {
    const saved = variables as GraphSource['saves'][number];
    saves.push(saved);
    graph.supernodes = saved.supernodes;
    graph.pinnedNodeIds = saved.pinnedNodeIds;
    return { data: { saveGraphAnnotations: { id: graph.id, supernodes: saved.supernodes, pinnedNodeIds: saved.pinnedNodeIds } } }; // prettier-ignore
  }
  return { errors: [{ message: `the mock api does not answer ${operation}`, extensions: { code: 'MOCK_MISSING' } }] };
}

/** The swappable source: the web alone and a fixture graph answered in the browser. */
async function graphSource(): Promise<GraphSource> {
  // A build left by `npm start` (or an earlier run) is reused; sources newer than it rebuild it, as npm start does.
  if (webBuildIsStale()) await buildWeb({ ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
  const port = await freePort();
  const deadApi = await freePort(); // nothing listens: a page that asked the api from the server would fail
  const web: ChildProcess = spawn(process.execPath, [nextBin, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: webDir,
    env: { ...process.env, ATLAS_API_URL: `http://127.0.0.1:${deadApi}/graphql`, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  web.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  web.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const webUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${webUrl}/graphs/none`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || web.exitCode !== null) throw new Error(`next start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const graph = fixtureGraph();
  const saves: GraphSource['saves'] = [];
  return {
    webUrl,
    graph,
    saves,
    async preparePage(page) {
      await page.route('**/api/graphql', (route) =>
        route.fulfill({ json: answerGraphql(graph, saves, route.request().postData() ?? '{}') }),
      );
    },
    async stop() {
      const exited = new Promise((r) => web.once('exit', r));
      web.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}

let source: GraphSource;
const shots = join(repoRoot, 'test-results');
let browser: Browser;

before(async () => {
  source = await graphSource();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await source?.stop();
});

async function openGraph(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await source.preparePage(page);
  await page.goto(`${source.webUrl}/graphs/${source.graph.id}`);
  await page.getByTestId('graph-svg').waitFor();
  return page;
}

const nodeSelector = (id: string) => `[data-testid="graph-node"][data-node-id="${id}"]`;

test('every node sits in its layer’s row (embeddings lowest, logits on top) and its token’s column', async () => {
  const page = await openGraph();
  const { graph } = source;
  assert.equal(await page.getByTestId('graph-node').count(), graph.nodes.length);
  const rowBands = await page.locator('[data-testid="graph-row"]').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { label: e.getAttribute('data-label'), top: r.top, bottom: r.bottom };
    }),
  );
  // Bands from the top of the page down: logits, L2, L1, L0, emb.
  assert.deepEqual(
    [...rowBands].sort((a, b) => a.top - b.top).map((b) => b.label),
    ['logits', 'L2', 'L1', 'L0', 'emb'],
  );
  const tokenXs = await page.locator('[data-testid="graph-token"]').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { position: Number(e.getAttribute('data-position')), x: r.left + r.width / 2, text: e.textContent };
    }),
  );
  assert.deepEqual(
    tokenXs.map((t) => t.position),
    [0, 1, 2, 3, 4],
  );
  // Spaces show as middle dots on the axis; the text ends with the token (after its <title>).
  assert.ok(tokenXs[3].text?.endsWith('·France'), `axis label of position 3: ${tokenXs[3].text}`);
  // Every node's centre in one round trip (a locator per node costs a second on a busy machine).
  const centres = new Map(
    await page.getByTestId('graph-node').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return [e.getAttribute('data-node-id')!, { x: r.left + r.width / 2, y: r.top + r.height / 2 }] as const;
      }),
    ),
  );
  for (const n of graph.nodes) {
    const c = centres.get(n.nodeId);
    assert.ok(c, `${n.nodeId} is not drawn`);
    const label = n.layer === -1 ? 'emb' : n.layer === N_LAYERS ? 'logits' : `L${n.layer}`;
    const band = rowBands.find((b) => b.label === label)!;
    assert.ok(c.y > band.top && c.y < band.bottom, `${n.nodeId} (y ${c.y}) is outside row ${label}`);
    const nearest = tokenXs.reduce((best, t) => (Math.abs(t.x - c.x) < Math.abs(best.x - c.x) ? t : best));
    assert.equal(nearest.position, n.position, `${n.nodeId} is drawn nearest token ${nearest.position}`);
  }
  // The stored supernode is one box around its members; the stored pin is marked.
  const box = await page.locator('[data-testid="supernode"][data-name="France"] rect').boundingBox();
  assert.ok(box);
  for (const id of graph.supernodes[0].nodeIds) {
    const c = centres.get(id)!;
    assert.ok(c.x > box.x && c.x < box.x + box.width && c.y > box.y && c.y < box.y + box.height, `${id} outside`);
  }
  assert.equal(await page.locator(nodeSelector('2_61_4')).getAttribute('data-pinned'), 'true');
  assert.match(await page.getByTestId('graph-summary').innerText(), /28 nodes and \d+ edges kept of 412 and 20931/);
  assert.equal(await page.getByTestId('graph-json').getAttribute('href'), '/graphs/7/json');
});

test('the sliders hide nodes above the influence threshold and edges below the weight threshold', async () => {
  const page = await openGraph();
  const { graph } = source;
  await page.getByLabel('node influence threshold').fill('0.5');
  assert.equal(await page.getByTestId('node-threshold-value').innerText(), '0.50');
  // The fixture has 28 nodes; those with influence > 0.5 (read off the fixture above): 5 embeddings, 0_5_0 (0.62),
  // 0_23_2 (0.66), 0_8_3 (0.58), 1_7_1 (0.55), 1_3_2 (0.74), 2_71_4 (0.52), 2_80_0 (0.78), 2_81_4 (0.6): 13 hidden.
  assert.equal(await page.getByTestId('graph-node').count(), 15);
  assert.equal(await page.locator(nodeSelector('0_23_2')).count(), 0);
  assert.equal(await page.locator(nodeSelector('1_42_3')).count(), 1);
  const kept = new Set(graph.nodes.filter((n) => n.influence <= 0.5).map((n) => n.nodeId));
  const edgesBetweenKept = graph.edges.filter((e) => kept.has(e.source) && kept.has(e.target));
  assert.equal(await page.getByTestId('graph-edge').count(), edgesBetweenKept.length);
  // Edges shown all join shown nodes.
  for (const [s, t] of await page
    .getByTestId('graph-edge')
    .evaluateAll((els) => els.map((e) => [e.getAttribute('data-source'), e.getAttribute('data-target')])))
    assert.ok(kept.has(s!) && kept.has(t!), `edge ${s} → ${t} joins a hidden node`);

  const maxAbs = Math.max(...graph.edges.map((e) => Math.abs(e.weight)));
  const edgeSlider = page.getByLabel('edge weight threshold');
  await edgeSlider.fill(String(maxAbs / 2));
  // The browser snaps the value to the slider's step: count against the value it took.
  const minWeight = Number(await edgeSlider.inputValue());
  assert.ok(Math.abs(minWeight - maxAbs / 2) < maxAbs / 100);
  const strong = edgesBetweenKept.filter((e) => Math.abs(e.weight) >= minWeight);
  assert.ok(strong.length > 0 && strong.length < edgesBetweenKept.length, 'the fixture has edges on both sides');
  assert.equal(await page.getByTestId('graph-edge').count(), strong.length);
});

test('hovering a feature node shows its label, activation and top examples; clicking opens its feature page', async () => {
  const page = await openGraph();
  await page.locator(nodeSelector('1_42_3')).hover();
  const card = page.getByTestId('graph-card');
  await card.waitFor();
  const text = await card.innerText();
  assert.match(text, /L1 feature #42, position 3 " France"/);
  assert.equal(await card.getByTestId('graph-card-label').innerText(), 'country names (France, Spain)');
  assert.match(text, /activation 4\.500 · influence 0\.080/);
  assert.equal(await card.getByTestId('example').count(), 2);
  assert.match(await card.getByTestId('graph-card-examples').innerText(), /in\sParis,[\s\S]*of\sFrance\./);
  // Steer from here: /steer with this feature (dictionary 11, index 42) preselected and the graph's prompt.
  const steer = new URL((await card.getByTestId('steer-from-here').getAttribute('href'))!, source.webUrl);
  assert.equal(steer.pathname, '/steer');
  assert.deepEqual(steer.searchParams.getAll('i'), ['11:42:ADD:4']);
  assert.equal(steer.searchParams.get('prompt'), 'The capital of France is');

  // Hovering a logit shows its token and probability.
  await page.locator(nodeSelector('3_900_4')).hover();
  assert.match(await card.innerText(), /logit " Paris"[\s\S]*probability 0\.810/);

  await page.locator(nodeSelector('1_42_3')).click();
  await page.waitForURL(/\/d\/11\/f\/42$/);
});

test('pin two nodes, group them into a named supernode, Save sends them, and a reload shows them', async () => {
  const page = await openGraph();
  await page.locator(nodeSelector('0_17_1')).click({ modifiers: ['Shift'] });
  // The second one through its card's Pin button.
  await page.locator(nodeSelector('1_12_4')).hover();
  await page.getByTestId('graph-card').getByRole('button', { name: 'Pin' }).click();
  assert.equal(await page.locator(nodeSelector('0_17_1')).getAttribute('data-pinned'), 'true');
  assert.equal(await page.getByTestId('pinned-list').locator('li').count(), 3);
  await page.getByLabel('supernode name').fill('capital');
  await page.getByRole('button', { name: 'Group ticked pins' }).click();
  await page.locator('[data-testid="supernode"][data-name="capital"]').waitFor();
  await page.getByLabel('API key').fill('atlas_test');
  await page.getByRole('button', { name: 'Save' }).click();
  assert.match(await page.getByTestId('graph-save-message').innerText(), /^Saved 3 pins and 2 supernodes\.$/);
  assert.deepEqual(source.saves.at(-1), {
    id: '7',
    supernodes: [
      { name: 'France', nodeIds: ['0_31_3', '0_8_3'] },
      { name: 'capital', nodeIds: ['0_17_1', '1_12_4'] },
    ],
    pinnedNodeIds: ['2_61_4', '0_17_1', '1_12_4'],
  });
  await page.reload();
  await page.locator('[data-testid="supernode"][data-name="capital"]').waitFor();
  for (const id of ['2_61_4', '0_17_1', '1_12_4'])
    assert.equal(await page.locator(nodeSelector(id)).getAttribute('data-pinned'), 'true', `${id} after reload`);
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'graph-page.png'), fullPage: true });
});

test('a graph id with no graph says so', async () => {
  const page = await browser.newPage();
  await source.preparePage(page);
  await page.goto(`${source.webUrl}/graphs/404`);
  assert.match(await page.getByTestId('graph-missing').innerText(), /^No graph with id 404\./);
});

// The attribution graph page (issue 18) in real headless Chromium on a real atlas: `npm start`, seeded with the
// worker's own commands on the built-in one-layer LM (paired activations → a transcoder → analysed and ingested as
// the model's transcoder set → a graph built and stored). Nodes in their layer's row and their token's column, the
// pruning sliders, the hover card, click through to the feature page and back, pins and supernodes saved and read
// back through GraphQL, the list page, the Neuronpedia JSON download. Expected values come from the graph as the
// test itself reads it through GraphQL, never from the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { runOnAtlas } from './runOnAtlas.js';
import { queryStack, repoRoot, startStack, type Stack } from './stack.js';

interface GraphNode {
  nodeId: string;
  kind: 'EMBEDDING' | 'FEATURE' | 'ERROR' | 'LOGIT';
  layer: number;
  position: number;
  featureIndex: number | null;
  tokenText: string | null;
  activation: number | null;
  probability: number | null;
  influence: number;
  feature: { dictionaryId: string; index: number; label: string | null; topActivations: unknown[] } | null;
}

interface StoredGraph {
  id: string;
  title: string;
  prompt: string;
  tokens: string[];
  nodeCount: number;
  edgeCount: number;
  nodesBeforePruning: number;
  edgesBeforePruning: number;
  replacementScore: number | null;
  completenessScore: number | null;
  transcoders: { id: string; name: string }[];
  nodes: GraphNode[];
  edges: { source: string; target: string; weight: number }[];
  supernodes: { name: string; nodeIds: string[] }[];
  pinnedNodeIds: string[];
}

const GRAPH_QUERY = `query($id: ID!) { graph(id: $id) {
  id title prompt tokens nodeCount edgeCount nodesBeforePruning edgesBeforePruning replacementScore completenessScore
  transcoders { id name }
  nodes { nodeId kind layer position featureIndex tokenText activation probability influence
          feature { dictionaryId index label topActivations(first: 3) { maxActivation } } }
  edges { source target weight }
  supernodes { name nodeIds }
  pinnedNodeIds
} }`;

const PROMPT = 'The man walked into the house and';
const TITLE = 'e2e: man walked into the house';
const N_LAYERS = 1; // the built-in LM
const shots = join(repoRoot, 'test-results');

let stack: Stack;
let browser: Browser;
let apiKey: string;
let dictionaryId: string;
/** The graph as the api serves it right after it was built. */
let graph: StoredGraph;

const query = <T>(q: string, variables: Record<string, unknown> = {}) => queryStack<T>(stack, q, variables);

async function readGraph(id: string): Promise<StoredGraph | null> {
  return (await query<{ graph: StoredGraph | null }>(GRAPH_QUERY, { id })).graph;
}

const execFileAsync = promisify(execFile);
/** Where the transcoder's activations and weights are made: extract and train need no database. */
const seedDir = mkdtempSync(join(tmpdir(), 'atlas-e2e-graph-'));

/** A one-layer transcoder for the built-in LM, trained by the worker's own commands on a few thousand Brown tokens. */
async function trainTranscoder(): Promise<string> {
  const [acts, folder] = [join(seedDir, 'acts'), join(seedDir, 'tc-l0')];
  const worker = (...args: string[]) =>
    execFileAsync(process.execPath, ['--import', 'tsx', 'worker/src/cli/main.ts', ...args], { cwd: repoRoot });
  await worker('extract', '--model', 'builtin', '--hook', 'blocks.0.ln2.hook_normalized', '--target-hook', 'blocks.0.hook_mlp_out', '--max-tokens', '3000', '--out', acts); // prettier-ignore
  await worker('train', '--arch', 'transcoder', '--acts', acts, '--out', folder, '--latents', '128', '--k', '4', '--tokens', '20000', '--seed', '7', '--checkpoint-every', '0'); // prettier-ignore
  return folder;
}

before(async () => {
  // The transcoder trains while `npm start` comes up (they share nothing); the rest needs the running atlas.
  const [started, folder] = await Promise.all([startStack(undefined, { ATLAS_WORKERS: '0' }), trainTranscoder()]);
  stack = started;
  const worker = (...args: string[]) => runOnAtlas(stack, 'worker/src/cli/main.ts', ...args);
  worker('analyze', '--sae', folder, '--max-tokens', '2000', '--name', 'tc-l0');
  const { dictionaries } = await query<{ dictionaries: { id: string; name: string; modelName: string | null }[] }>(
    '{ dictionaries { id name modelName } }',
  );
  const transcoder = dictionaries.find((d) => d.name === 'tc-l0');
  assert.ok(transcoder?.modelName, `the ingested transcoder: ${JSON.stringify(dictionaries)}`);
  dictionaryId = transcoder.id;
  // The atlas model's name and no --transcoders makes the CLI use the model's ingested transcoder set.
  const stored = worker('graph', '--model', transcoder.modelName, '--prompt', PROMPT, '--title', TITLE, '--database');
  const graphId = /^stored as graph (\d+)$/.exec(stored)?.[1];
  assert.ok(graphId, `worker graph said: ${stored}`);
  graph = (await readGraph(graphId))!;
  assert.ok(graph, `graph ${graphId} is not served`);
  assert.deepEqual(graph.transcoders, [{ id: dictionaryId, name: 'tc-l0' }]);
  const features = graph.nodes.filter((n) => n.kind === 'FEATURE');
  assert.ok(features.length >= 3, `the graph has ${features.length} feature nodes`);
  for (const n of features)
    assert.deepEqual([n.feature?.dictionaryId, n.feature?.index], [dictionaryId, n.featureIndex], n.nodeId);
  apiKey = runOnAtlas(stack, 'api/src/cli/apiKey.ts', 'create', '--name', 'e2e');
  assert.match(apiKey, /^atlas_/);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(seedDir, { recursive: true, force: true });
});

async function openGraph(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${stack.webUrl}/graphs/${graph.id}`);
  await page.getByTestId('graph-svg').waitFor();
  return page;
}

const nodeSelector = (id: string) => `[data-testid="graph-node"][data-node-id="${id}"]`;
const rowLabel = (layer: number) => (layer === -1 ? 'emb' : layer === N_LAYERS ? 'logits' : `L${layer}`);

/** Every drawn node's centre, in one round trip (a locator per node costs a second on a busy machine). */
async function nodeCentres(page: Page): Promise<Map<string, { x: number; y: number }>> {
  return new Map(
    await page.getByTestId('graph-node').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return [e.getAttribute('data-node-id')!, { x: r.left + r.width / 2, y: r.top + r.height / 2 }] as const;
      }),
    ),
  );
}

/** The feature nodes, most influential (lowest cumulative influence) first. */
const featureNodes = () =>
  graph.nodes.filter((n) => n.kind === 'FEATURE' && n.feature).sort((a, b) => a.influence - b.influence);

test('every node sits in its layer’s row (embeddings lowest, logits on top) and its token’s column', async () => {
  const page = await openGraph();
  assert.equal(await page.getByTestId('graph-node').count(), graph.nodes.length);
  const rowBands = await page.locator('[data-testid="graph-row"]').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { label: e.getAttribute('data-label'), top: r.top, bottom: r.bottom };
    }),
  );
  assert.deepEqual(
    [...rowBands].sort((a, b) => a.top - b.top).map((b) => b.label),
    ['logits', 'L0', 'emb'],
  );
  const tokenXs = await page.locator('[data-testid="graph-token"]').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { position: Number(e.getAttribute('data-position')), x: r.left + r.width / 2, text: e.textContent };
    }),
  );
  assert.deepEqual(
    tokenXs.map((t) => t.position),
    graph.tokens.map((_, p) => p),
  );
  // Each axis label's <title> names its position and token.
  graph.tokens.forEach((t, p) =>
    assert.ok(tokenXs[p].text?.startsWith(`position ${p}: ${JSON.stringify(t)}`), `axis ${p}: ${tokenXs[p].text}`),
  );
  const centres = await nodeCentres(page);
  for (const n of graph.nodes) {
    const c = centres.get(n.nodeId);
    assert.ok(c, `${n.nodeId} is not drawn`);
    const band = rowBands.find((b) => b.label === rowLabel(n.layer))!;
    assert.ok(c.y > band.top && c.y < band.bottom, `${n.nodeId} (y ${c.y}) is outside row ${rowLabel(n.layer)}`);
    const nearest = tokenXs.reduce((best, t) => (Math.abs(t.x - c.x) < Math.abs(best.x - c.x) ? t : best));
    assert.equal(nearest.position, n.position, `${n.nodeId} is drawn nearest token ${nearest.position}`);
  }
  const g = graph;
  assert.match(
    await page.getByTestId('graph-summary').innerText(),
    new RegExp(`${g.nodeCount} nodes and ${g.edgeCount} edges kept of ${g.nodesBeforePruning} and ${g.edgesBeforePruning}`), // prettier-ignore
  );
  assert.equal(await page.getByTestId('graph-json').getAttribute('href'), `/graphs/${graph.id}/json`);
  // A 128-latent transcoder trained on 20k tokens leaves errors: both scores lie strictly between 0 and 1.
  const [r, c] = [g.replacementScore ?? NaN, g.completenessScore ?? NaN];
  assert.ok(r > 0 && r < 1 && c > 0 && c < 1, `replacement ${r}, completeness ${c}`);
  assert.equal(
    await page.getByTestId('graph-scores').innerText(),
    `replacement score ${r.toFixed(2)} · completeness score ${c.toFixed(2)}`,
  );
});

test('the sliders show exactly the nodes with influence ≤ t and the edges between them above the weight', async () => {
  const page = await openGraph();
  // A threshold on the slider's 0.01 grid that keeps about half of the nodes (both sides non-empty).
  const keptAt = (t: number) => graph.nodes.filter((n) => n.influence <= t).length;
  let t = 0.01;
  for (let c = 0.01; c <= 1; c += 0.01)
    if (Math.abs(keptAt(c) - graph.nodes.length / 2) < Math.abs(keptAt(t) - graph.nodes.length / 2)) t = c;
  const nodeSlider = page.getByLabel('node influence threshold');
  await nodeSlider.fill(t.toFixed(2));
  const threshold = Number(await nodeSlider.inputValue());
  assert.ok(Math.abs(threshold - t) < 1e-9, `the slider took ${threshold} for ${t}`);
  assert.equal(await page.getByTestId('node-threshold-value').innerText(), t.toFixed(2));
  const kept = new Set(graph.nodes.filter((n) => n.influence <= threshold).map((n) => n.nodeId));
  assert.ok(kept.size > 0 && kept.size < graph.nodes.length, `t = ${threshold} keeps ${kept.size} nodes`);
  const drawn = await page
    .getByTestId('graph-node')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')!));
  assert.deepEqual(new Set(drawn), kept);
  assert.equal(drawn.length, kept.size);
  const edgesBetweenKept = graph.edges.filter((e) => kept.has(e.source) && kept.has(e.target));
  const drawnEdges = async () =>
    (
      await page
        .getByTestId('graph-edge')
        .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-source')}→${e.getAttribute('data-target')}`))
    ).sort();
  assert.deepEqual(await drawnEdges(), edgesBetweenKept.map((e) => `${e.source}→${e.target}`).sort());

  // The edge slider: at about the median |weight| of the shown edges, only those at or above it stay.
  const weights = edgesBetweenKept.map((e) => Math.abs(e.weight)).sort((a, b) => a - b);
  assert.ok(weights.length >= 2, `${weights.length} edges between the kept nodes`);
  const edgeSlider = page.getByLabel('edge weight threshold');
  await edgeSlider.fill(String(weights[Math.floor(weights.length / 2)]));
  // The browser snaps the value to the slider's step: count against the value it took.
  const minWeight = Number(await edgeSlider.inputValue());
  const strong = edgesBetweenKept.filter((e) => Math.abs(e.weight) >= minWeight);
  assert.ok(strong.length > 0 && strong.length < edgesBetweenKept.length, `|weight| ≥ ${minWeight}: ${strong.length}`);
  assert.deepEqual(await drawnEdges(), strong.map((e) => `${e.source}→${e.target}`).sort());
});

test('a feature node’s card shows its label and activation; clicking opens its feature page, which links back', async () => {
  const page = await openGraph();
  // The most influential feature node with a label (analyze labels most live features), so the label is checked.
  const node = featureNodes().find((n) => n.feature?.label);
  assert.ok(node, 'no feature node of the graph has a label');
  const f = node.feature!;
  await page.locator(nodeSelector(node.nodeId)).hover();
  const card = page.getByTestId('graph-card');
  await card.waitFor();
  const text = await card.innerText();
  assert.ok(
    text.includes(`L0 feature #${f.index}, position ${node.position} ${JSON.stringify(graph.tokens[node.position])}`),
    text,
  );
  assert.equal(await card.getByTestId('graph-card-label').innerText(), f.label);
  assert.ok(text.includes(`activation ${node.activation!.toFixed(3)} · influence ${node.influence.toFixed(3)}`), text);
  assert.ok(f.topActivations.length > 0, `feature ${f.index} has no top examples`);
  assert.equal(await card.getByTestId('example').count(), f.topActivations.length);
  // Steer from here: /steer with this feature preselected (the default ADD at 4 × max) and the graph's prompt.
  const steer = new URL((await card.getByTestId('steer-from-here').getAttribute('href'))!, stack.webUrl);
  assert.equal(steer.pathname, '/steer');
  assert.deepEqual(steer.searchParams.getAll('i'), [`${dictionaryId}:${f.index}:ADD:4`]);
  assert.equal(steer.searchParams.get('prompt'), PROMPT);

  // The likeliest logit's card shows its token and probability; then the pointer leaves, and the card closes (it
  // may cover the feature node).
  const logit = graph.nodes
    .filter((n) => n.kind === 'LOGIT')
    .reduce((a, b) => ((b.probability ?? 0) > (a.probability ?? 0) ? b : a));
  await page.locator(nodeSelector(logit.nodeId)).hover();
  const logitText = await card.innerText();
  assert.ok(logitText.includes(`logit ${JSON.stringify(logit.tokenText)}`), logitText);
  assert.ok(logitText.includes(`probability ${logit.probability!.toFixed(3)}`), logitText);

  await page.mouse.move(1, 1);
  await card.waitFor({ state: 'hidden' });
  await page.locator(nodeSelector(node.nodeId)).click();
  await page.waitForURL(new RegExp(`/d/${dictionaryId}/f/${f.index}$`));
  const section = page.getByTestId('feature-graphs');
  await section.waitFor();
  assert.match(await section.innerText(), /^Appears in graphs/);
  assert.equal(await section.getByRole('link', { name: TITLE }).getAttribute('href'), `/graphs/${graph.id}`);
});

test('pin two nodes, group them into a named supernode, Save stores them (read back), and a reload shows them', async () => {
  const page = await openGraph();
  const [a, b] = featureNodes().map((n) => n.nodeId);
  await page.locator(nodeSelector(a)).click({ modifiers: ['Shift'] });
  // The second one through its card's Pin button.
  await page.locator(nodeSelector(b)).hover();
  await page.getByTestId('graph-card').getByRole('button', { name: 'Pin' }).click();
  assert.equal(await page.locator(nodeSelector(a)).getAttribute('data-pinned'), 'true');
  assert.equal(await page.getByTestId('pinned-list').locator('li').count(), 2);
  await page.getByLabel('supernode name').fill('pair');
  await page.getByRole('button', { name: 'Group ticked pins' }).click();
  await page.locator('[data-testid="supernode"][data-name="pair"]').waitFor();
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Save' }).click();
  assert.match(await page.getByTestId('graph-save-message').innerText(), /^Saved 2 pins and 1 supernodes\.$/);
  const saved = (await readGraph(graph.id))!;
  assert.deepEqual(saved.supernodes, [{ name: 'pair', nodeIds: [a, b] }]);
  assert.deepEqual(saved.pinnedNodeIds, [a, b]);

  await page.reload();
  const box = await page.locator('[data-testid="supernode"][data-name="pair"] rect').boundingBox();
  assert.ok(box, 'no supernode box after reload');
  const centres = await nodeCentres(page);
  for (const id of [a, b]) {
    assert.equal(await page.locator(nodeSelector(id)).getAttribute('data-pinned'), 'true', `${id} after reload`);
    const c = centres.get(id)!;
    assert.ok(c.x > box.x && c.x < box.x + box.width && c.y > box.y && c.y < box.y + box.height, `${id} outside`);
  }
  if (process.env.ATLAS_SCREENSHOTS === '1')
    await page.screenshot({ path: join(repoRoot, 'docs', 'graph.png'), fullPage: true });
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'graph-page.png'), fullPage: true });
});

test('the /graphs list links the graph; the Neuronpedia JSON download has its nodes', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/graphs`);
  const row = page.getByTestId('graph-list').locator('tbody tr', { hasText: TITLE });
  assert.equal(await row.getByRole('link', { name: TITLE }).getAttribute('href'), `/graphs/${graph.id}`);
  assert.equal(await row.locator('td:nth-child(4)').innerText(), String(graph.nodeCount));
  assert.equal(await row.locator('td:nth-child(5)').innerText(), String(graph.edgeCount));

  const res = await fetch(`${stack.webUrl}/graphs/${graph.id}/json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const json = (await res.json()) as { nodes: unknown[]; links: unknown[] };
  assert.equal(json.nodes.length, graph.nodeCount);
});

test('a graph id with no graph says so', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/graphs/999999`);
  assert.match(await page.getByTestId('graph-missing').innerText(), /^No graph with id 999999\./);
});

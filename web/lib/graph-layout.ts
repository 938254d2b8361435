// Where an attribution graph's nodes go on the page, kept free of React so it is tested alone: a row per layer
// (token embeddings at the bottom, transcoder layers upward, output logits on top) and a column per token position;
// the nodes of one (layer, position) cell side by side, most influential first, wrapping onto further lines.
import type { GraphNodeKind } from './gql/graphql';

/** What the layout reads of a node (GraphNode in the api's schema). */
export interface LayoutNode {
  nodeId: string;
  kind: GraphNodeKind;
  /** -1 for embeddings, the transcoder layer for FEATURE/ERROR, nLayers for LOGIT. */
  layer: number;
  position: number;
  /** Neuronpedia's cumulative influence share (0..1): smaller is more influential. */
  influence: number;
}

/** What the layout reads of an edge. */
export interface LayoutEdge {
  source: string;
  target: string;
  weight: number;
}

/** Pixel sizes of the drawing (SVG user units). */
export const NODE_RADIUS = 6;
/** Centre-to-centre distance of two nodes of one cell: 2 radii and a gap. */
export const NODE_SPACING = 18;
/** Nodes on one line of a cell before it wraps (a wide cell would push the other columns off screen). */
export const NODES_PER_LINE = 6;
const CELL_PADDING = 10;
const MIN_COLUMN_WIDTH = 56;
const MIN_ROW_HEIGHT = 48;
/** Room on the left for the row labels and at the bottom for the token text. */
export const LEFT_MARGIN = 64;
export const BOTTOM_MARGIN = 48;
const TOP_MARGIN = 16;

export interface PlacedNode<N extends LayoutNode = LayoutNode> {
  node: N;
  x: number;
  y: number;
  /** 0 = embeddings; rows count upward. */
  row: number;
  column: number;
}

export interface GraphLayout<N extends LayoutNode = LayoutNode> {
  width: number;
  height: number;
  nodes: PlacedNode<N>[];
  byId: Map<string, PlacedNode<N>>;
  /** Per row (0 = embeddings): its label and the y of its centre line. */
  rows: { label: string; y: number; top: number; bottom: number }[];
  /** Per token position: the x of its centre and its left and right edges. */
  columns: { x: number; left: number; right: number }[];
}

/** Transcoder layers of a graph: the logits' layer, else one past the highest layer of any node. */
export function layerCount(nodes: readonly LayoutNode[]): number {
  const logit = nodes.find((n) => n.kind === 'LOGIT');
  if (logit) return logit.layer;
  return nodes.reduce((m, n) => Math.max(m, n.layer + 1), 0);
}

/** The label of a row: "emb", "L0"…, "logits". */
export function rowLabel(row: number, nLayers: number): string {
  if (row === 0) return 'emb';
  if (row === nLayers + 1) return 'logits';
  return `L${row - 1}`;
}

/** Order within a cell: features first, then errors, each most influential (smallest influence) first. */
function cellOrder(a: LayoutNode, b: LayoutNode): number {
  const kindRank = (n: LayoutNode) => (n.kind === 'ERROR' ? 1 : 0);
  return kindRank(a) - kindRank(b) || a.influence - b.influence || a.nodeId.localeCompare(b.nodeId);
}

/**
 * Positions of every node: rows by layer, columns by token position, each cell's nodes on lines of NODES_PER_LINE.
 * A column is as wide as its widest cell, a row as tall as its tallest, so cells never overlap.
 */
export function layoutGraph<N extends LayoutNode>(nodes: readonly N[], nTokens: number): GraphLayout<N> {
  const nLayers = layerCount(nodes);
  const nRows = nLayers + 2;
  const nColumns = Math.max(nTokens, ...nodes.map((n) => n.position + 1));
  for (const n of nodes) {
    if (n.layer < -1 || n.layer > nLayers)
      throw new Error(`node ${n.nodeId}: layer ${n.layer} is outside -1..${nLayers} (the logits' layer)`);
    if (!Number.isInteger(n.position) || n.position < 0)
      throw new Error(`node ${n.nodeId}: position ${n.position} is not a token position (a whole number ≥ 0)`);
  }
  const cells = new Map<string, N[]>();
  const cellKey = (row: number, column: number) => `${row}:${column}`;
  for (const n of nodes) {
    const key = cellKey(n.layer + 1, n.position);
    const cell = cells.get(key);
    if (cell) cell.push(n);
    else cells.set(key, [n]);
  }
  const columnNodes = new Array<number>(nColumns).fill(1);
  const rowLines = new Array<number>(nRows).fill(1);
  for (const [key, cell] of cells) {
    const [row, column] = key.split(':').map(Number);
    cell.sort(cellOrder);
    columnNodes[column] = Math.max(columnNodes[column], Math.min(cell.length, NODES_PER_LINE));
    rowLines[row] = Math.max(rowLines[row], Math.ceil(cell.length / NODES_PER_LINE));
  }
  const columns: GraphLayout['columns'] = [];
  let left = LEFT_MARGIN;
  for (let c = 0; c < nColumns; c++) {
    const width = Math.max(MIN_COLUMN_WIDTH, columnNodes[c] * NODE_SPACING + 2 * CELL_PADDING);
    columns.push({ left, right: left + width, x: left + width / 2 });
    left += width;
  }
  // Rows are stacked from the top (logits) down, so row 0 (embeddings) ends up at the bottom.
  const rows: GraphLayout['rows'] = new Array(nRows);
  let top = TOP_MARGIN;
  for (let r = nRows - 1; r >= 0; r--) {
    const height = Math.max(MIN_ROW_HEIGHT, rowLines[r] * NODE_SPACING + 2 * CELL_PADDING);
    rows[r] = { label: rowLabel(r, nLayers), top, bottom: top + height, y: top + height / 2 };
    top += height;
  }
  const placed: PlacedNode<N>[] = [];
  for (const [key, cell] of cells) {
    const [row, column] = key.split(':').map(Number);
    const lines = Math.ceil(cell.length / NODES_PER_LINE);
    cell.forEach((node, i) => {
      const line = Math.floor(i / NODES_PER_LINE);
      const onLine = line === lines - 1 ? cell.length - line * NODES_PER_LINE : NODES_PER_LINE;
      const slot = i % NODES_PER_LINE;
      placed.push({
        node,
        row,
        column,
        x: columns[column].x + (slot - (onLine - 1) / 2) * NODE_SPACING,
        // The first line lowest, further lines above it: more influential nodes nearer the row's bottom.
        y: rows[row].y + ((lines - 1) / 2 - line) * NODE_SPACING,
      });
    });
  }
  return {
    width: left + CELL_PADDING,
    height: top + BOTTOM_MARGIN,
    nodes: placed,
    byId: new Map(placed.map((p) => [p.node.nodeId, p])),
    rows,
    columns,
  };
}

/**
 * The pruned view: the nodes whose influence is at most `nodeThreshold` (Neuronpedia's meaning: the smallest set
 * of nodes holding that share of the influence on the logits), and the edges between kept nodes whose |weight| is at
 * least `minEdgeWeight`.
 */
export function pruneGraph<N extends LayoutNode, E extends LayoutEdge>(
  nodes: readonly N[],
  edges: readonly E[],
  nodeThreshold: number,
  minEdgeWeight = 0,
): { nodes: N[]; edges: E[] } {
  const kept = nodes.filter((n) => n.influence <= nodeThreshold);
  const ids = new Set(kept.map((n) => n.nodeId));
  return {
    nodes: kept,
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target) && Math.abs(e.weight) >= minEdgeWeight),
  };
}

/** An edge's stroke: width 0.5..4 by |weight| relative to the largest, blue when it excites, red when it inhibits. */
export function edgeStroke(weight: number, maxAbsWeight: number): { width: number; colour: string } {
  const share = maxAbsWeight > 0 ? Math.min(1, Math.abs(weight) / maxAbsWeight) : 0;
  return { width: 0.5 + 3.5 * share, colour: weight >= 0 ? '#2563eb' : '#dc2626' };
}

/** The box drawn around a supernode's members (those placed), with room for the node circles; null if none is. */
export function supernodeBox(
  layout: GraphLayout,
  nodeIds: readonly string[],
): { x: number; y: number; width: number; height: number } | null {
  const members = nodeIds.flatMap((id) => layout.byId.get(id) ?? []);
  if (!members.length) return null;
  const pad = NODE_RADIUS + 4;
  const xs = members.map((m) => m.x);
  const ys = members.map((m) => m.y);
  const x = Math.min(...xs) - pad;
  const y = Math.min(...ys) - pad;
  return { x, y, width: Math.max(...xs) + pad - x, height: Math.max(...ys) + pad - y };
}

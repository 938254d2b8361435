'use client';
// An attribution graph, explorable: nodes by layer (rows, embeddings at the bottom) and token position (columns),
// edges by weight and sign, a pruning slider on node influence and one on |edge weight|, a hover card with the
// node's feature, click through to the feature page, pins and named supernodes saved with the graph.
// Plain SVG rather than a charting library: the layout is a fixed grid (lib/graph-layout.ts) and every node needs
// its own events and attributes, which SVG elements give directly.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type CSSProperties, type MouseEvent } from 'react';
import { ApiKeyField } from '@/components/api-key-field';
import { TokenWindow } from '@/components/token-window';
import { ApiAnswerError } from '@/lib/api-answer';
import { useApiKey } from '@/lib/api-key';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { fmt } from '@/lib/format';
import { groupNodes, removeSupernode, togglePin, type GraphAnnotations } from '@/lib/graph-annotations';
import {
  BOTTOM_MARGIN,
  edgeStroke,
  LEFT_MARGIN,
  layoutGraph,
  NODE_RADIUS,
  pruneGraph,
  supernodeBox,
  type PlacedNode,
} from '@/lib/graph-layout';
import { GRAPH_PAGE, SAVE_GRAPH_ANNOTATIONS, type GraphPageGraph, type GraphPageNode } from '@/lib/graph-queries';
import { DEFAULT_MODE, DEFAULT_SAMPLING, DEFAULT_STRENGTH, DEFAULT_UNIT, steerSearch } from '@/lib/steer';

/** How long the hover card stays after the pointer leaves its node: time to reach the card. */
const CARD_CLOSE_MS = 300;

const KIND_FILL: Record<GraphPageNode['kind'], string> = {
  EMBEDDING: '#94a3b8',
  FEATURE: '#f59e0b',
  ERROR: '#a1a1aa',
  LOGIT: '#10b981',
};

/** The atlas feature a FEATURE node is: its own `feature`, else its layer's transcoder and its index. */
function featureAddress(
  node: GraphPageNode,
  transcoders: GraphPageGraph['transcoders'],
): { dictionaryId: string; index: number } | null {
  if (node.kind !== 'FEATURE') return null;
  if (node.feature) return { dictionaryId: node.feature.dictionaryId, index: node.feature.index };
  const transcoder = transcoders[node.layer];
  return transcoder && node.featureIndex != null ? { dictionaryId: transcoder.id, index: node.featureIndex } : null;
}

/** /steer with this feature preselected (the default mode and strength) and the graph's prompt. */
function steerHref(prompt: string, at: { dictionaryId: string; index: number }): string {
  return `/steer?${steerSearch({
    prompt,
    interventions: [{ ...at, mode: DEFAULT_MODE, strength: DEFAULT_STRENGTH, unit: DEFAULT_UNIT, positions: null }],
    sampling: DEFAULT_SAMPLING,
  })}`;
}

/** A node's name for people: what it is, where. */
function nodeTitle(node: GraphPageNode, tokens: readonly string[]): string {
  const at = `position ${node.position} ${JSON.stringify(tokens[node.position] ?? '')}`;
  switch (node.kind) {
    case 'EMBEDDING':
      return `embedding of ${JSON.stringify(node.tokenText ?? tokens[node.position] ?? '')}, ${at}`;
    case 'LOGIT':
      return `logit ${JSON.stringify(node.tokenText ?? '')}`;
    case 'ERROR':
      return `error of transcoder L${node.layer}, ${at}`;
    case 'FEATURE':
      return `L${node.layer} feature #${node.featureIndex ?? '?'}, ${at}`;
  }
}

export function AttributionGraph({ graphId }: { graphId: string }) {
  const [graph, setGraph] = useState<GraphPageGraph | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    clientRequest(GRAPH_PAGE, { id: graphId }).then(
      (r) => live && setGraph(r.graph),
      (err: unknown) =>
        live &&
        (err instanceof ApiAnswerError && err.code === 'NOT_FOUND'
          ? setGraph(null)
          : setLoadError(describeFailure(err))),
    );
    return () => {
      live = false;
    };
  }, [graphId]);
  if (loadError)
    return (
      <p className="error" data-testid="graph-error">
        Could not load graph {graphId}: {loadError}
      </p>
    );
  if (graph === undefined) return <p className="muted">Loading graph {graphId}…</p>;
  if (graph === null)
    return (
      <p className="empty" data-testid="graph-missing">
        No graph with id {graphId}. <Link href="/graphs">All graphs</Link>.
      </p>
    );
  return <GraphExplorer graph={graph} />;
}

function GraphExplorer({ graph }: { graph: GraphPageGraph }) {
  const router = useRouter();
  const apiKey = useApiKey();
  const maxInfluence = useMemo(() => Math.max(0, ...graph.nodes.map((n) => n.influence)), [graph.nodes]);
  const maxAbsWeight = useMemo(() => Math.max(0, ...graph.edges.map((e) => Math.abs(e.weight))), [graph.edges]);
  const [nodeThreshold, setNodeThreshold] = useState(maxInfluence);
  const [minEdgeWeight, setMinEdgeWeight] = useState(0);
  const [focused, setFocused] = useState<string | null>(null);
  // The card closes a moment after the pointer leaves its node, unless it moves onto the card (to Pin or follow a
  // link); closing at once would make the card unreachable, never closing would let it cover the nodes beside.
  const closing = useRef<ReturnType<typeof setTimeout> | null>(null);
  const keepCard = () => {
    if (closing.current) clearTimeout(closing.current);
    closing.current = null;
  };
  const closeCardSoon = () => {
    keepCard();
    closing.current = setTimeout(() => setFocused(null), CARD_CLOSE_MS);
  };
  const focus = (nodeId: string) => {
    keepCard();
    setFocused(nodeId);
  };
  useEffect(() => keepCard, []);
  const [annotations, setAnnotations] = useState<GraphAnnotations>({
    pinned: graph.pinnedNodeIds,
    supernodes: graph.supernodes.map((s) => ({ name: s.name, nodeIds: s.nodeIds })),
  });
  const [selected, setSelected] = useState<string[]>([]);
  const [groupName, setGroupName] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  // The layout is of every node, so pruning hides nodes without moving the others.
  const layout = useMemo(() => layoutGraph(graph.nodes, graph.tokens.length), [graph.nodes, graph.tokens.length]);
  const pruned = useMemo(
    () => pruneGraph(graph.nodes, graph.edges, nodeThreshold, minEdgeWeight),
    [graph.nodes, graph.edges, nodeThreshold, minEdgeWeight],
  );
  const nodeById = useMemo(() => new Map(graph.nodes.map((n) => [n.nodeId, n])), [graph.nodes]);
  const shown = pruned.nodes.flatMap((n) => layout.byId.get(n.nodeId) ?? []);
  const focusedNode = focused ? nodeById.get(focused) : undefined;
  const focusedPlace = focused ? layout.byId.get(focused) : undefined;

  const pin = (nodeId: string) => {
    const pinning = !annotations.pinned.includes(nodeId);
    setAnnotations((a) => togglePin(a, nodeId));
    setSelected((s) => (pinning ? [...s, nodeId] : s.filter((id) => id !== nodeId)));
  };
  const onNodeClick = (e: MouseEvent, node: GraphPageNode) => {
    if (e.shiftKey || e.altKey || e.metaKey || e.ctrlKey) return pin(node.nodeId);
    const at = featureAddress(node, graph.transcoders);
    if (at) router.push(`/d/${at.dictionaryId}/f/${at.index}`);
    else focus(node.nodeId);
  };
  const group = () => {
    const next = groupNodes(annotations, groupName, selected);
    if (typeof next === 'string') return setMessage({ error: true, text: next });
    setAnnotations(next);
    setSelected([]);
    setGroupName('');
    setMessage(null);
  };
  const save = async () => {
    if (!apiKey)
      return setMessage({
        error: true,
        text: 'Paste an API key in the "API key" field first (an operator creates one with npm run api:key -- create --name you).',
      });
    setSaving(true);
    try {
      const { saveGraphAnnotations: saved } = await clientRequest(
        SAVE_GRAPH_ANNOTATIONS,
        { id: graph.id, supernodes: annotations.supernodes, pinnedNodeIds: annotations.pinned },
        apiKey,
      );
      setAnnotations({ pinned: saved.pinnedNodeIds, supernodes: saved.supernodes });
      setMessage({ error: false, text: `Saved ${saved.pinnedNodeIds.length} pins and ${saved.supernodes.length} supernodes.` }); // prettier-ignore
    } catch (err) {
      setMessage({ error: true, text: describeFailure(err) });
    } finally {
      setSaving(false);
    }
  };

  // Boxes around every member, shown or pruned, so a box keeps its place while the slider moves.
  const supernodeBoxes = useMemo(
    () =>
      annotations.supernodes.flatMap((s) => {
        const box = supernodeBox(layout, s.nodeIds);
        return box ? [{ name: s.name, box }] : [];
      }),
    [annotations.supernodes, layout],
  );
  // Nodes with a shown edge; the others are drawn faint (their edges fell under the weight slider).
  const connected = useMemo(() => new Set(pruned.edges.flatMap((e) => [e.source, e.target])), [pruned.edges]);
  return (
    <>
      <p className="muted">
        <Link href="/graphs">Graphs</Link> / {graph.id}
      </p>
      <h1 data-testid="graph-title">{graph.title}</h1>
      <p data-testid="graph-summary">
        {graph.modelName} · “{graph.prompt}” · {graph.nodeCount} nodes and {graph.edgeCount} edges kept of{' '}
        {graph.nodesBeforePruning} and {graph.edgesBeforePruning} (node threshold {fmt(graph.nodeThreshold)}, edge
        threshold {fmt(graph.edgeThreshold)}) · built in {fmt(graph.buildSeconds)} s ·{' '}
        <a
          href={`/graphs/${encodeURIComponent(graph.id)}/json`}
          download={`graph-${graph.id}.json`}
          data-testid="graph-json"
        >
          Neuronpedia JSON
        </a>
      </p>
      {graph.replacementScore != null && graph.completenessScore != null && (
        <p
          data-testid="graph-scores"
          title="circuit-tracer's scores of the unpruned graph: the share of logit influence that reaches the input tokens rather than stopping at reconstruction errors (replacement), and the influence-weighted share of nodes' inputs not from errors (completeness). Low values: the story runs through what the transcoders miss."
        >
          replacement score <strong>{fmt(graph.replacementScore, 2)}</strong> · completeness score{' '}
          <strong>{fmt(graph.completenessScore, 2)}</strong>
        </p>
      )}
      {graph.transcoders.length > 0 && (
        <p className="muted">
          Transcoders:{' '}
          {graph.transcoders.map((t, layer) => (
            <span key={t.id}>
              {layer > 0 && ', '}L{layer} <Link href={`/d/${t.id}`}>{t.name}</Link>
            </span>
          ))}
        </p>
      )}
      <div className="graph-controls">
        <label>
          keep nodes with influence ≤ <output data-testid="node-threshold-value">{fmt(nodeThreshold, 2)}</output>
          <input
            type="range"
            aria-label="node influence threshold"
            min={0}
            max={Math.max(maxInfluence, 0.01)}
            step={0.01}
            value={nodeThreshold}
            onChange={(e) => setNodeThreshold(Number(e.target.value))}
          />
        </label>
        <label>
          edges with |weight| ≥ <output data-testid="edge-threshold-value">{fmt(minEdgeWeight, 2)}</output>
          <input
            type="range"
            aria-label="edge weight threshold"
            min={0}
            max={maxAbsWeight || 1}
            step={(maxAbsWeight || 1) / 100}
            value={minEdgeWeight}
            onChange={(e) => setMinEdgeWeight(Number(e.target.value))}
          />
        </label>
        <span className="muted" data-testid="graph-shown">
          showing {pruned.nodes.length} of {graph.nodes.length} nodes, {pruned.edges.length} of {graph.edges.length}{' '}
          edges · shift-click a node to pin it
        </span>
      </div>
      <div className="graph-canvas">
        {/* The card is placed in the drawing's own coordinates: this box is exactly the drawing's size. */}
        <div className="graph-stage" style={{ width: layout.width, height: layout.height }}>
          <svg
            width={layout.width}
            height={layout.height}
            viewBox={`0 0 ${layout.width} ${layout.height}`}
            data-testid="graph-svg"
            role="img"
            aria-label={`attribution graph of “${graph.prompt}”`}
          >
            {layout.rows.map((r, i) => (
              <g key={i}>
                <rect
                  x={LEFT_MARGIN}
                  y={r.top}
                  width={layout.width - LEFT_MARGIN}
                  height={r.bottom - r.top}
                  fill={i % 2 ? '#f8fafc' : '#ffffff'}
                  data-testid="graph-row"
                  data-label={r.label}
                />
                <text x={8} y={r.y + 4} className="graph-axis">
                  {r.label}
                </text>
              </g>
            ))}
            {layout.columns.map((c, p) => (
              <text
                key={p}
                x={c.x}
                y={layout.height - BOTTOM_MARGIN + 20}
                textAnchor="middle"
                className="graph-axis"
                data-testid="graph-token"
                data-position={p}
              >
                <title>{`position ${p}: ${JSON.stringify(graph.tokens[p] ?? '')}`}</title>
                {shortToken(graph.tokens[p] ?? '')}
              </text>
            ))}
            {supernodeBoxes.map(({ name, box }) => (
              <g key={name} data-testid="supernode" data-name={name}>
                <rect {...box} rx={6} fill="#fef3c7" fillOpacity={0.5} stroke="#b45309" strokeDasharray="4 3" />
              </g>
            ))}
            <g>
              {pruned.edges.map((e, i) => {
                const [from, to] = [layout.byId.get(e.source), layout.byId.get(e.target)];
                if (!from || !to) return null;
                const { width, colour } = edgeStroke(e.weight, maxAbsWeight);
                const lit = focused === null || e.source === focused || e.target === focused;
                return (
                  <line
                    key={i}
                    x1={from.x}
                    y1={from.y}
                    x2={to.x}
                    y2={to.y}
                    stroke={colour}
                    strokeWidth={width}
                    strokeOpacity={lit ? 0.7 : 0.12}
                    data-testid="graph-edge"
                    data-source={e.source}
                    data-target={e.target}
                  >
                    <title>{`${e.source} → ${e.target}: ${fmt(e.weight)}`}</title>
                  </line>
                );
              })}
            </g>
            {shown.map((p) => (
              <NodeMark
                key={p.node.nodeId}
                placed={p}
                pinned={annotations.pinned.includes(p.node.nodeId)}
                focused={focused === p.node.nodeId}
                isolated={!connected.has(p.node.nodeId)}
                onEnter={() => focus(p.node.nodeId)}
                onLeave={closeCardSoon}
                onClick={(e) => onNodeClick(e, p.node)}
              />
            ))}
            {/* Names above the edges and nodes, so a busy graph does not hide them. */}
            {supernodeBoxes.map(({ name, box }) => (
              <text key={name} x={box.x + 2} y={box.y - 3} className="graph-supernode-name">
                {name}
              </text>
            ))}
          </svg>
          {focusedNode && focusedPlace && pruned.nodes.includes(focusedNode) && (
            <HoverCard
              node={focusedNode}
              graph={graph}
              placement={cardPlacement(focusedPlace, layout.height, layout.width)}
              pinned={annotations.pinned.includes(focusedNode.nodeId)}
              onPin={() => pin(focusedNode.nodeId)}
              onEnter={keepCard}
              onLeave={closeCardSoon}
            />
          )}
        </div>
      </div>
      <section className="graph-annotations" data-testid="graph-annotations">
        <h2>Pinned nodes and supernodes</h2>
        {annotations.pinned.length ? (
          <ul data-testid="pinned-list">
            {annotations.pinned.map((id) => {
              const node = nodeById.get(id);
              return (
                <li key={id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={selected.includes(id)}
                      onChange={(e) => setSelected((s) => (e.target.checked ? [...s, id] : s.filter((x) => x !== id)))}
                    />{' '}
                    {node ? nodeTitle(node, graph.tokens) : id}
                    {node?.feature?.label && <span className="muted"> — {node.feature.label}</span>}
                  </label>{' '}
                  <button type="button" onClick={() => pin(id)} aria-label={`unpin ${id}`}>
                    unpin
                  </button>
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="empty">No pinned nodes: shift-click a node, or use Pin in its card.</p>
        )}
        <p>
          <label>
            supernode name{' '}
            <input value={groupName} onChange={(e) => setGroupName(e.target.value)} placeholder="e.g. say a capital" />
          </label>{' '}
          <button type="button" onClick={group}>
            Group ticked pins
          </button>
        </p>
        {annotations.supernodes.length > 0 && (
          <ul data-testid="supernode-list">
            {annotations.supernodes.map((s) => (
              <li key={s.name}>
                <b>{s.name}</b>{' '}
                <span className="muted">
                  ({s.nodeIds.length} nodes: {s.nodeIds.join(', ')})
                </span>{' '}
                <button type="button" onClick={() => setAnnotations((a) => removeSupernode(a, s.name))}>
                  remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <p>
          <ApiKeyField />{' '}
          <button type="button" onClick={save} disabled={saving}>
            Save
          </button>
        </p>
        {message && (
          <p className={message.error ? 'error' : 'muted'} data-testid="graph-save-message">
            {message.text}
          </p>
        )}
      </section>
    </>
  );
}

/** The hover card's size in px: its width (set by the card's style), and a usual height with two examples. */
const CARD_WIDTH = 400;
const CARD_HEIGHT = 220;

/**
 * Where the card goes: right of the node and hanging down, unless it is in the drawing's right (lower) half and
 * there is room on the left (above); the drawing scrolls in a box that clips what leaves it.
 */
function cardPlacement(p: PlacedNode, height: number, width: number): CSSProperties {
  const gap = NODE_RADIUS + 8;
  const leftward = p.x >= width / 2 && p.x - gap - CARD_WIDTH >= 0;
  const upward = p.y >= height / 2 && p.y + 10 - CARD_HEIGHT >= 0;
  return {
    width: CARD_WIDTH,
    ...(leftward ? { right: width - p.x + gap } : { left: p.x + gap }),
    ...(upward ? { bottom: height - p.y - 10 } : { top: p.y - 10 }),
  };
}

/** The token as the axis shows it: spaces visible, long ones cut. */
function shortToken(token: string): string {
  const visible = token.replace(/ /g, '·').replace(/\n/g, '⏎');
  return visible.length > 8 ? `${visible.slice(0, 7)}…` : visible;
}

function NodeMark({
  placed,
  pinned,
  focused,
  isolated,
  onEnter,
  onLeave,
  onClick,
}: {
  placed: PlacedNode<GraphPageNode>;
  pinned: boolean;
  focused: boolean;
  isolated: boolean;
  onEnter: () => void;
  onLeave: () => void;
  onClick: (e: MouseEvent) => void;
}) {
  const { node, x, y } = placed;
  const common = {
    fill: KIND_FILL[node.kind],
    fillOpacity: isolated ? 0.45 : 1,
    stroke: pinned ? '#111827' : focused ? '#1d4ed8' : '#ffffff',
    strokeWidth: pinned || focused ? 2.5 : 1,
    style: { cursor: 'pointer' },
    'data-testid': 'graph-node',
    'data-node-id': node.nodeId,
    'data-kind': node.kind,
    'data-pinned': pinned ? 'true' : 'false',
    onMouseEnter: onEnter,
    onMouseLeave: onLeave,
    onClick,
  };
  // Features are circles; embeddings, errors and logits squares, so the kinds differ without colour too.
  return node.kind === 'FEATURE' ? (
    <circle cx={x} cy={y} r={NODE_RADIUS} {...common} />
  ) : (
    <rect x={x - NODE_RADIUS} y={y - NODE_RADIUS} width={2 * NODE_RADIUS} height={2 * NODE_RADIUS} rx={2} {...common} />
  );
}

function HoverCard({
  node,
  graph,
  placement,
  pinned,
  onPin,
  onEnter,
  onLeave,
}: {
  node: GraphPageNode;
  graph: GraphPageGraph;
  placement: CSSProperties;
  pinned: boolean;
  onPin: () => void;
  onEnter: () => void;
  onLeave: () => void;
}) {
  const at = featureAddress(node, graph.transcoders);
  const f = node.feature;
  const scale = f?.maxActivation ?? Math.max(0, ...(f?.topActivations.map((e) => e.maxActivation) ?? []));
  return (
    <div
      className="graph-card"
      style={placement}
      data-testid="graph-card"
      onMouseEnter={onEnter}
      onMouseLeave={onLeave}
    >
      <p>
        <b>{nodeTitle(node, graph.tokens)}</b>
      </p>
      {node.kind === 'FEATURE' && (
        <p data-testid="graph-card-label">
          {f ? (f.label ?? 'unlabelled') : 'not in the atlas (its transcoder is not ingested)'}
        </p>
      )}
      <p className="muted">
        {node.activation != null && <>activation {fmt(node.activation)} · </>}
        {node.probability != null && <>probability {fmt(node.probability)} · </>}
        influence {fmt(node.influence)}
      </p>
      {f && f.topActivations.length > 0 && (
        <div data-testid="graph-card-examples">
          {f.topActivations.map((e, i) => (
            <TokenWindow key={i} example={e} scale={scale} />
          ))}
        </div>
      )}
      <p>
        <button type="button" onClick={onPin}>
          {pinned ? 'Unpin' : 'Pin'}
        </button>
        {at && (
          <>
            {' '}
            <Link href={`/d/${at.dictionaryId}/f/${at.index}`}>feature page</Link> ·{' '}
            <Link href={steerHref(graph.prompt, at)} data-testid="steer-from-here">
              steer from here
            </Link>
          </>
        )}
      </p>
    </div>
  );
}

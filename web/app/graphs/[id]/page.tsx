// One attribution graph. The page is a shell: the graph view loads the graph from the browser (through /api/graphql),
// because everything on it is interactive (pruning, hover, pins, Save) and the graph is only drawn there.
import { AttributionGraph } from '@/components/graph/attribution-graph';

export default async function GraphPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AttributionGraph graphId={id} />;
}

// The graph in Neuronpedia's graph JSON, as a file to download (the graph page's link): asked of the api by the web
// server, which reaches it where a browser may not.
import { ApiAnswerError } from '@/lib/api-answer';
import { request } from '@/lib/graphql';
import { GRAPH_JSON } from '@/lib/graph-queries';

export const dynamic = 'force-dynamic';

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  try {
    const { graph } = await request(GRAPH_JSON, { id });
    if (!graph) return Response.json({ error: `no graph with id ${id}` }, { status: 404 });
    return new Response(JSON.stringify(graph.neuronpediaJson, null, 1), {
      headers: {
        'content-type': 'application/json',
        'content-disposition': `attachment; filename="graph-${id.replace(/[^\w.-]/g, '_')}.json"`,
      },
    });
  } catch (err) {
    if (err instanceof ApiAnswerError && err.code === 'NOT_FOUND')
      return Response.json({ error: `no graph with id ${id}` }, { status: 404 });
    throw err;
  }
}

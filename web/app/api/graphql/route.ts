// The browser's way to the api: pages' client components POST here and the web server forwards the request,
// with the caller's API key, to ATLAS_API_URL (which is often reachable only from the web server).
import { apiUrl } from '@/lib/config';

export const dynamic = 'force-dynamic';

export async function POST(req: Request): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const authorization = req.headers.get('authorization');
  if (authorization) headers.authorization = authorization;
  try {
    const res = await fetch(apiUrl(), { method: 'POST', headers, body: await req.text(), cache: 'no-store' });
    return new Response(res.body, { status: res.status, headers: { 'content-type': 'application/json' } });
  } catch (err) {
    const message = `the atlas api at ${apiUrl()} does not answer (${(err as Error).message}); start it with npm start`;
    return Response.json({ errors: [{ message, extensions: { code: 'API_UNAVAILABLE' } }] }, { status: 502 });
  }
}

// JSON answers written outside GraphQL execution (routing, CORS, body and time limits), in GraphQL's error shape so
// clients read every error the same way.
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** HTTP 400 with one BAD_REQUEST error. */
export function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

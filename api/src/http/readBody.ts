// A request body as text, within a size limit; a body past the limit is drained (so the client gets our 413 rather
// than a reset) but not kept.
import type { IncomingMessage } from 'node:http';

/** The body was larger than the limit; its message names the limit. */
export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      size > limit
        ? reject(new BodyTooLarge(`request body over ${limit} bytes`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

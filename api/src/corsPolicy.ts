// Which browser pages may call the api. A browser attaches `Origin` to cross-origin requests (and to every POST and
// WebSocket); the api answers its own origin and the listed ones (ATLAS_API_CORS_ORIGINS) and refuses the rest:
// without this, any web page open in a researcher's browser could read their local atlas, and WebSockets are not
// covered by CORS at all. Requests without `Origin` (curl, servers, the web's own pass-through) are not affected.
import type { IncomingHttpHeaders } from 'node:http';

export type OriginVerdict =
  | { kind: 'no-origin' | 'same-origin' }
  | { kind: 'allowed'; headers: Record<string, string> }
  | { kind: 'refused'; origin: string };

export interface CorsPolicy {
  judge(headers: IncomingHttpHeaders): OriginVerdict;
}

/** Same origin: the page was served by this host and port (the Host header the browser sent us). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file: pages) or garbage: never same-origin
  }
}

/** `allowed`: origins as `scheme://host[:port]`, or `*` for any (validated by config.ts). */
export function createCorsPolicy(allowed: readonly string[]): CorsPolicy {
  const any = allowed.includes('*');
  const listed = new Set(allowed);
  return {
    judge(headers) {
      const origin = headers.origin;
      if (origin === undefined) return { kind: 'no-origin' };
      if (sameOrigin(origin, headers.host)) return { kind: 'same-origin' };
      if (!any && !listed.has(origin)) return { kind: 'refused', origin };
      return {
        kind: 'allowed',
        headers: {
          // The origin itself rather than `*`, with Vary, so a shared cache never hands one origin's answer to another.
          'access-control-allow-origin': origin,
          vary: 'origin',
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'content-type, authorization, apollo-require-preflight',
          'access-control-max-age': '600',
        },
      };
    },
  };
}

// The web's configuration, read on the server: the api's address at request time, the proxy's page cache once.
import { z } from 'zod';

const PAGE_CACHE_MB_RULE = 'must be a number of MiB >= 0 such as 256 (0: no proxy page cache)';

export const WebEnv = z.object({
  /** GraphQL endpoint of the api, as the web server reaches it. */
  ATLAS_API_URL: z.string().url().default('http://127.0.0.1:4000/graphql'),
  /** MiB of rendered feature pages the proxy keeps and answers from (proxy.ts); 0: none, every page goes to Next. */
  ATLAS_WEB_PAGE_CACHE_MB: z.coerce
    .number({ error: PAGE_CACHE_MB_RULE })
    .min(0, { error: PAGE_CACHE_MB_RULE })
    .default(256),
});

export function apiUrl(): string {
  const parsed = WebEnv.shape.ATLAS_API_URL.safeParse(process.env.ATLAS_API_URL);
  if (!parsed.success)
    throw new Error(
      `ATLAS_API_URL must be a URL such as http://127.0.0.1:4000/graphql (got ${JSON.stringify(process.env.ATLAS_API_URL)})`,
    );
  return parsed.data;
}

/** Bytes of rendered feature pages the proxy keeps (ATLAS_WEB_PAGE_CACHE_MB). */
export function pageCacheBytes(env: Record<string, string | undefined> = process.env): number {
  const parsed = WebEnv.shape.ATLAS_WEB_PAGE_CACHE_MB.safeParse(env.ATLAS_WEB_PAGE_CACHE_MB || undefined);
  if (!parsed.success)
    throw new Error(
      `ATLAS_WEB_PAGE_CACHE_MB ${PAGE_CACHE_MB_RULE} (got ${JSON.stringify(env.ATLAS_WEB_PAGE_CACHE_MB)})`,
    );
  return Math.floor(parsed.data * 1024 * 1024);
}

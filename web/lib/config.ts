// The web's one configuration value, read at request time on the server.
import { z } from 'zod';

export const WebEnv = z.object({
  /** GraphQL endpoint of the api, as the web server reaches it. */
  ATLAS_API_URL: z.string().url().default('http://127.0.0.1:4000/graphql'),
});

export function apiUrl(): string {
  const parsed = WebEnv.safeParse(process.env);
  if (!parsed.success)
    throw new Error(
      `ATLAS_API_URL must be a URL such as http://127.0.0.1:4000/graphql (got ${JSON.stringify(process.env.ATLAS_API_URL)})`,
    );
  return parsed.data.ATLAS_API_URL;
}

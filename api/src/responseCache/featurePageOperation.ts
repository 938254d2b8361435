// The web's feature page operation (FEATURE_PAGE in web/lib/feature-page-query.ts), as the web sends it: the
// document's source read from that file and printed by graphql-js, which is what `request()` in web/lib/graphql.ts
// posts. Read from the file rather than imported, so the api's bench does not build against the web's sources.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, print } from 'graphql';

const SOURCE = fileURLToPath(new URL('../../../web/lib/feature-page-query.ts', import.meta.url));

/** The printed FeaturePage query; throws naming the file when its `graphql(\`…\`)` document is not found. */
export function featurePageOperation(): string {
  const m = /export const FEATURE_PAGE = graphql\(`([^`]*)`\)/.exec(readFileSync(SOURCE, 'utf8'));
  if (!m)
    throw new Error(
      `${SOURCE} no longer holds \`export const FEATURE_PAGE = graphql(\`...\`)\`; update api/src/responseCache/featurePageOperation.ts (or pass --operation FILE) to where the feature page's query lives.`,
    );
  return print(parse(m[1]));
}

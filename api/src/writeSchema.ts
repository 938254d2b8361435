// `npm run schema -w api`: write the SDL that the code defines to api/schema.graphql (checked in, so every
// schema change shows up in review; a test fails when the two differ).
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildApiSchema } from './buildApiSchema.js';

export const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(SCHEMA_FILE, printSchema(await buildApiSchema()) + '\n');
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}

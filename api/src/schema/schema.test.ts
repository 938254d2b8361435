import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildApiSchema } from '../buildApiSchema.js';
import { SCHEMA_FILE } from '../writeSchema.js';

test('the checked-in api/schema.graphql is what the code defines (run `npm run schema -w api` after a change)', async () => {
  const fromCode = printSchema(await buildApiSchema()) + '\n';
  assert.equal(fromCode, readFileSync(SCHEMA_FILE, 'utf8'));
});

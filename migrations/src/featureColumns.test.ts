// The one statement of the feature-row columns against the schema: each entry must be a column of its entity with
// that field and type, and of the migrated table with that type, and together they must cover the entity.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityTarget } from 'typeorm';
import { Feature } from './entities/feature.entity.js';
import { FeatureExample } from './entities/featureExample.entity.js';
import { FeatureToken } from './entities/featureToken.entity.js';
import {
  byField,
  columnList,
  DICTIONARY_ID_COLUMN,
  EXAMPLE_COLUMNS,
  FEATURE_INDEX_COLUMN,
  FEATURE_TOKEN_COLUMNS,
  FEATURE_VALUE_COLUMNS,
  featureLoadColumns,
  type FeatureColumn,
} from './featureColumns.js';
import { openTestDatabase, type TestDatabase } from './testing/testDatabase.js';

/** What the bulk loader calls a column type, from PostgreSQL's udt_name. */
const UDT_TYPES: Record<string, string> = {
  int4: 'int',
  float4: 'real',
  text: 'text',
  jsonb: 'jsonb',
  _text: 'text[]',
  _float4: 'real[]',
  vector: 'vector',
  halfvec: 'halfvec',
};

const tables: { table: string; entity: EntityTarget<object>; columns: FeatureColumn[] }[] = [
  {
    table: 'features',
    entity: Feature,
    // Both decoder columns: a dictionary uses one of them by its width.
    columns: [...featureLoadColumns(8), featureLoadColumns(4096)[2]],
  },
  { table: 'feature_examples', entity: FeatureExample, columns: [DICTIONARY_ID_COLUMN, ...EXAMPLE_COLUMNS] },
  { table: 'feature_tokens', entity: FeatureToken, columns: [DICTIONARY_ID_COLUMN, ...FEATURE_TOKEN_COLUMNS] },
];

describe('feature columns', () => {
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  for (const { table, entity, columns } of tables) {
    test(`${table}: every listed column is an entity column with that field and type, and they cover the entity`, () => {
      const metadata = db.dataSource.getMetadata(entity);
      assert.equal(metadata.tableName, table);
      const byName = new Map(metadata.columns.map((c) => [c.databaseName, c]));
      for (const c of columns) {
        const e = byName.get(c.name);
        assert.ok(e, `${table}.${c.name} is not a column of ${metadata.name}`);
        assert.equal(e.propertyName, c.field, `${table}.${c.name}`);
        assert.equal(`${String(e.type)}${e.isArray ? '[]' : ''}`, c.type, `${table}.${c.name}`);
      }
      assert.deepEqual(new Set(columns.map((c) => c.name)), new Set(byName.keys()));
    });

    test(`${table}: every listed column has that type in the migrated database`, async () => {
      const rows: { column_name: string; udt_name: string }[] = await db.dataSource.query(
        `SELECT column_name, udt_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1`,
        [table],
      );
      const stored = new Map(rows.map((r) => [r.column_name, UDT_TYPES[r.udt_name] ?? r.udt_name]));
      for (const c of columns) assert.equal(stored.get(c.name), c.type, `${table}.${c.name}`);
    });
  }
});

test('featureLoadColumns puts the key, then the decoder column the width calls for, then the values', () => {
  assert.deepEqual(
    featureLoadColumns(2000)
      .slice(0, 4)
      .map((c) => `${c.name}:${c.type}`),
    ['dictionary_id:int', 'index:int', 'decoder:vector', 'density:real'],
  );
  assert.equal(`${featureLoadColumns(2001)[2].name}:${featureLoadColumns(2001)[2].type}`, 'decoder_half:halfvec');
  assert.equal(featureLoadColumns(8).length, 3 + FEATURE_VALUE_COLUMNS.length);
  assert.equal(FEATURE_INDEX_COLUMN.name, 'index');
});

test('columnList joins names, and sends array columns as JSON only when asked', () => {
  const columns = EXAMPLE_COLUMNS.filter((c) => ['rank', 'tokens', 'activations'].includes(c.name));
  assert.equal(columnList(columns), 'rank, tokens, activations');
  assert.equal(
    columnList(columns, { arraysAsJson: true }),
    'rank, to_json(tokens) AS tokens, to_json(activations) AS activations',
  );
});

test('byField re-keys a row by field and keeps its values', () => {
  const row = { feature_index: 3, token_key: 'the', token: ' The', max_activation: 2.5, examples: 4 };
  assert.deepEqual(byField(FEATURE_TOKEN_COLUMNS, row), {
    featureIndex: 3,
    tokenKey: 'the',
    token: ' The',
    maxActivation: 2.5,
    examples: 4,
  });
});

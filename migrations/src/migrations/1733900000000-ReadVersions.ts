import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read versions (issue 20): what the api's response cache and the web's page cache are keyed by. One row a scope:
 * `dictionary:<id>` (its row, features, examples, links, label scores, evaluations, graph nodes), `explanations:<id>`
 * and `explanations:<id>:<index>`,
 * `atlas` (what no single dictionary owns: the list of dictionaries, models, corpora, graphs) and `generation`, which
 * every bump raises too, so a reader learns that anything changed from one row. Triggers bump them, so every writer
 * (worker, another api process, psql) is seen; the partition swap bumps its dictionary itself (DDL fires no trigger).
 * The generation row is locked first by every bump, so concurrent bumps queue on it instead of deadlocking over
 * scope rows taken in different orders.
 */
export class ReadVersions1733900000000 implements MigrationInterface {
  name = 'ReadVersions1733900000000';

  async up(q: QueryRunner): Promise<void> {
    // `generation` of a row: the generation its last bump made, so a reader fetches only the rows that moved.
    await q.query(`
      CREATE TABLE IF NOT EXISTS read_versions (
        scope text PRIMARY KEY,
        version bigint NOT NULL,
        generation bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS read_versions_generation_idx ON read_versions (generation)`);
    await q.query(
      `INSERT INTO read_versions (scope, version, generation) VALUES ('generation', 1, 1), ('atlas', 1, 1) ON CONFLICT DO NOTHING`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_read_versions(scopes text[]) RETURNS void LANGUAGE sql AS $$
        WITH g AS (
          UPDATE read_versions SET version = version + 1, generation = version + 1 WHERE scope = 'generation'
          RETURNING version)
        INSERT INTO read_versions AS r (scope, version, generation)
          SELECT DISTINCT s, 1, (SELECT version FROM g) FROM unnest(scopes) s WHERE s <> 'generation' ORDER BY 1
          ON CONFLICT (scope) DO UPDATE SET version = r.version + 1, generation = excluded.generation;
      $$`);
    // Statement-level with transition tables: a load of many rows bumps once, not once a row.
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_from_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        kind text := TG_ARGV[0];
        ids int[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(DISTINCT dictionary_id) INTO ids FROM new_rows WHERE dictionary_id IS NOT NULL;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(DISTINCT dictionary_id) INTO ids FROM old_rows WHERE dictionary_id IS NOT NULL;
        ELSE
          SELECT array_agg(DISTINCT id) INTO ids FROM (
            SELECT dictionary_id AS id FROM new_rows UNION SELECT dictionary_id FROM old_rows) u WHERE id IS NOT NULL;
        END IF;
        IF ids IS NOT NULL OR kind = 'atlas+dictionary' THEN
          PERFORM atlas_bump_read_versions(
            (SELECT coalesce(array_agg(split_part(kind, '+', -1) || ':' || i), '{}') FROM unnest(ids) i)
            || CASE WHEN kind LIKE 'atlas+%' THEN ARRAY['atlas'] ELSE '{}'::text[] END);
        END IF;
        RETURN NULL;
      END $$`);
    // Explanations are versioned per feature as well as per dictionary: an edit forgets that feature's answers,
    // while a filter over explanation text (any feature of the dictionary) keys on the dictionary's.
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_explanations() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        keys text[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(dictionary_id || ':' || feature_index) INTO keys FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(dictionary_id || ':' || feature_index) INTO keys FROM old_rows;
        ELSE
          SELECT array_agg(k) INTO keys FROM (
            SELECT dictionary_id || ':' || feature_index AS k FROM new_rows
            UNION SELECT dictionary_id || ':' || feature_index FROM old_rows) u;
        END IF;
        IF keys IS NOT NULL THEN
          PERFORM atlas_bump_read_versions(ARRAY(
            SELECT 'explanations:' || k FROM unnest(keys) k
            UNION SELECT 'explanations:' || split_part(k, ':', 1) FROM unnest(keys) k));
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_atlas() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM atlas_bump_read_versions(ARRAY['atlas']);
        RETURN NULL;
      END $$`);
    // The dictionaries row: its own scope on every change; the list (atlas) when one comes or goes.
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_dictionary_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM atlas_bump_read_versions(ARRAY['dictionary:' || NEW.id, 'explanations:' || NEW.id, 'atlas']);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM atlas_bump_read_versions(ARRAY['dictionary:' || OLD.id, 'explanations:' || OLD.id, 'atlas']);
        ELSIF NEW IS DISTINCT FROM OLD THEN
          PERFORM atlas_bump_read_versions(ARRAY['dictionary:' || NEW.id]);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TRIGGER IF EXISTS read_versions_row ON dictionaries`);
    await q.query(`
      CREATE TRIGGER read_versions_row AFTER INSERT OR UPDATE OR DELETE ON dictionaries
        FOR EACH ROW EXECUTE FUNCTION atlas_bump_dictionary_row()`);
    for (const [table, kind] of DICTIONARY_TABLES) await rowTriggers(q, table, `atlas_bump_from_rows('${kind}')`);
    await rowTriggers(q, 'explanations', 'atlas_bump_explanations()');
    for (const table of ATLAS_TABLES) {
      await q.query(`DROP TRIGGER IF EXISTS read_versions_atlas ON ${table}`);
      await q.query(`
        CREATE TRIGGER read_versions_atlas AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION atlas_bump_atlas()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ATLAS_TABLES) await q.query(`DROP TRIGGER IF EXISTS read_versions_atlas ON ${table}`);
    for (const table of [...DICTIONARY_TABLES.map(([t]) => t), 'explanations'])
      for (const op of ['insert', 'update', 'delete'])
        await q.query(`DROP TRIGGER IF EXISTS read_versions_${op} ON ${table}`);
    await q.query(`DROP TRIGGER IF EXISTS read_versions_row ON dictionaries`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_dictionary_row()`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_atlas()`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_explanations()`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_from_rows()`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_read_versions(text[])`);
    await q.query(`DROP TABLE IF EXISTS read_versions`);
  }
}

/**
 * Tables whose rows belong to a dictionary, and the scope kind they bump: `dictionary`, or
 * `atlas+dictionary` (graph nodes: a graph page reads them, and so does the feature page's "appears in graphs").
 * The partitioned parents fire for statements against them (tests, repairs); loads go to staging tables and are
 * seen at the swap.
 */
const DICTIONARY_TABLES: [string, string][] = [
  ['features', 'dictionary'],
  ['feature_examples', 'dictionary'],
  ['feature_tokens', 'dictionary'],
  ['feature_links', 'dictionary'],
  ['feature_label_scores', 'dictionary'],
  ['feature_best_label_scores', 'dictionary'],
  ['evaluations', 'dictionary'],
  ['graph_nodes', 'atlas+dictionary'],
];

/** Tables read by the api that no dictionary owns. */
const ATLAS_TABLES = ['models', 'corpora', 'documents', 'document_tokens', 'graphs', 'graph_edges'];

async function rowTriggers(q: QueryRunner, table: string, call: string): Promise<void> {
  const events: [string, string][] = [
    ['insert', 'REFERENCING NEW TABLE AS new_rows'],
    ['update', 'REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows'],
    ['delete', 'REFERENCING OLD TABLE AS old_rows'],
  ];
  for (const [op, referencing] of events) {
    await q.query(`DROP TRIGGER IF EXISTS read_versions_${op} ON ${table}`);
    await q.query(`
      CREATE TRIGGER read_versions_${op} AFTER ${op.toUpperCase()} ON ${table} ${referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION ${call}`);
  }
}

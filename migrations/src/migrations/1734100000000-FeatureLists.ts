import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Feature lists (issue 21): named collections of features across dictionaries, each item with a note and a
 * position; `public` ones anyone may read, `key` ones only callers with an API key. Items go with their list and
 * with their dictionary. Read versions: every change bumps `list:<id>` (that list's page) and `lists` (the index,
 * which shows item counts), so the api's response cache never serves a stale list.
 */
export class FeatureLists1734100000000 implements MigrationInterface {
  name = 'FeatureLists1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS feature_lists (
        id serial PRIMARY KEY,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'key')),
        owner_key_id int REFERENCES api_keys(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS feature_list_items (
        id serial PRIMARY KEY,
        list_id int NOT NULL REFERENCES feature_lists(id) ON DELETE CASCADE,
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        note text NOT NULL DEFAULT '',
        position int NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (list_id, dictionary_id, feature_index)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS feature_list_items_list_idx ON feature_list_items (list_id, position)`);
    // The dictionary's cascade scans by it.
    await q.query(`CREATE INDEX IF NOT EXISTS feature_list_items_dictionary_idx ON feature_list_items (dictionary_id)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_list_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM atlas_bump_read_versions(ARRAY['lists', 'list:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)]);
        RETURN NULL;
      END $$`);
    await q.query(`DROP TRIGGER IF EXISTS read_versions_row ON feature_lists`);
    await q.query(`
      CREATE TRIGGER read_versions_row AFTER INSERT OR UPDATE OR DELETE ON feature_lists
        FOR EACH ROW EXECUTE FUNCTION atlas_bump_list_row()`);
    // Statement-level with transition tables: a reorder of many items bumps once.
    await q.query(`
      CREATE OR REPLACE FUNCTION atlas_bump_list_items() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        ids int[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(DISTINCT list_id) INTO ids FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(DISTINCT list_id) INTO ids FROM old_rows;
        ELSE
          SELECT array_agg(DISTINCT id) INTO ids FROM (
            SELECT list_id AS id FROM new_rows UNION SELECT list_id FROM old_rows) u;
        END IF;
        IF ids IS NOT NULL THEN
          PERFORM atlas_bump_read_versions(
            ARRAY['lists'] || (SELECT array_agg('list:' || i) FROM unnest(ids) i));
        END IF;
        RETURN NULL;
      END $$`);
    const events: [string, string][] = [
      ['insert', 'REFERENCING NEW TABLE AS new_rows'],
      ['update', 'REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows'],
      ['delete', 'REFERENCING OLD TABLE AS old_rows'],
    ];
    for (const [op, referencing] of events) {
      await q.query(`DROP TRIGGER IF EXISTS read_versions_${op} ON feature_list_items`);
      await q.query(`
        CREATE TRIGGER read_versions_${op} AFTER ${op.toUpperCase()} ON feature_list_items ${referencing}
          FOR EACH STATEMENT EXECUTE FUNCTION atlas_bump_list_items()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS feature_list_items`);
    await q.query(`DROP TABLE IF EXISTS feature_lists`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_list_items()`);
    await q.query(`DROP FUNCTION IF EXISTS atlas_bump_list_row()`);
  }
}

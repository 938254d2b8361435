import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attribution graphs (issue 18): a graph per prompt with its nodes and edges, the `graph` job type that builds one,
 * and a job `result` (what a finished job made, e.g. `{ graphId }`). A graph's transcoder set is ingested like any
 * dictionary (hyperparameters.architecture names it a transcoder). Nodes of a feature whose layer's transcoder is an
 * ingested dictionary carry that dictionary's id, so "graphs containing feature X" is one index lookup.
 */
export class AttributionGraphs1733800000000 implements MigrationInterface {
  name = 'AttributionGraphs1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_type_check`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_check
         CHECK (type IN ('train', 'extract', 'analyze', 'import', 'export', 'evaluate', 'graph'))`,
    );
    await q.query(`ALTER TABLE jobs ADD COLUMN IF NOT EXISTS result jsonb`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS graphs (
        id serial PRIMARY KEY,
        title text NOT NULL,
        slug text NOT NULL,
        model_name text NOT NULL,
        model_id int REFERENCES models(id) ON DELETE SET NULL,
        prompt text NOT NULL,
        tokens jsonb NOT NULL,
        params jsonb NOT NULL,
        stats jsonb NOT NULL,
        transcoder_ids int[] NOT NULL DEFAULT '{}',
        transcoder_names text[] NOT NULL DEFAULT '{}',
        supernodes jsonb NOT NULL DEFAULT '[]',
        pinned_node_ids jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS graphs_created_idx ON graphs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX IF NOT EXISTS graphs_model_idx ON graphs (model_name, created_at DESC, id DESC)`);
    // Numbers are double precision: a graph read back exports the very JSON it was imported from.
    await q.query(`
      CREATE TABLE IF NOT EXISTS graph_nodes (
        graph_id int NOT NULL REFERENCES graphs(id) ON DELETE CASCADE,
        ord int NOT NULL,
        node_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('embedding', 'feature', 'error', 'logit')),
        layer int NOT NULL,
        position int NOT NULL,
        feature_index int,
        token_id int,
        token_text text,
        activation double precision,
        probability double precision,
        influence double precision NOT NULL,
        label text,
        dictionary_id int REFERENCES dictionaries(id) ON DELETE SET NULL,
        PRIMARY KEY (graph_id, ord)
      )`);
    await q.query(`CREATE UNIQUE INDEX IF NOT EXISTS graph_nodes_node_idx ON graph_nodes (graph_id, node_id)`);
    await q.query(`
      CREATE INDEX IF NOT EXISTS graph_nodes_feature_idx
        ON graph_nodes (dictionary_id, feature_index, graph_id) WHERE dictionary_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS graph_edges (
        graph_id int NOT NULL REFERENCES graphs(id) ON DELETE CASCADE,
        ord int NOT NULL,
        source text NOT NULL,
        target text NOT NULL,
        weight double precision NOT NULL,
        PRIMARY KEY (graph_id, ord)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS graph_edges`);
    await q.query(`DROP TABLE IF EXISTS graph_nodes`);
    await q.query(`DROP TABLE IF EXISTS graphs`);
    await q.query(`ALTER TABLE jobs DROP COLUMN IF EXISTS result`);
    await q.query(`DELETE FROM jobs WHERE type = 'graph'`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_type_check`);
    await q.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_check
         CHECK (type IN ('train', 'extract', 'analyze', 'import', 'export', 'evaluate'))`,
    );
  }
}

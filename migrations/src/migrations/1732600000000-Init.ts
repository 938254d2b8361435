import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema. Written by hand (never `synchronize`: it would drop the HNSW indexes).
 *
 * `features` and `feature_examples` are partitioned by dictionary: a dictionary's rows are loaded into staging
 * tables and swapped in by one short transaction (detach old partition, attach new), so they appear all at once,
 * re-ingesting replaces instead of duplicating, and the api keeps answering during a load. Each partition carries
 * its own HNSW index on `decoder::vector(d_in)` (HNSW needs fixed dimensions; dictionaries differ in d_in).
 * Explanations are keyed by (dictionary, index) without a foreign key to `features`, so they survive a re-analysis.
 */
export class Init1732600000000 implements MigrationInterface {
  name = 'Init1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS vector`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`
      CREATE TABLE models (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        architecture text NOT NULL,
        d_model int NOT NULL CHECK (d_model > 0),
        n_layers int NOT NULL CHECK (n_layers > 0),
        d_mlp int,
        n_ctx int,
        vocab_size int NOT NULL CHECK (vocab_size > 0),
        weights_path text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE corpora (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        source text NOT NULL,
        n_documents int NOT NULL DEFAULT 0,
        n_tokens bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE documents (
        corpus_id int NOT NULL REFERENCES corpora(id) ON DELETE CASCADE,
        doc_index int NOT NULL,
        name text,
        genre text,
        text text NOT NULL,
        PRIMARY KEY (corpus_id, doc_index)
      )`);
    await q.query(`
      CREATE TABLE document_tokens (
        corpus_id int NOT NULL,
        model_id int NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        doc_index int NOT NULL,
        token_ids int[] NOT NULL,
        char_starts int[] NOT NULL,
        char_ends int[] NOT NULL,
        PRIMARY KEY (corpus_id, model_id, doc_index),
        FOREIGN KEY (corpus_id, doc_index) REFERENCES documents(corpus_id, doc_index) ON DELETE CASCADE,
        CHECK (cardinality(token_ids) = cardinality(char_starts) AND cardinality(token_ids) = cardinality(char_ends))
      )`);
    await q.query(`
      CREATE TABLE dictionaries (
        id serial PRIMARY KEY,
        name text NOT NULL,
        model_id int REFERENCES models(id) ON DELETE SET NULL,
        corpus_id int REFERENCES corpora(id) ON DELETE SET NULL,
        hook_point text NOT NULL,
        architecture text NOT NULL CHECK (architecture IN ('topk', 'batchtopk', 'relu', 'jumprelu')),
        d_in int NOT NULL CHECK (d_in > 0),
        n_latents int NOT NULL CHECK (n_latents > 0),
        k int CHECK (k > 0),
        l1_coefficient real,
        hyperparameters jsonb NOT NULL DEFAULT '{}',
        metrics jsonb NOT NULL DEFAULT '{}',
        curves jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'training', 'trained', 'analyzing', 'ready', 'failed')),
        weights_path text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX dictionaries_model_hook_idx ON dictionaries (model_id, hook_point)`);
    await q.query(`
      CREATE TABLE features (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        index int NOT NULL CHECK (index >= 0),
        decoder vector,
        decoder_half halfvec,
        density real,
        mean_activation real,
        max_activation real,
        histogram jsonb,
        label text,
        label_scores jsonb,
        logits jsonb,
        map_x real,
        map_y real,
        neighbors jsonb,
        search tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(label, ''))) STORED,
        PRIMARY KEY (dictionary_id, index),
        CHECK (decoder IS NULL OR decoder_half IS NULL)
      ) PARTITION BY LIST (dictionary_id)`);
    await q.query(`CREATE INDEX features_label_trgm_idx ON features USING gin (label gin_trgm_ops)`);
    await q.query(`CREATE INDEX features_search_idx ON features USING gin (search)`);
    await q.query(`CREATE INDEX features_density_idx ON features (dictionary_id, density)`);
    await q.query(`
      CREATE TABLE feature_examples (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        kind text NOT NULL CHECK (kind IN ('top', 'quantile')),
        bin int NOT NULL DEFAULT 0,
        rank int NOT NULL,
        max_activation real NOT NULL,
        doc_index int NOT NULL,
        token_start int NOT NULL,
        max_position int NOT NULL,
        tokens text[] NOT NULL,
        activations real[] NOT NULL,
        PRIMARY KEY (dictionary_id, feature_index, kind, bin, rank),
        CHECK (cardinality(tokens) = cardinality(activations))
      ) PARTITION BY LIST (dictionary_id)`);
    // Inverted index for "which features fire on this token": built at ingest from each top example's peak token.
    await q.query(`
      CREATE TABLE feature_tokens (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        token_key text NOT NULL,
        feature_index int NOT NULL,
        token text NOT NULL,
        max_activation real NOT NULL,
        examples int NOT NULL,
        PRIMARY KEY (dictionary_id, token_key, feature_index)
      ) PARTITION BY LIST (dictionary_id)`);
    await q.query(`CREATE INDEX feature_tokens_lookup_idx ON feature_tokens (token_key, max_activation DESC)`);
    // Families: each feature's nearest decoders in other dictionaries of the same hook point (exact cosine).
    await q.query(`
      CREATE TABLE feature_links (
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        other_dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        rank int NOT NULL,
        other_index int NOT NULL,
        cosine real NOT NULL,
        PRIMARY KEY (dictionary_id, feature_index, other_dictionary_id, rank)
      )`);
    await q.query(`
      CREATE TABLE explanations (
        id serial PRIMARY KEY,
        dictionary_id int NOT NULL REFERENCES dictionaries(id) ON DELETE CASCADE,
        feature_index int NOT NULL,
        text text NOT NULL,
        source text NOT NULL,
        score real,
        author text,
        search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX explanations_feature_idx ON explanations (dictionary_id, feature_index)`);
    await q.query(`CREATE INDEX explanations_text_trgm_idx ON explanations USING gin (text gin_trgm_ops)`);
    await q.query(`CREATE INDEX explanations_search_idx ON explanations USING gin (search)`);
    await q.query(`
      CREATE TABLE jobs (
        id serial PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('train', 'extract', 'analyze', 'import', 'export')),
        state text NOT NULL DEFAULT 'queued'
          CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        payload jsonb NOT NULL DEFAULT '{}',
        progress jsonb NOT NULL DEFAULT '{"fraction": 0}',
        checkpoint jsonb,
        error text,
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL DEFAULT 3,
        locked_by text,
        locked_until timestamptz,
        run_at timestamptz NOT NULL DEFAULT now(),
        dictionary_id int REFERENCES dictionaries(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX jobs_claim_idx ON jobs (run_at) WHERE state = 'queued'`);
    await q.query(`
      CREATE TABLE api_keys (
        id serial PRIMARY KEY,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'api_keys',
      'jobs',
      'explanations',
      'feature_links',
      'feature_tokens',
      'feature_examples',
      'features',
      'dictionaries',
      'document_tokens',
      'documents',
      'corpora',
      'models',
    ])
      await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}

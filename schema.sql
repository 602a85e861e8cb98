-- Fluxa content ingestion system: the desired state of the `public` schema.
--
-- Hand-edited, plain SQL; migrations are generated from it, never written by hand.
-- Source: the plan "Phase 1: Database Migrations - Fluxa Content System". Where this
-- file differs from the plan, README.md ("Deviations from the plan") says where and why.
--
-- Conventions:
--   * Tables in dependency order; each section holds the table, its comment, its
--     indexes, and its row-level security.
--   * Every constraint and index is named explicitly, so diffs are deterministic.
--   * Phase 1 access: service_role only (it has BYPASSRLS). RLS is enabled on every
--     table; a table without a policy is closed to anon and authenticated. Grants are
--     declared per table, least privilege, without relying on Supabase's default
--     privileges (which stopped granting the API roles on new tables in 2026, and never
--     granted only what a table needs): each table first revokes everything from the API
--     roles, then grants service_role what Phase 1 does, and authenticated what its
--     policies allow.
--   * An index the plan lists that is a leading prefix of another index or key on the
--     same table is not built; a comment names the index that serves it.
--   * The existing public.gists and public.raw_trends are not managed here and nothing
--     references them.
--   * Reference data sits at the end, as idempotent INSERTs.


-- ===========================================================================
-- content_sources: API endpoints content is ingested from
-- ===========================================================================
CREATE TABLE public.content_sources (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    source_key          text        NOT NULL,
    name                text        NOT NULL,
    api_base_url        text,
    is_active           boolean     DEFAULT true,
    config              jsonb       DEFAULT '{}'::jsonb,
    rate_limit_per_hour integer,
    created_at          timestamptz DEFAULT now(),
    updated_at          timestamptz DEFAULT now(),
    CONSTRAINT content_sources_pkey PRIMARY KEY (id),
    CONSTRAINT content_sources_source_key_key UNIQUE (source_key),
    -- NULL means no limit; a negative limit means nothing.
    CONSTRAINT content_sources_rate_limit_per_hour_check CHECK (rate_limit_per_hour >= 0)
);

COMMENT ON TABLE public.content_sources IS
    'Registry of API endpoints that provide content (NewsAPI, Guardian API, Mediastack, etc.)';

-- source_key lookups: served by content_sources_source_key_key.
CREATE INDEX content_sources_is_active_idx ON public.content_sources (is_active);

ALTER TABLE public.content_sources ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_sources FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_sources TO service_role;


-- ===========================================================================
-- content_categories: the categories content items are filed under
-- ===========================================================================
CREATE TABLE public.content_categories (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    slug        text        NOT NULL,
    description text,
    is_active   boolean     DEFAULT true,
    created_at  timestamptz DEFAULT now(),
    updated_at  timestamptz DEFAULT now(),
    CONSTRAINT content_categories_pkey PRIMARY KEY (id),
    CONSTRAINT content_categories_name_key UNIQUE (name),
    CONSTRAINT content_categories_slug_key UNIQUE (slug)
);

COMMENT ON TABLE public.content_categories IS
    'Categorization system for content (many-to-many with content_items)';

-- name and slug lookups: served by content_categories_name_key and content_categories_slug_key.
CREATE INDEX content_categories_is_active_idx ON public.content_categories (is_active);

ALTER TABLE public.content_categories ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_categories FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_categories TO service_role;


-- ===========================================================================
-- content_config: admin-controlled settings (admin-only: no anon/authenticated policy)
-- ===========================================================================
CREATE TABLE public.content_config (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    config_key   text        NOT NULL,
    config_value jsonb       NOT NULL,
    description  text,
    is_active    boolean     DEFAULT true,
    created_at   timestamptz DEFAULT now(),
    updated_at   timestamptz DEFAULT now(),
    CONSTRAINT content_config_pkey PRIMARY KEY (id),
    CONSTRAINT content_config_config_key_key UNIQUE (config_key)
);

COMMENT ON TABLE public.content_config IS
    'Admin-controlled configuration (no hard-coded values)';

-- config_key lookups: served by content_config_config_key_key.
CREATE INDEX content_config_is_active_idx ON public.content_config (is_active);

ALTER TABLE public.content_config ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_config FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_config TO service_role;


-- ===========================================================================
-- content_items: ingested content, deduplicated globally by content_hash
-- ===========================================================================
CREATE TABLE public.content_items (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    source_id    uuid        NOT NULL,
    -- The source's own ID or URL, for updates only; never used for deduplication.
    external_id  text,
    -- sha256(normalized title | source_key | published hour), computed by
    -- tools/fluxa_content_hash.py; the only deduplication key.
    content_hash text        NOT NULL,
    -- The raw title as the source sent it; normalization exists only inside the hash.
    title        text        NOT NULL,
    url          text,
    excerpt      text,
    published_at timestamptz,
    image_url    text,
    raw_data     jsonb       DEFAULT '{}'::jsonb,
    created_at   timestamptz DEFAULT now(),
    updated_at   timestamptz DEFAULT now(),
    CONSTRAINT content_items_pkey PRIMARY KEY (id),
    CONSTRAINT content_items_content_hash_key UNIQUE (content_hash),
    -- RESTRICT: a source with content is deactivated (is_active), never deleted.
    CONSTRAINT content_items_source_id_fkey FOREIGN KEY (source_id)
        REFERENCES public.content_sources (id) ON DELETE RESTRICT
);

COMMENT ON TABLE public.content_items IS
    'Core content storage with global deduplication via content_hash';

-- source_id lookups: served by content_items_source_id_external_id_idx (leading column).
CREATE INDEX content_items_source_id_external_id_idx
    ON public.content_items (source_id, external_id);
CREATE INDEX content_items_external_id_idx ON public.content_items (external_id);
CREATE INDEX content_items_published_at_idx ON public.content_items (published_at);

ALTER TABLE public.content_items ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_items FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_items TO service_role;


-- ===========================================================================
-- content_item_categories: which categories each content item is in
-- ===========================================================================
CREATE TABLE public.content_item_categories (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    content_item_id uuid        NOT NULL,
    category_id     uuid        NOT NULL,
    created_at      timestamptz DEFAULT now(),
    CONSTRAINT content_item_categories_pkey PRIMARY KEY (id),
    CONSTRAINT content_item_categories_content_item_id_category_id_key
        UNIQUE (content_item_id, category_id),
    CONSTRAINT content_item_categories_content_item_id_fkey FOREIGN KEY (content_item_id)
        REFERENCES public.content_items (id) ON DELETE CASCADE,
    CONSTRAINT content_item_categories_category_id_fkey FOREIGN KEY (category_id)
        REFERENCES public.content_categories (id) ON DELETE CASCADE
);

COMMENT ON TABLE public.content_item_categories IS
    'Many-to-many relationship between content_items and content_categories';

-- content_item_id lookups: served by content_item_categories_content_item_id_category_id_key.
CREATE INDEX content_item_categories_category_id_idx
    ON public.content_item_categories (category_id);

ALTER TABLE public.content_item_categories ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_item_categories FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_item_categories TO service_role;


-- ===========================================================================
-- content_runs: one row per ingestion run, for observability
-- ===========================================================================
CREATE TABLE public.content_runs (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    source_id     uuid        NOT NULL,
    status        text        NOT NULL DEFAULT 'running',
    items_fetched integer     DEFAULT 0,
    items_created integer     DEFAULT 0,
    items_skipped integer     DEFAULT 0,
    items_updated integer     DEFAULT 0,
    error_message text,
    started_at    timestamptz DEFAULT now(),
    completed_at  timestamptz,
    metadata      jsonb       DEFAULT '{}'::jsonb,
    CONSTRAINT content_runs_pkey PRIMARY KEY (id),
    CONSTRAINT content_runs_status_check
        CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    -- Counters count things: never below zero.
    CONSTRAINT content_runs_items_fetched_check CHECK (items_fetched >= 0),
    CONSTRAINT content_runs_items_created_check CHECK (items_created >= 0),
    CONSTRAINT content_runs_items_skipped_check CHECK (items_skipped >= 0),
    CONSTRAINT content_runs_items_updated_check CHECK (items_updated >= 0),
    CONSTRAINT content_runs_source_id_fkey FOREIGN KEY (source_id)
        REFERENCES public.content_sources (id) ON DELETE RESTRICT
);

COMMENT ON TABLE public.content_runs IS
    'Track ingestion runs for observability (when, what source, results)';

-- source_id lookups: served by content_runs_source_id_started_at_idx (leading column).
CREATE INDEX content_runs_source_id_started_at_idx
    ON public.content_runs (source_id, started_at);
CREATE INDEX content_runs_status_idx ON public.content_runs (status);
CREATE INDEX content_runs_started_at_idx ON public.content_runs (started_at);

ALTER TABLE public.content_runs ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.content_runs FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.content_runs TO service_role;


-- ===========================================================================
-- user_content_seen: which user has seen which content item (no repeats)
-- ===========================================================================
CREATE TABLE public.user_content_seen (
    user_id         uuid        NOT NULL,
    content_item_id uuid        NOT NULL,
    seen_at         timestamptz DEFAULT now(),
    interacted      boolean     DEFAULT false,
    interacted_at   timestamptz,
    CONSTRAINT user_content_seen_pkey PRIMARY KEY (user_id, content_item_id),
    CONSTRAINT user_content_seen_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES auth.users (id) ON DELETE CASCADE,
    CONSTRAINT user_content_seen_content_item_id_fkey FOREIGN KEY (content_item_id)
        REFERENCES public.content_items (id) ON DELETE CASCADE
);

COMMENT ON TABLE public.user_content_seen IS
    'Per-user tracking to prevent showing same content twice (composite PK: user_id, content_item_id)';

-- user_id lookups (user feeds): served by user_content_seen_pkey (leading column).
CREATE INDEX user_content_seen_seen_at_idx ON public.user_content_seen (seen_at);
-- Not in the plan: the cascade from content_items looks rows up by content_item_id,
-- which the primary key cannot serve (second column); without this index every
-- deleted content item scans the whole table.
CREATE INDEX user_content_seen_content_item_id_idx
    ON public.user_content_seen (content_item_id);

ALTER TABLE public.user_content_seen ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.user_content_seen FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.user_content_seen TO service_role;
-- What the two policies below let a signed-in user do with their own rows.
GRANT SELECT, INSERT ON TABLE public.user_content_seen TO authenticated;

-- A signed-in user reads and records only their own rows. `(select auth.uid())` is
-- evaluated once per query (an initPlan), not once per row. Updates and deletes stay
-- with service_role in Phase 1.
CREATE POLICY user_content_seen_select_own ON public.user_content_seen
    FOR SELECT TO authenticated
    USING ((select auth.uid()) = user_id);

CREATE POLICY user_content_seen_insert_own ON public.user_content_seen
    FOR INSERT TO authenticated
    WITH CHECK ((select auth.uid()) = user_id);


-- ===========================================================================
-- api_usage_budget: API calls allowed and used, per source and period
-- (admin-only: no anon/authenticated policy)
-- ===========================================================================
CREATE TABLE public.api_usage_budget (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    source_id     uuid        NOT NULL,
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    -- NULL means unlimited.
    budget_limit  integer,
    usage_count   integer     DEFAULT 0,
    last_reset_at timestamptz DEFAULT now(),
    created_at    timestamptz DEFAULT now(),
    updated_at    timestamptz DEFAULT now(),
    CONSTRAINT api_usage_budget_pkey PRIMARY KEY (id),
    -- One budget row per source and period. Its index also serves the plan's
    -- (source_id) and (source_id, period_start, period_end) indexes.
    CONSTRAINT api_usage_budget_source_id_period_start_period_end_key
        UNIQUE (source_id, period_start, period_end),
    CONSTRAINT api_usage_budget_period_check CHECK (period_end > period_start),
    CONSTRAINT api_usage_budget_budget_limit_check CHECK (budget_limit >= 0),
    CONSTRAINT api_usage_budget_usage_count_check CHECK (usage_count >= 0),
    CONSTRAINT api_usage_budget_source_id_fkey FOREIGN KEY (source_id)
        REFERENCES public.content_sources (id) ON DELETE RESTRICT
);

COMMENT ON TABLE public.api_usage_budget IS
    'Track API usage and budgets per source';

-- source_id and (source_id, period_start, period_end) lookups: served by
-- api_usage_budget_source_id_period_start_period_end_key.
-- Active-period queries bound both ends (period_start <= t < period_end); one index
-- per end lets either bound lead, e.g. expired periods by period_end alone.
CREATE INDEX api_usage_budget_period_start_idx ON public.api_usage_budget (period_start);
CREATE INDEX api_usage_budget_period_end_idx ON public.api_usage_budget (period_end);

ALTER TABLE public.api_usage_budget ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON TABLE public.api_usage_budget FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.api_usage_budget TO service_role;


-- ===========================================================================
-- Reference data (the plan's Steps 9-11), idempotent. Conflicts are keyed on each
-- table's natural key; existing rows are left alone, so re-running never overwrites
-- a value an admin has changed since.
-- ===========================================================================
INSERT INTO public.content_sources (source_key, name, api_base_url, is_active, config) VALUES
    ('newsapi', 'NewsAPI', 'https://newsapi.org/v2', true, '{"requires_auth": true}'),
    ('guardian', 'The Guardian API', 'https://content.guardianapis.com', true, '{"requires_auth": true}'),
    ('mediastack', 'Mediastack', 'http://api.mediastack.com/v1', true, '{"requires_auth": true}')
ON CONFLICT (source_key) DO NOTHING;

INSERT INTO public.content_categories (name, slug, description) VALUES
    ('Technology', 'technology', 'Tech news and innovations'),
    ('Sports', 'sports', 'Sports news and updates'),
    ('Entertainment', 'entertainment', 'Entertainment industry news'),
    ('Politics', 'politics', 'Political news and analysis'),
    ('Business', 'business', 'Business and financial news'),
    ('Science', 'science', 'Scientific discoveries and research'),
    ('Health', 'health', 'Health and wellness news'),
    ('World', 'world', 'International news')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO public.content_config (config_key, config_value, description) VALUES
    ('ingestion.enabled', 'true'::jsonb, 'Enable/disable content ingestion'),
    ('deduplication.hash_algorithm', '"sha256"'::jsonb, 'Hash algorithm for content deduplication'),
    ('ingestion.max_items_per_run', '100'::jsonb, 'Maximum items to fetch per ingestion run'),
    ('ingestion.default_categories', '["Technology", "Sports", "Entertainment"]'::jsonb, 'Default categories for content')
ON CONFLICT (config_key) DO NOTHING;

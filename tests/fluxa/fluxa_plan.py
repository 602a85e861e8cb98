"""What the plan (content-ingestion-plan.md) asks of the database, as test data.

Transcribed from the plan's table sections and validation checklist, not read from
schema.sql: the tests compare the built database with this.
"""

TABLES = (
    "content_sources",
    "content_categories",
    "content_config",
    "content_items",
    "content_item_categories",
    "content_runs",
    "user_content_seen",
    "api_usage_budget",
)

# Every access path the plan's "Indexes" lists name (UNIQUE and PRIMARY KEY included):
# (table, leading columns an index must start with).
ACCESS_PATHS = (
    ("content_sources", ("source_key",)),
    ("content_sources", ("is_active",)),
    ("content_categories", ("name",)),
    ("content_categories", ("slug",)),
    ("content_categories", ("is_active",)),
    ("content_items", ("content_hash",)),
    ("content_items", ("source_id",)),
    ("content_items", ("external_id",)),
    ("content_items", ("published_at",)),
    ("content_items", ("source_id", "external_id")),
    ("content_item_categories", ("content_item_id", "category_id")),
    ("content_item_categories", ("category_id",)),
    ("content_item_categories", ("content_item_id",)),
    ("content_runs", ("source_id",)),
    ("content_runs", ("status",)),
    ("content_runs", ("started_at",)),
    ("content_runs", ("source_id", "started_at")),
    ("user_content_seen", ("user_id", "content_item_id")),
    ("user_content_seen", ("user_id",)),
    ("user_content_seen", ("seen_at",)),
    ("content_config", ("config_key",)),
    ("content_config", ("is_active",)),
    ("api_usage_budget", ("source_id",)),
    ("api_usage_budget", ("source_id", "period_start", "period_end")),
    # "Index on period_start, period_end (for active period queries)".
    ("api_usage_budget", ("period_start",)),
    ("api_usage_budget", ("period_end",)),
)

# Foreign keys: (table, column) -> (referenced schema.table, ON DELETE rule).
FOREIGN_KEYS = {
    ("content_items", "source_id"): ("public.content_sources", "RESTRICT"),
    ("content_item_categories", "content_item_id"): ("public.content_items", "CASCADE"),
    ("content_item_categories", "category_id"): ("public.content_categories", "CASCADE"),
    ("content_runs", "source_id"): ("public.content_sources", "RESTRICT"),
    ("user_content_seen", "user_id"): ("auth.users", "CASCADE"),
    ("user_content_seen", "content_item_id"): ("public.content_items", "CASCADE"),
    ("api_usage_budget", "source_id"): ("public.content_sources", "RESTRICT"),
}

# Every timestamp column the plan declares (all TIMESTAMPTZ).
TIMESTAMP_COLUMNS = (
    ("content_sources", "created_at"),
    ("content_sources", "updated_at"),
    ("content_categories", "created_at"),
    ("content_categories", "updated_at"),
    ("content_items", "published_at"),
    ("content_items", "created_at"),
    ("content_items", "updated_at"),
    ("content_item_categories", "created_at"),
    ("content_runs", "started_at"),
    ("content_runs", "completed_at"),
    ("user_content_seen", "seen_at"),
    ("user_content_seen", "interacted_at"),
    ("content_config", "created_at"),
    ("content_config", "updated_at"),
    ("api_usage_budget", "period_start"),
    ("api_usage_budget", "period_end"),
    ("api_usage_budget", "last_reset_at"),
    ("api_usage_budget", "created_at"),
    ("api_usage_budget", "updated_at"),
)

# Purpose lines, for COMMENT ON TABLE (the issue asks for them).
PURPOSES = {
    "content_sources": "Registry of API endpoints that provide content",
    "content_categories": "Categorization system for content",
    "content_items": "Core content storage with global deduplication via content_hash",
    "content_item_categories": "Many-to-many relationship between content_items and",
    "content_runs": "Track ingestion runs for observability",
    "user_content_seen": "Per-user tracking to prevent showing same content twice",
    "content_config": "Admin-controlled configuration",
    "api_usage_budget": "Track API usage and budgets per source",
}

SEED_SOURCES = {"newsapi", "guardian", "mediastack"}
SEED_CATEGORIES = {"technology", "sports", "entertainment", "politics", "business", "science",
                   "health", "world"}
SEED_CONFIG = {"ingestion.enabled": True, "deduplication.hash_algorithm": "sha256",
               "ingestion.max_items_per_run": 100,
               "ingestion.default_categories": ["Technology", "Sports", "Entertainment"]}

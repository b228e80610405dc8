"""Full-text search on PostgreSQL (tickets/search.py): a French configuration that folds
accents, stored tsvector columns the database keeps up to date, GIN indexes. Nothing on
SQLite (the search falls back to substring matching there)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'hd_french') THEN
            CREATE TEXT SEARCH CONFIGURATION hd_french (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION hd_french
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    """ALTER TABLE tickets_ticket ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('hd_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('hd_french'::regconfig, coalesce(description, '')), 'B')
    ) STORED""",
    "CREATE INDEX ticket_search_idx ON tickets_ticket USING gin (search_doc)",
    """ALTER TABLE tickets_event ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        to_tsvector('hd_french'::regconfig, coalesce(body, ''))
    ) STORED""",
    "CREATE INDEX event_search_idx ON tickets_event USING gin (search_doc)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS event_search_idx",
    "ALTER TABLE tickets_event DROP COLUMN IF EXISTS search_doc",
    "DROP INDEX IF EXISTS ticket_search_idx",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_doc",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_queue_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]

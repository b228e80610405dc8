"""Full-text search of pages on PostgreSQL (wiki/search.py), as tickets do it (tickets 0005 and
0012): the hd_french configuration (French stemming, accents folded), a stored tsvector the
database keeps (title and tags weigh A, the text B; runs of more than 100 characters without a
space left out), a GIN index. Nothing on SQLite (the search matches substrings there)."""

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
    """ALTER TABLE wiki_page ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('hd_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('hd_french'::regconfig,
            translate(coalesce(tags_text, ''), ',', ' ')), 'A')
        || setweight(to_tsvector('hd_french'::regconfig,
            regexp_replace(coalesce(body, ''), '\\S{101,}', ' ', 'g')), 'B')
    ) STORED""",
    "CREATE INDEX wiki_page_search_idx ON wiki_page USING gin (search_doc)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS wiki_page_search_idx",
    "ALTER TABLE wiki_page DROP COLUMN IF EXISTS search_doc",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("wiki", "0001_knowledge_base")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]

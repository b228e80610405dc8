"""Suggestions (wiki/search.py suggest()) first match the typed words against a small tsvector
of the title and tags only, with its own GIN index: matching and ranking the whole text of
every page a common word appears in (0002's search_doc, read from TOAST) took 80 ms with 5,000
pages; titles take a few. Nothing on SQLite."""

from django.db import migrations

FORWARD = [
    """ALTER TABLE wiki_page ADD COLUMN title_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('hd_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('hd_french'::regconfig,
            translate(coalesce(tags_text, ''), ',', ' ')), 'B')
    ) STORED""",
    "CREATE INDEX wiki_page_title_search_idx ON wiki_page USING gin (title_doc)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS wiki_page_title_search_idx",
    "ALTER TABLE wiki_page DROP COLUMN IF EXISTS title_doc",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("wiki", "0002_full_text_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]

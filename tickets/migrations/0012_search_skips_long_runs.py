"""Full-text search (0005) leaves out runs of more than 100 characters without a space before
PostgreSQL parses the text: its parser takes time growing with the square of such a run (a
40,000-character "x_x_..." took 16 s, a 1,000,000-character one hours, holding the ticket
counter's lock meanwhile). With runs cut at 100, 1,000,000 characters of the worst kind take
about 2.5 s, 100,000 (the forms' limit) 0.25 s. What is left out: words and addresses longer
than 100 characters (long URLs) are not found by a search. Nothing on SQLite. The columns are
generated: dropped and added again with their indexes (a full rewrite of both tables)."""

from django.db import migrations

# Constant SQL: runs of 101 or more non-space characters become one space.
_DOC = "regexp_replace(coalesce({field}, ''), '\\S{{101,}}', ' ', 'g')"
_ORIGINAL = "coalesce({field}, '')"


def _statements(text):
    return [
        "DROP INDEX IF EXISTS ticket_search_idx",
        "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_doc",
        f"""ALTER TABLE tickets_ticket ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('hd_french'::regconfig, {text.format(field="title")}), 'A')
            || setweight(
                to_tsvector('hd_french'::regconfig, {text.format(field="description")}), 'B'
            )
        ) STORED""",
        "CREATE INDEX ticket_search_idx ON tickets_ticket USING gin (search_doc)",
        "DROP INDEX IF EXISTS event_search_idx",
        "ALTER TABLE tickets_event DROP COLUMN IF EXISTS search_doc",
        f"""ALTER TABLE tickets_event ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
            to_tsvector('hd_french'::regconfig, {text.format(field="body")})
        ) STORED""",
        "CREATE INDEX event_search_idx ON tickets_event USING gin (search_doc)",
    ]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_named_counters")]

    operations = [migrations.RunPython(_run(_statements(_DOC)), _run(_statements(_ORIGINAL)))]

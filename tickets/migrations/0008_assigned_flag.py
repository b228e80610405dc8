"""Ticket.is_assigned, kept by the database (tickets/assigned_flag.py). PostgreSQL: the
trigger is created here. SQLite: its triggers are created after every `migrate` (they would
stop SQLite rebuilding the ticket table in later migrations). The "unassigned" counter was an
anti-join over every open ticket (a sequential scan of the table, 67 ms at 100,000 tickets);
with the flag and its partial index it counts the few unassigned tickets by status."""

from django.conf import settings
from django.db import migrations, models

POSTGRESQL = [
    """CREATE FUNCTION tickets_assigned_flag() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE tickets_ticket SET is_assigned = true
            WHERE id = NEW.ticket_id AND NOT is_assigned;
        ELSE
            UPDATE tickets_ticket SET is_assigned = false
            WHERE id = OLD.ticket_id AND is_assigned AND NOT EXISTS (
                SELECT 1 FROM tickets_ticket_assignees WHERE ticket_id = OLD.ticket_id
            );
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER tickets_assigned_flag
    AFTER INSERT OR DELETE ON tickets_ticket_assignees
    FOR EACH ROW EXECUTE FUNCTION tickets_assigned_flag()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_assigned_flag ON tickets_ticket_assignees",
    "DROP FUNCTION IF EXISTS tickets_assigned_flag()",
]
BACKFILL = """UPDATE tickets_ticket SET is_assigned = EXISTS (
    SELECT 1 FROM tickets_ticket_assignees WHERE ticket_id = tickets_ticket.id
)"""


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_muted_notices"),
        ("tickets", "0007_counter_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="is_assigned",
            field=models.BooleanField(default=False, editable=False, verbose_name="assigned"),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_assigned", False)),
                fields=["status"],
                name="ticket_unassigned_idx",
            ),
        ),
    ]

"""Ticket.is_assigned is set by the services that change the assignees, no longer by the
database: the PostgreSQL trigger and its function (0008), and the SQLite triggers that were
created after every `migrate`, are dropped, and the flags are brought in line with the assignees
once. The assignees table becomes a model of its own (TicketAssignee, same table and columns),
whose person is protected: deleting someone who holds a ticket is refused instead of emptying
the ticket's assignees behind the services' back."""

from django.conf import settings
from django.db import migrations, models

DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS tickets_assigned_flag ON tickets_ticket_assignees",
        "DROP FUNCTION IF EXISTS tickets_assigned_flag()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS tickets_assignee_added",
        "DROP TRIGGER IF EXISTS tickets_assignee_removed",
    ],
}
# Back to 0009 on PostgreSQL: the trigger of 0008 again (on SQLite the code of that time
# created its triggers after `migrate`).
POSTGRESQL_BACKWARD = [
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
# The flags as the assignees say, touching only the rows that disagree (rerunnable).
RECONCILE = """UPDATE tickets_ticket SET is_assigned = NOT is_assigned
WHERE is_assigned <> EXISTS (
    SELECT 1 FROM tickets_ticket_assignees WHERE ticket_id = tickets_ticket.id
)"""


def _forward(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)
    schema_editor.execute(RECONCILE)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)
    schema_editor.execute(RECONCILE)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_saved_filters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_forward, _backward),
        # The table Django made for Ticket.assignees, described as a model: no database change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TicketAssignee",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "ticket",
                            models.ForeignKey(
                                on_delete=models.deletion.CASCADE, to="tickets.ticket"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "assignment",
                        "verbose_name_plural": "assignments",
                        "db_table": "tickets_ticket_assignees",
                        "unique_together": {("ticket", "user")},
                    },
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="assignees",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="assigned_tickets",
                        through="tickets.TicketAssignee",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assignees",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

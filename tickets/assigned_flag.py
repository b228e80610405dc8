"""Ticket.is_assigned is kept by the database: a trigger on the assignees table sets it when a
first assignee is added and clears it when the last one goes, whoever writes the rows
(services, imports, the admin, the cascade of a deleted user). The "unassigned" counter and
view read it through a partial index instead of an anti-join over every open ticket.

PostgreSQL: the trigger is created by migration 0008 and stays. SQLite: a trigger that names
tickets_ticket makes SQLite refuse to rebuild that table, which Django's schema editor does for
most changes of a model on SQLite; so the triggers are dropped before every `migrate` and
created again after it, with the flags brought up to date (pre_migrate and post_migrate, wired
in apps.py).
"""

from __future__ import annotations

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS tickets_assignee_added
    AFTER INSERT ON tickets_ticket_assignees
    BEGIN
        UPDATE tickets_ticket SET is_assigned = 1 WHERE id = NEW.ticket_id AND NOT is_assigned;
    END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_assignee_removed
    AFTER DELETE ON tickets_ticket_assignees
    BEGIN
        UPDATE tickets_ticket SET is_assigned = 0
        WHERE id = OLD.ticket_id AND is_assigned AND NOT EXISTS (
            SELECT 1 FROM tickets_ticket_assignees WHERE ticket_id = OLD.ticket_id
        );
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_assignee_added",
    "DROP TRIGGER IF EXISTS tickets_assignee_removed",
]
# The flags as the assignees say, touching only the rows that disagree.
RECONCILE = """UPDATE tickets_ticket SET is_assigned = NOT is_assigned
WHERE is_assigned <> EXISTS (
    SELECT 1 FROM tickets_ticket_assignees WHERE ticket_id = tickets_ticket.id
)"""


def _sqlite(using: str):
    from django.db import connections

    connection = connections[using]
    return connection if connection.vendor == "sqlite" else None


def before_migrate(sender, using="default", **kwargs) -> None:
    connection = _sqlite(using)
    if connection is None:
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_DROP:
            cursor.execute(statement)


def after_migrate(sender, using="default", **kwargs) -> None:
    connection = _sqlite(using)
    if connection is None:
        return
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "tickets_ticket_assignees" not in tables:
            return
        columns = connection.introspection.get_table_description(cursor, "tickets_ticket")
        if "is_assigned" not in {column.name for column in columns}:
            return  # migrated back before the flag existed
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)
        cursor.execute(RECONCILE)

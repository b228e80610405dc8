"""The Celery app and the periodic schedule (the one place where periodic jobs are declared).

Production: Redis broker (REDIS_URL), `celery -A helpdesk worker` and `celery -A helpdesk beat`.
Embedded default (no REDIS_URL): kombu's filesystem transport under var/celery/, with the worker
and beat started by `make run` (scripts/run.py).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Liveness of the worker and beat, shown by /healthz.
    "heartbeat": {"task": "helpdesk.tasks.record_heartbeat", "schedule": 60.0},
    # Sessions of deactivated users and stale 2FA codes.
    "purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    # Tickets waiting on the client: warn a day before, then close (TICKETS_AUTO_CLOSE_DAYS).
    "tickets-auto-close": {
        "task": "tickets.tasks.auto_close_waiting_tickets",
        "schedule": crontab(minute=5),
    },
    # SLA: flag tickets past their resolution due date for the queue.
    "tickets-flag-overdue": {
        "task": "tickets.tasks.flag_overdue_tickets",
        "schedule": 300.0,
    },
    # Email and chat out: retries that are due, deliveries a lost broker dropped, old content.
    "notifications-send-due": {"task": "notifications.tasks.send_due", "schedule": 60.0},
    # Email in: poll the mailboxes whose interval elapsed.
    "intake-poll-mailboxes": {"task": "intake.tasks.poll_due_mailboxes", "schedule": 60.0},
    # GDPR: anonymise the client data of tickets closed more than GDPR_RETENTION_MONTHS ago
    # (nothing when 0; `manage.py gdpr_retention` shows what it would do).
    "administration-gdpr-retention": {
        "task": "administration.tasks.apply_gdpr_retention",
        "schedule": crontab(minute=23, hour=2),
    },
    # GDPR: delete prepared exports past GDPR_EXPORT_KEEP_HOURS.
    "administration-purge-gdpr-exports": {
        "task": "administration.tasks.purge_expired_gdpr_exports",
        "schedule": crontab(minute=13),
    },
    # Reports: each weekly subscription gets its report for the week before, Monday morning.
    "reports-send-weekly": {
        "task": "reports.tasks.send_weekly_reports",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Invoicing: last month's statement of every client, emailed to its client admins.
    "invoicing-monthly-statements": {
        "task": "invoicing.tasks.monthly_statements",
        "schedule": crontab(minute=30, hour=6, day_of_month=1),
    },
    # Customer base: each ERP source whose interval elapsed is fetched and applied (a summary
    # is mailed to the admins); a run whose worker died is resumed.
    "integrations-run-due-syncs": {
        "task": "integrations.tasks.run_due_syncs",
        "schedule": crontab(minute=11),
    },
    # Web forms: requests in a known contact's name never confirmed, past a week.
    "integrations-purge-web-form-submissions": {
        "task": "integrations.tasks.purge_web_form_submissions",
        "schedule": crontab(minute=31, hour=4),
    },
    # Email in: originals (.eml) past INTAKE_RAW_RETENTION_DAYS.
    "intake-purge-originals": {
        "task": "intake.tasks.purge_old_originals",
        "schedule": crontab(minute=41, hour=3),
    },
}

"""What the audit log watches, registered in one place (AdministrationConfig.ready()): the
reference data and settings admins edit in the app, people and organizations, mailboxes and
chat webhooks. Each save is logged by django-auditlog with a JSON diff of the listed fields;
secrets (mailbox passwords, webhook URLs) are masked. Explicit entries (roles, activation,
2FA, exports, anonymisations) are written by the services with core.audit.record()."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps

MASK = "core.audit.hide_secret"

# app_label.Model -> options for auditlog.register (only models that exist are registered:
# the administration screens may add more, e.g. a settings row).
WATCHED: dict[str, dict] = {
    "accounts.User": {
        "exclude_fields": ["password", "last_login", "queue_density", "muted_notices"],
    },
    "accounts.Organization": {"m2m_fields": {"sales_reps"}},
    "tickets.Status": {},
    "tickets.TicketType": {},
    "tickets.Priority": {},
    "tickets.Criticality": {},
    "tickets.Component": {},
    "tickets.CannedReply": {},
    "tickets.Asset": {},
    "tickets.Project": {},
    "tickets.BusinessCalendar": {},
    "tickets.Holiday": {},
    "intake.Mailbox": {
        "mask_fields": ["password"],
        "mask_callable": MASK,
        # What polling writes is not an admin's change.
        "exclude_fields": [
            "last_poll_at",
            "last_poll_status",
            "last_error",
            "last_success_at",
            "consecutive_failures",
            "alerted_at",
        ],
    },
    "notifications.ChatWebhook": {"mask_fields": ["url"], "mask_callable": MASK},
    "accounts.SiteSettings": {},
    # What the periodic sync writes is not an admin's change.
    "integrations.SyncSource": {"exclude_fields": ["last_run_at", "last_digest", "updated_at"]},
}


def register_models() -> None:
    for label, options in WATCHED.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if auditlog.contains(model):
            continue
        options = dict(options)
        # Only the model's own columns: auditlog would otherwise list every reverse relation
        # ("tickets: None -> tickets.Ticket.None") in a creation's diff.
        excluded = set(options.pop("exclude_fields", []))
        options["include_fields"] = [
            f.name for f in model._meta.concrete_fields if f.name not in excluded
        ]
        auditlog.register(model, **options)

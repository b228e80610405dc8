"""The change request's own quote amount becomes a billing Estimate on the request.

Each request with a quote amount and no estimate yet gets one: sent by the person whose
history entry set the amount (or the request's creator), waiting for the client while the
request has not been decided, accepted once the client validated it, refused when the client
cancelled it at the decision step (the decision comment is the reason). Rerunnable (requests
that already have an estimate are skipped); reversible (the latest estimate's amount goes back
to the request and the estimates made here are deleted).
"""

from django.db import migrations

NOT_DECIDED = {"analysis", "dpo_review", "client_decision"}
VALIDATED = {"development", "delivered", "closed"}
MIGRATED_NOTE = "Quote of the specification."


def _set_by(History, cr):
    """The history entry that last changed the quote amount, or None."""
    entries = History.objects.filter(change_request=cr).order_by("-pk")
    return next((h for h in entries if "quote_amount" in (h.changes or {})), None)


def forwards(apps, schema_editor):
    ChangeRequest = apps.get_model("cdc", "ChangeRequest")
    History = apps.get_model("cdc", "HistoryEntry")
    Estimate = apps.get_model("billing", "Estimate")
    requests = ChangeRequest.objects.filter(quote_amount__isnull=False).exclude(
        estimates__isnull=False
    )
    for cr in requests.iterator():
        set_by = _set_by(History, cr)
        estimate = Estimate(
            change_request=cr,
            ticket_id=cr.ticket_id,
            amount=cr.quote_amount,
            description=cr.solution.strip() or MIGRATED_NOTE,
            sent_by_id=set_by.actor_id if set_by else cr.created_by_id,
            sent_at=set_by.created_at if set_by else cr.updated_at,
        )
        decision = History.objects.filter(
            change_request=cr, action__in=["validate", "cancel"], from_state="client_decision"
        ).first()
        if cr.state in NOT_DECIDED:
            estimate.state = "sent"
        elif cr.state in VALIDATED or cr.decision == "validated":
            estimate.state = "accepted"
        else:
            estimate.state = "refused"
            estimate.refusal_reason = cr.decision_comment
        if decision is not None and estimate.state != "sent":
            estimate.decided_by_id = decision.actor_id
            estimate.decided_at = decision.created_at
        estimate.save()


def backwards(apps, schema_editor):
    ChangeRequest = apps.get_model("cdc", "ChangeRequest")
    Estimate = apps.get_model("billing", "Estimate")
    for cr in ChangeRequest.objects.filter(estimates__isnull=False).distinct().iterator():
        latest = Estimate.objects.filter(change_request=cr).order_by("-sent_at", "-pk").first()
        cr.quote_amount = latest.amount
        cr.save(update_fields=["quote_amount"])
    Estimate.objects.filter(change_request__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_estimates_on_change_requests"),
        ("cdc", "0003_number_counter"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

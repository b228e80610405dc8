"""Sending what the outbox holds: emails and chat-webhook posts, with retries.

A worker claims a row (pending or due for retry) with one conditional UPDATE, so two workers
never send the same row; it sends, then records the outcome. A failure is retried after a
growing delay (RETRY_DELAYS), up to settings.OUTBOX_MAX_ATTEMPTS attempts; a permanent refusal
(recipient refused, 4xx from a webhook other than 429) fails at once. Admins retry by hand.
The periodic job requeues rows that are due, queued but never picked up (broker lost), or
claimed by a worker that died. Who may send a row again is decided by the page that offers it
(administration); these functions trust their caller.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import net

from . import backend, signing, tasks
from .errors import NotWaiting
from .models import ChatWebhook, DeliveryStatus, OutgoingEmail, WebhookPost

logger = logging.getLogger(__name__)

Status = DeliveryStatus
# Minutes to wait after the 1st, 2nd, ... failed attempt.
RETRY_DELAYS = (1, 5, 15, 60, 180, 360, 720)
# A claim older than this belongs to a worker that died.
STALE_CLAIM = dt.timedelta(minutes=10)
# A queued row nobody picked up after this was lost with its queue message.
LOST_PENDING = dt.timedelta(minutes=5)


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 6))


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def _claim(model, pk: int, now: dt.datetime) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        model.objects.filter(due, pk=pk, status__in=[Status.PENDING, Status.RETRYING]).update(
            status=Status.SENDING, claimed_at=now
        )
    )


def _record_failure(row, error: str, *, permanent: bool, now: dt.datetime, **fields) -> None:
    attempts = row.attempts + 1
    final = permanent or attempts >= max_attempts()
    type(row).objects.filter(pk=row.pk).update(
        status=Status.FAILED if final else Status.RETRYING,
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=None if final else now + retry_delay(attempts),
        claimed_at=None,
        **fields,
    )


def _scrub(text: str) -> str:
    password = getattr(settings, "EMAIL_HOST_PASSWORD", "")
    return text.replace(password, "********") if password else text


# --- email ---


def deliver_email(pk: int) -> str:
    """Send one outbox row if it is due; returns sent, retrying, failed or skipped."""
    now = timezone.now()
    if not _claim(OutgoingEmail, pk, now):
        return "skipped"
    row = OutgoingEmail.objects.get(pk=pk)
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        if not connection.send_messages([backend.StoredEmail(row)]):
            raise smtplib.SMTPException("the mail server accepted nothing")
    except Exception as exc:
        permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
            isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
        )
        error = _scrub(f"{exc.__class__.__name__}: {exc}")
        logger.warning("email %s to %s failed: %s", pk, row.recipients, error)
        _record_failure(row, error, permanent=permanent, now=now)
        return "failed" if permanent or row.attempts + 1 >= max_attempts() else "retrying"
    fields = {"raw": None} if not row.content_visible else {}
    OutgoingEmail.objects.filter(pk=pk).update(
        status=Status.SENT,
        attempts=row.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        claimed_at=None,
        **fields,
    )
    return "sent"


# --- chat webhooks ---


def deliver_webhook_post(pk: int) -> str:
    """POST one webhook payload (JSON) if it is due; 2xx is success."""
    now = timezone.now()
    if not _claim(WebhookPost, pk, now):
        return "skipped"
    post = WebhookPost.objects.select_related("webhook").get(pk=pk)
    code = None
    try:
        # Through the guard at each attempt: the name may resolve elsewhere since it was saved.
        body = json.dumps(post.payload).encode()
        signed = signing.headers(
            secret=post.webhook.secret,
            delivery_id=post.delivery_id,
            event=post.event_name,
            body=body,
        )
        code = net.post_json(
            post.webhook.url,
            post.payload,
            headers={"User-Agent": "helpdesk-webhooks/1", **signed},
            read_timeout=float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5)),
            body=body,
        )
    except net.OutgoingError as exc:
        # A fixed sentence: neither the URL (a secret) nor what the other end said.
        code = getattr(exc, "code", None)
        permanent, error = exc.permanent, str(exc)
    except Exception as exc:  # a bug of ours: retried, the row never stays claimed
        logger.exception("webhook post %s (%r) raised", pk, post.webhook)
        permanent, error = False, str(net.failure(exc))
    else:
        WebhookPost.objects.filter(pk=pk).update(
            status=Status.SENT,
            attempts=post.attempts + 1,
            sent_at=timezone.now(),
            last_error="",
            response_code=code,
            next_attempt_at=None,
            claimed_at=None,
        )
        return "sent"
    logger.warning("webhook post %s (%r) failed: %s", pk, post.webhook, error)
    _record_failure(post, error, permanent=permanent, now=now, response_code=code)
    return "failed" if permanent or post.attempts + 1 >= max_attempts() else "retrying"


# --- the periodic job and admins' actions ---


def queue_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue every email and webhook post that is due, lost or stuck. Idempotent: a row
    queued twice is sent once (the claim)."""
    now = now or timezone.now()
    counts = {}
    for model, task in ((OutgoingEmail, tasks.deliver_email), (WebhookPost, tasks.deliver_post)):
        stale = model.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        stale.update(status=Status.RETRYING, next_attempt_at=now, claimed_at=None)
        due = model.objects.filter(
            Q(status=Status.RETRYING, next_attempt_at__lte=now)
            | Q(
                status=Status.PENDING,
                next_attempt_at__isnull=True,
                created_at__lt=now - LOST_PENDING,
            )
            | Q(status=Status.PENDING, next_attempt_at__lte=now)
        )
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:500])
        for pk in ids:
            task.delay(pk)
        counts[model._meta.model_name] = len(ids)
    return counts


def _send_again(row, actor, task) -> None:
    """Back to pending (only from failed or retrying, checked on the row itself) and queued."""
    reset = (
        type(row)
        .objects.filter(pk=row.pk, status__in=[Status.FAILED, Status.RETRYING])
        .update(status=Status.PENDING, next_attempt_at=None, claimed_at=None)
    )
    if not reset:
        raise NotWaiting
    logger.info("user %s sends %s %s again", actor.pk, type(row).__name__, row.pk)
    transaction.on_commit(lambda: task.delay(row.pk), robust=True)


@transaction.atomic
def send_email_again(*, actor, email: OutgoingEmail) -> None:
    """A failed (or waiting) email is sent again now; raises NotWaiting otherwise."""
    _send_again(email, actor, tasks.deliver_email)


@transaction.atomic
def send_post_again(*, actor, post: WebhookPost) -> None:
    """A failed (or waiting) webhook post is sent again now; raises NotWaiting otherwise."""
    _send_again(post, actor, tasks.deliver_post)


@transaction.atomic
def replay_post(*, actor, post: WebhookPost) -> None:
    """A post of the delivery log (sent or failed, kept WEBHOOK_LOG_DAYS) is delivered again,
    with the same delivery id (a receiver that has it already may drop it). Raises NotWaiting
    for a post still on its way."""
    reset = WebhookPost.objects.filter(
        pk=post.pk, status__in=[Status.SENT, Status.FAILED, Status.RETRYING]
    ).update(status=Status.PENDING, next_attempt_at=None, claimed_at=None, attempts=0)
    if not reset:
        raise NotWaiting
    logger.info("user %s replays webhook post %s", actor.pk, post.pk)
    transaction.on_commit(lambda: tasks.deliver_post.delay(post.pk), robust=True)


@transaction.atomic
def set_webhook_active(*, webhook: ChatWebhook, active: bool) -> None:
    # A save, not a queryset update: the audit log records saves of registered models.
    webhook.is_active = active
    webhook.save(update_fields=["is_active"])


def purge_old(*, now: dt.datetime | None = None) -> int:
    """Erase the raw bytes of emails sent more than OUTBOX_KEEP_DAYS ago (the log line stays),
    and webhook posts done more than WEBHOOK_LOG_DAYS ago. Returns how many rows changed."""
    now = now or timezone.now()
    days = int(getattr(settings, "OUTBOX_KEEP_DAYS", 30))
    erased = (
        OutgoingEmail.objects.filter(status=Status.SENT, sent_at__lt=now - dt.timedelta(days=days))
        .exclude(raw=None)
        .update(raw=None)
    )
    # The webhook delivery log keeps WEBHOOK_LOG_DAYS (30) of posts that are done.
    log_days = int(getattr(settings, "WEBHOOK_LOG_DAYS", 30))
    old_posts = WebhookPost.objects.filter(
        status__in=[Status.SENT, Status.FAILED], created_at__lt=now - dt.timedelta(days=log_days)
    )
    deleted, _rows = old_posts.delete()
    return erased + deleted

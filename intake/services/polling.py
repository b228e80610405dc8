"""Polling mailboxes: one pass over each due mailbox, run by the beat schedule and the
poll_mailboxes command.

Each pending message goes through ingest_message and is marked done on the server only after
that returned, i.e. after the commit: a message that could not be stored stays for the next
pass. A cache lease keeps two pollers off the same mailbox; admins are emailed once when a
mailbox keeps failing. Passwords never appear in errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import emails, roles
from accounts.models import Role

from ..fetch import ImapSource, Pop3Source, fixed_error
from ..models import Mailbox
from .ingest import ingest_message

logger = logging.getLogger(__name__)


def source_for(mailbox: Mailbox, *, timeout: float = 30):
    if mailbox.protocol == Mailbox.Protocol.POP3:
        return Pop3Source(
            mailbox.host,
            mailbox.port,
            mailbox.use_tls,
            mailbox.username,
            mailbox.password,
            timeout=timeout,
        )
    return ImapSource(
        mailbox.host,
        mailbox.port,
        mailbox.use_tls,
        mailbox.username,
        mailbox.password,
        mailbox.folder or "INBOX",
        delete=mailbox.delete_after_import,
        # Mail read by someone before the mailbox was added is not imported (unread mail is).
        since=(mailbox.created_at - dt.timedelta(days=1)).date(),
        timeout=timeout,
    )


def _scrub(mailbox: Mailbox, exc: BaseException) -> str:
    """One of a fixed set of sentences (fetch.fixed_error): never what the server said (its
    greeting could be anything on a port an admin typed), never the password."""
    detail, text = f"{exc.__class__.__name__}: {exc}", str(fixed_error(exc))
    if mailbox.password:
        detail = detail.replace(mailbox.password, "********")
        text = text.replace(mailbox.password, "********")
    logger.info("mailbox %r: %s", mailbox, detail[:1000])  # the server's words: the log only
    return text[:1000]


def test_connection(mailbox: Mailbox) -> tuple[bool, str]:
    """Connect through the guard and log in, for the admin page; the error is a fixed sentence
    that never holds the password or what the server said."""
    try:
        with source_for(mailbox, timeout=10):
            pass
    except Exception as exc:
        return False, _scrub(mailbox, exc)
    return True, ""


@dataclass
class PollReport:
    mailbox: str
    counts: dict
    error: str = ""


def _renew_lease(key: str, token: str, lease: int) -> bool:
    """Extend this poller's lease; when it lapsed meanwhile (a message took longer than the
    lease), take it again unless another poller holds it now."""
    if cache.get(key) == token:
        try:
            if cache.touch(key, lease):
                return True
        except ValueError:
            # Django's file cache raises when touching a key that expired under its lock.
            pass
    return cache.add(key, token, timeout=lease)


def poll_mailbox(mailbox: Mailbox, *, limit: int | None = None) -> PollReport:
    """One pass over a mailbox: ingest each pending message, then mark it done on the server.
    A message that cannot be stored at all stays on the server for the next pass."""
    where = f"{mailbox.pk}:{mailbox.username}@{mailbox.host}:{mailbox.port}/{mailbox.folder}"
    key = "intake:poll:" + hashlib.sha256(where.encode()).hexdigest()[:32]
    # A lease renewed after each message: a killed poller's lease lapses after LEASE seconds.
    lease = int(settings.INTAKE_POLL_LEASE_SECONDS)
    token = secrets.token_hex(8)
    if not cache.add(key, token, timeout=lease):
        return PollReport(str(mailbox.email_address), {}, error="already being polled")
    counts: dict[str, int] = {}
    error = ""
    try:
        with source_for(mailbox) as source:
            for n, (uid, raw) in enumerate(source.list_pending()):
                if limit is not None and n >= limit:
                    break
                try:
                    result = ingest_message(raw, mailbox=mailbox)
                except Exception:
                    logger.exception("message %s of %r could not be stored", uid, mailbox)
                    counts["unstored"] = counts.get("unstored", 0) + 1
                    continue
                counts[str(result.outcome)] = counts.get(str(result.outcome), 0) + 1
                source.mark_done(uid)
                if not _renew_lease(key, token, lease):
                    break  # another poller took the mailbox over while this one was slow
    except Exception as exc:
        error = _scrub(mailbox, exc)
        logger.warning("polling %r failed: %s", mailbox, error)
    finally:
        if cache.get(key) == token:
            cache.delete(key)
    if counts.get("unstored") and not error:
        # Not even a bare quarantine record could be written (the database is down or
        # refuses): the messages stay on the server, and the mailbox counts as failing so
        # that the admins are alerted when it lasts.
        error = f"{counts['unstored']} message(s) could not be stored; they stay on the server"
    _record_poll(mailbox, error)
    return PollReport(str(mailbox.email_address), counts, error)


def _record_poll(mailbox: Mailbox, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        box = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        box.last_poll_at = now
        alert = False
        if error:
            box.last_poll_status = Mailbox.PollStatus.FAILING
            box.last_error = error
            box.consecutive_failures += 1
            if (
                box.consecutive_failures >= int(settings.INTAKE_ALERT_AFTER_FAILURES)
                and box.alerted_at is None
            ):
                box.alerted_at = now
                alert = True
        else:
            box.last_poll_status = Mailbox.PollStatus.OK
            box.last_error = ""
            box.consecutive_failures = 0
            box.last_success_at = now
            box.alerted_at = None
        box.save()
        if alert:
            transaction.on_commit(lambda: _alert_admins(box))
    mailbox.refresh_from_db()


def _alert_admins(mailbox: Mailbox) -> None:
    context = {
        "mailbox": mailbox.name,
        "address": mailbox.email_address,
        "failures": mailbox.consecutive_failures,
        "error": mailbox.last_error,
        "since": mailbox.last_success_at,
    }
    for admin in roles.users_with_role(Role.Code.ADMIN).filter(is_active=True):
        try:
            emails.send_to_user(
                admin,
                "mailbox_failing",
                context,
                # Holds no secret: the outbox log may show it.
                headers={"X-Helpdesk-Notification": "mailbox_failing"},
            )
        except Exception:
            logger.exception("could not alert %s about %r", admin.pk, mailbox)


def poll_due_mailboxes(*, now: dt.datetime | None = None, force: bool = False) -> list[PollReport]:
    now = now or timezone.now()
    reports = []
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk"):
        if force or mailbox.is_due(now):
            reports.append(poll_mailbox(mailbox))
    return reports


def set_mailbox_active(*, mailbox: Mailbox, active: bool) -> None:
    """Switch polling of mailbox on or off (a save, so the audit log records who did it)."""
    mailbox.is_active = active
    mailbox.save(update_fields=["is_active"])

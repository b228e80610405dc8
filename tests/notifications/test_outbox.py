"""The outbox: every email is stored, then delivered by the Celery task over real SMTP
(aiosmtpd on 127.0.0.1), retried with backoff when the server fails, given up after the
limit, never sent twice, and account emails' content is erased once sent."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone

from accounts import emails
from notifications import services
from notifications.models import OutgoingEmail
from tests.servers.fixtures import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_sink


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2


def test_an_email_is_stored_then_sent_over_smtp_once_the_transaction_commits(smtp, commit):
    with commit(), transaction.atomic():
        send_mail("Hello", "Body", "support@helpdesk.test", ["client@alpha.test"])
        row = OutgoingEmail.objects.get()
        assert row.status == "pending" and smtp.messages == []
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    [delivered] = smtp.messages
    assert delivered["rcpt_tos"] == ["client@alpha.test"]
    assert b"Subject: Hello" in delivered["raw"]


def test_a_rolled_back_change_sends_nothing(smtp, commit):
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Hello", "Body", None, ["client@alpha.test"])
        raise RuntimeError
    assert OutgoingEmail.objects.count() == 0 and smtp.messages == []


def test_internal_headers_stay_inside_and_account_content_is_erased_once_sent(smtp, commit):
    with commit():
        emails.send("newcomer@alpha.test", "invitation", {"url": "https://x/set/TOKEN"})
        EmailMessage(
            "Re: [#7] Printer",
            "Answer",
            to=["client@alpha.test"],
            headers={
                "X-Helpdesk-Notification": "ticket_reply",
                "X-Helpdesk-Ticket": "7",
                "X-Helpdesk-Key": "k-1",
            },
        ).send()
    account, notice = OutgoingEmail.objects.order_by("pk")
    assert account.kind == "account" and not account.content_visible and account.raw is None
    assert notice.kind == "ticket_reply" and notice.ticket_number == 7 and notice.raw is not None
    for delivered in smtp.messages:
        assert b"X-Helpdesk-Key" not in delivered["raw"]
        assert b"X-Helpdesk-Ticket" not in delivered["raw"]
    assert b"X-Helpdesk-Notification: ticket_reply" in smtp.messages[1]["raw"]


def test_the_same_key_is_sent_once(smtp, commit):
    for _ in range(2):
        with commit():
            EmailMessage("S", "B", to=["a@alpha.test"], headers={"X-Helpdesk-Key": "same"}).send()
    assert OutgoingEmail.objects.count() == 1 and len(smtp.messages) == 1


def test_a_server_that_is_down_is_retried_with_backoff_then_the_mail_goes_out(
    smtp_down, settings, smtp_sink, commit
):
    with commit():
        send_mail("Hello", "Body", None, ["client@alpha.test"])
    row = OutgoingEmail.objects.get()
    assert row.status == "retrying" and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.next_attempt_at - timezone.now() > dt.timedelta(seconds=50)
    # Not due yet: the periodic job leaves it alone.
    with commit():
        assert services.queue_due()["outgoingemail"] == 0
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    # A minute later (the first delay) the job finds it due and the server is back.
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    with commit():
        assert services.queue_due()["outgoingemail"] == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""
    assert len(smtp_sink.messages) == 1


def test_after_the_last_attempt_the_mail_is_failed_for_an_admin_to_see(smtp_down, settings, commit):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with commit():
        send_mail("Hello", "Body", None, ["client@alpha.test"])
    row = OutgoingEmail.objects.get()
    for _ in range(2):
        OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        services.deliver_email(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3 and row.next_attempt_at is None


def test_a_refused_recipient_fails_at_once(settings, commit):
    from aiosmtpd.controller import Controller

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such user"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        with commit():
            send_mail("Hello", "Body", None, ["ghost@alpha.test"])
    finally:
        controller.stop()
    row = OutgoingEmail.objects.get()
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error


def test_the_smtp_password_never_reaches_the_log(smtp_down, settings, commit, monkeypatch):
    settings.EMAIL_HOST_PASSWORD = "s3cret-smtp-pw"

    def refuse(*args, **kwargs):
        raise smtplib.SMTPAuthenticationError(535, b"bad credentials s3cret-smtp-pw")

    monkeypatch.setattr(smtplib.SMTP, "__init__", refuse)
    with commit():
        send_mail("Hello", "Body", None, ["client@alpha.test"])
    row = OutgoingEmail.objects.get()
    assert "s3cret-smtp-pw" not in row.last_error and "********" in row.last_error


def test_a_row_claimed_by_one_worker_is_not_sent_by_another(smtp, commit):
    with transaction.atomic():  # stored, not yet delivered
        send_mail("Hello", "Body", None, ["client@alpha.test"])
    row = OutgoingEmail.objects.get()
    OutgoingEmail.objects.filter(pk=row.pk).update(status="sending", claimed_at=timezone.now())
    assert services.deliver_email(row.pk) == "skipped"
    assert smtp.messages == []


def test_the_periodic_job_picks_up_lost_and_stale_rows(smtp, commit):
    with transaction.atomic():
        send_mail("Lost", "Body", None, ["a@alpha.test"])
        send_mail("Stale", "Body", None, ["b@alpha.test"])
    lost, stale = OutgoingEmail.objects.order_by("pk")
    old = timezone.now() - dt.timedelta(minutes=15)
    OutgoingEmail.objects.filter(pk=lost.pk).update(created_at=old)
    OutgoingEmail.objects.filter(pk=stale.pk).update(status="sending", claimed_at=old)
    with commit():
        assert services.queue_due()["outgoingemail"] == 2
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages) == ["a@alpha.test", "b@alpha.test"]


def test_a_sign_in_code_is_delivered_before_the_transaction_ends(smtp):
    with transaction.atomic():
        EmailMessage(
            "Code", "123456", to=["a@alpha.test"], headers={"X-Helpdesk-Deliver": "now"}
        ).send()
        assert len(smtp.messages) == 1
    assert OutgoingEmail.objects.get().raw is None  # an account email: erased once sent


def test_old_sent_content_is_erased_after_the_keep_days(smtp, settings, commit):
    settings.OUTBOX_KEEP_DAYS = 30
    with commit():
        EmailMessage(
            "N", "B", to=["a@alpha.test"], headers={"X-Helpdesk-Notification": "ticket_reply"}
        ).send()
    row = OutgoingEmail.objects.get()
    assert services.purge_old() == 0
    assert services.purge_old(now=row.sent_at + dt.timedelta(days=31)) == 1
    row.refresh_from_db()
    assert row.raw is None and row.subject == "N"


def test_mail_outbox_sees_what_was_delivered(commit):
    with commit():
        send_mail("Hello", "Body", None, ["client@alpha.test"])
    assert [m.subject for m in mail.outbox] == ["Hello"]

"""The admins' pages of outbound email (/mail/outbox/, /mail/webhooks/): who may open them,
bounded queries, filters, what an account email hides, "Send again", hostile input, and the
webhook URL kept secret."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.emails import send_to_user
from notifications import webhooks
from notifications.models import ChatWebhook, DeliveryStatus, OutgoingEmail, WebhookPost
from tests.servers.fixtures import free_port
from tests.tickets.conftest import _english  # noqa: F401
from tickets import services as ticket_services

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SECRET = "T0ABC/B0DEF/s3cretT0kenVALUE9876"
HOOK_URL = f"https://hooks.chat.test/services/{SECRET}"


def send_notification(
    commit,
    *,
    subject="[#12] New reply on your ticket",
    to=("client@alpha.test",),
    ticket=12,
    kind="ticket_reply",
    text="Please restart the spooler.",
    html="<p>Please restart the <b>spooler</b>.</p>",
) -> OutgoingEmail:
    """A ticket notification as the notifier writes one (its headers say so), delivered."""
    message = EmailMultiAlternatives(
        subject,
        text,
        to=list(to),
        headers={"X-Helpdesk-Notification": kind, "X-Helpdesk-Ticket": str(ticket)},
    )
    message.attach_alternative(html, "text/html")
    with commit():
        message.send()
    return OutgoingEmail.objects.order_by("-pk").first()


@pytest.fixture
def smtp_down(settings):
    """smtp_down(attempts) -> delivery goes to a local port where nothing listens (connection
    refused), giving up after `attempts`; smtp_down.restore() brings the test mailbox back."""

    def _down(attempts=1):
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        settings.OUTBOX_MAX_ATTEMPTS = attempts

    def _restore():
        settings.EMAIL_DELIVERY_BACKEND = LOCMEM
        settings.OUTBOX_MAX_ATTEMPTS = 6

    _down.restore = _restore
    return _down


@pytest.fixture
def failed_email(db, commit, smtp_down):
    smtp_down(attempts=1)
    row = send_notification(commit, subject="[#12] Could not be delivered")
    smtp_down.restore()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED and "Connection" in row.last_error
    mail.outbox.clear()
    return row


@pytest.fixture
def webhook(db, http_sink, allow_local_servers):
    """A chat webhook posting to the local HTTP sink (127.0.0.1, allowed by name); the end of
    its path is the secret."""
    return ChatWebhook.objects.create(
        name="Support channel", url=f"{http_sink.url}/{SECRET}", events=["ticket_created"]
    )


@pytest.fixture
def failed_post(webhook, http_sink, commit):
    """A test post the chat tool refused for good (HTTP 410)."""
    http_sink.status = 410
    with commit():
        post = webhooks.send_test(webhook)
    http_sink.status = 200
    post.refresh_from_db()
    assert post.status == DeliveryStatus.FAILED and "410" in post.last_error
    return post


# --- who may open the pages ---


OUTSIDERS = ["agent", "sales", "dpo", "client_a", "reseller"]


@pytest.mark.parametrize("persona", ["admin", *OUTSIDERS])
def test_only_admins_reach_the_mail_pages_others_get_404(
    request, login, persona, failed_email, webhook, failed_post
):
    client = login(request.getfixturevalue(persona))
    pages = [
        reverse("administration:outbox"),
        reverse("administration:outbox-detail", args=[failed_email.pk]),
        reverse("administration:outbox-raw", args=[failed_email.pk]),
        reverse("administration:outbox-html", args=[failed_email.pk]),
        reverse("administration:webhook-list"),
        reverse("administration:webhook-new"),
        reverse("administration:webhook-edit", args=[webhook.pk]),
    ]
    actions = [
        reverse("administration:outbox-retry", args=[failed_email.pk]),
        reverse("administration:webhook-test", args=[webhook.pk]),
        reverse("administration:webhook-toggle", args=[webhook.pk]),
        reverse("administration:post-retry", args=[failed_post.pk]),
    ]
    allowed = persona == "admin"
    for url in pages:
        assert client.get(url).status_code == (200 if allowed else 404), (persona, url)
    for url in actions:
        assert client.post(url).status_code == (302 if allowed else 404), (persona, url)
    failed_email.refresh_from_db()
    failed_post.refresh_from_db()
    webhook.refresh_from_db()
    if allowed:
        assert failed_email.status == failed_post.status == DeliveryStatus.PENDING
        assert not webhook.is_active and webhook.posts.filter(event_name="test").count() == 2
    else:
        assert failed_email.status == failed_post.status == DeliveryStatus.FAILED
        assert webhook.is_active and webhook.posts.count() == 1


def test_anonymous_visitor_is_sent_to_login(client, failed_email):
    response = client.get(reverse("administration:outbox-detail", args=[failed_email.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_email_tabs_lead_admins_to_the_outbox_and_chat_pages(login, admin, agent):
    page = login(admin).get(reverse("intake:unidentified")).content.decode()
    assert reverse("administration:outbox") in page
    assert reverse("administration:webhook-list") in page
    page = login(agent).get(reverse("intake:unidentified")).content.decode()
    assert reverse("administration:outbox") not in page


# --- queries do not grow with rows ---


def fill_outbox(commit, n, *, start=0):
    for i in range(start, start + n):
        send_notification(commit, subject=f"[#{i}] Reply {i}", to=[f"c{i}@alpha.test"], ticket=i)
    OutgoingEmail.objects.filter(pk__in=OutgoingEmail.objects.order_by("pk")[: n // 2]).update(
        status=DeliveryStatus.RETRYING, attempts=2, last_error="SMTPServerDisconnected: gone"
    )


# One of them reads the admin's running timers for the top bar while the cache is cold.
OUTBOX_QUERIES = 11


def test_outbox_list_queries_do_not_grow_with_rows(
    login, admin, commit, django_assert_max_num_queries
):
    client = login(admin)
    fill_outbox(commit, 3)
    with django_assert_max_num_queries(OUTBOX_QUERIES) as few:
        page = client.get(reverse("administration:outbox")).content.decode()
    assert page.count('class="outbox-row') == 3
    fill_outbox(commit, 37, start=3)
    with django_assert_max_num_queries(OUTBOX_QUERIES) as many:
        page = client.get(reverse("administration:outbox")).content.decode()
    assert page.count('class="outbox-row') == 40
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_outbox_detail_queries_do_not_grow_with_rows_or_recipients(
    login, admin, commit, django_assert_max_num_queries
):
    client = login(admin)
    fill_outbox(commit, 3)
    small = send_notification(commit, to=[f"r{i}@alpha.test" for i in range(3)])
    with django_assert_max_num_queries(OUTBOX_QUERIES) as few:
        client.get(reverse("administration:outbox-detail", args=[small.pk]))
    fill_outbox(commit, 37, start=3)
    big = send_notification(commit, to=[f"r{i}@alpha.test" for i in range(40)])
    with django_assert_max_num_queries(OUTBOX_QUERIES) as many:
        page = client.get(reverse("administration:outbox-detail", args=[big.pk])).content.decode()
    assert "r39@alpha.test" in page
    assert len(many.captured_queries) <= len(few.captured_queries)


def fill_webhooks(n, *, start=0):
    for i in range(start, start + n):
        hook = ChatWebhook.objects.create(
            name=f"Channel {i}", url=f"https://chat{i}.test/hooks/abcd{i}", events=["test"]
        )
        WebhookPost.objects.create(
            webhook=hook, event_name="ticket_created", ticket_number=i, payload={"text": f"#{i}"}
        )


def test_webhook_list_queries_do_not_grow_with_rows(login, admin, django_assert_max_num_queries):
    client = login(admin)
    fill_webhooks(3)
    with django_assert_max_num_queries(OUTBOX_QUERIES) as few:
        page = client.get(reverse("administration:webhook-list")).content.decode()
    assert page.count('class="webhook-row') == 3 and page.count('class="post-row') == 3
    fill_webhooks(37, start=3)
    with django_assert_max_num_queries(OUTBOX_QUERIES) as many:
        page = client.get(reverse("administration:webhook-list")).content.decode()
    assert page.count('class="webhook-row') == 40 and page.count('class="post-row') == 40
    assert len(many.captured_queries) <= len(few.captured_queries)


# --- filters ---


def rows_of(page: str) -> int:
    return page.count('class="outbox-row')


def test_filters_by_status_recipient_or_subject_and_ticket(login, admin, commit, failed_email):
    send_notification(commit, subject="[#7] Printer fixed", to=["boss@alpha.test"], ticket=7)
    send_notification(commit, subject="[#8] Invoice ready", to=["accounting@beta.test"], ticket=8)
    client = login(admin)
    url = reverse("administration:outbox")
    assert rows_of(client.get(url).content.decode()) == 3
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert rows_of(failed) == 1 and "Could not be delivered" in failed
    assert "Printer fixed" not in failed
    problems = client.get(url, {"status": "problems"}).content.decode()
    assert rows_of(problems) == 1 and "Could not be delivered" in problems
    by_recipient = client.get(url, {"q": "BETA.test"}).content.decode()
    assert rows_of(by_recipient) == 1 and "Invoice ready" in by_recipient
    by_subject = client.get(url, {"q": "printer"}).content.decode()
    assert rows_of(by_subject) == 1 and "boss@alpha.test" in by_subject
    by_ticket = client.get(url, {"ticket": "8"}).content.decode()
    assert rows_of(by_ticket) == 1 and "Invoice ready" in by_ticket
    nothing = client.get(url, {"q": "nobody-at-all"}).content.decode()
    assert rows_of(nothing) == 0 and "No email matches these filters." in nothing


def test_bad_filter_input_shows_the_page_with_a_form_error(login, admin, commit):
    send_notification(commit)
    client = login(admin)
    url = reverse("administration:outbox")
    response = client.get(url, {"ticket": "abc"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_ticket_error"' in page and "Enter a whole number." in page
    assert 'value="abc"' in page  # what was typed is kept
    response = client.get(url, {"status": "bogus"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_status_error"' in page and "Select a valid choice." in page
    response = client.get(url, {"ticket": "-3", "page": "zzz"})
    assert response.status_code == 200 and 'id="id_ticket_error"' in response.content.decode()


def test_a_filter_in_error_leaves_the_other_filters_applied(login, admin, commit):
    send_notification(commit, subject="[#7] Printer fixed", ticket=7)
    send_notification(commit, subject="[#8] Invoice ready", ticket=8)
    page = login(admin).get(reverse("administration:outbox"), {"q": "invoice", "ticket": "abc"})
    page = page.content.decode()
    assert 'id="id_ticket_error"' in page and 'value="invoice"' in page
    assert rows_of(page) == 1 and "Printer fixed" not in page  # what the form shows is applied


def test_accented_subjects_are_shown_and_found_as_written(login, admin, commit):
    row = send_notification(commit, subject="[#9] Demande reçue : Accès VPN refusé")
    client = login(admin)
    listing = client.get(reverse("administration:outbox"), {"q": "reçue"}).content.decode()
    detail = client.get(reverse("administration:outbox-detail", args=[row.pk])).content.decode()
    assert "=?utf-8?" not in listing + detail
    assert rows_of(listing) == 1 and "Demande reçue : Accès VPN refusé" in listing
    assert '<h1 class="text-break">[#9] Demande reçue : Accès VPN refusé</h1>' in detail


def test_pages_of_a_filtered_outbox_keep_the_filter(login, admin, commit):
    for i in range(52):
        send_notification(commit, subject=f"Reply {i}", to=[f"c{i}@alpha.test"], ticket=5)
    send_notification(commit, subject="Another ticket", ticket=6)
    client = login(admin)
    first = client.get(reverse("administration:outbox"), {"ticket": "5"}).content.decode()
    assert rows_of(first) == 50 and "Page 1 of 2" in first
    assert 'href="?ticket=5&amp;page=2"' in first
    second = client.get(reverse("administration:outbox"), {"ticket": "5", "page": "2"})
    page = second.content.decode()
    assert rows_of(page) == 2 and "Another ticket" not in page
    assert "Reply 0" in page and "Reply 1" in page  # oldest last


# --- what the detail shows ---


def test_account_email_content_is_never_shown_nor_downloadable(login, admin, client_a, commit):
    secret = "https://helpdesk.test/password/set/Zq9-SECRET-TOKEN/"
    send_to_user(client_a, "invitation", {"inviter": admin, "url": secret})
    row = OutgoingEmail.objects.get()
    assert row.kind == "account" and row.raw is not None  # not sent yet: the bytes are kept
    client = login(admin)
    page = client.get(reverse("administration:outbox-detail", args=[row.pk])).content.decode()
    assert 'id="outbox-content-hidden"' in page and client_a.email in page
    assert "Zq9-SECRET-TOKEN" not in page and 'id="outbox-text"' not in page
    assert reverse("administration:outbox-raw", args=[row.pk]) not in page
    assert client.get(reverse("administration:outbox-raw", args=[row.pk])).status_code == 404
    listing = client.get(reverse("administration:outbox")).content.decode()
    assert "Zq9-SECRET-TOKEN" not in listing


def test_ticket_notification_shows_its_text_and_offers_the_eml(
    login, admin, agent, client_a, make_ticket, commit
):
    with commit():
        ticket = make_ticket(client_a)
        ticket_services.assign(actor=agent, ticket=ticket, assignees=[agent])
    with commit():
        ticket_services.reply(actor=agent, ticket=ticket, body="Restart the print spooler.")
    row = OutgoingEmail.objects.get(kind="ticket_reply", recipients=client_a.email)
    assert row.status == DeliveryStatus.SENT and row.ticket_number == ticket.number
    client = login(admin)
    page = client.get(reverse("administration:outbox-detail", args=[row.pk])).content.decode()
    assert "Restart the print spooler." in page and 'id="outbox-text"' in page
    assert '<iframe class="outbox-html" sandbox ' in page  # no allow-scripts, no same-origin
    # The frame shows the HTML part from a URL of its own, under a sandboxing policy that lets
    # the email's inline styles apply (a srcdoc frame would get the page's strict policy).
    html_url = reverse("administration:outbox-html", args=[row.pk])
    assert f'src="{html_url}"' in page and "srcdoc" not in page
    framed = client.get(html_url)
    assert framed["Content-Type"] == "text/html; charset=utf-8"
    assert "Restart the print spooler." in framed.content.decode()
    assert 'style="' in framed.content.decode()  # styled inline, as mail programs need
    policy = framed["Content-Security-Policy"]
    assert policy.startswith("sandbox; default-src 'none';")
    assert "script-src" not in policy and "allow-" not in policy
    assert "frame-ancestors 'self'" in policy and framed["X-Frame-Options"] == "SAMEORIGIN"
    assert f'href="{reverse("tickets:detail", args=[ticket.number])}"' in page
    raw_url = reverse("administration:outbox-raw", args=[row.pk])
    assert f'href="{raw_url}"' in page
    response = client.get(raw_url)
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="outbox-{row.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == bytes(row.raw)
    listing = client.get(reverse("administration:outbox"), {"ticket": ticket.number})
    assert client_a.email in listing.content.decode()


# --- send again ---


def test_send_again_delivers_a_failed_email(login, admin, commit, failed_email):
    client = login(admin)
    url = reverse("administration:outbox-retry", args=[failed_email.pk])
    back = reverse("administration:outbox") + "?status=failed"
    with commit():
        response = client.post(url, {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    failed_email.refresh_from_db()
    assert failed_email.status == DeliveryStatus.SENT and failed_email.last_error == ""
    [message] = mail.outbox
    assert message.subject == "[#12] Could not be delivered" and message.to == ["client@alpha.test"]
    page = client.get(back).content.decode()
    assert "The email is being sent again." in page
    assert rows_of(page) == 0  # nothing failed anymore


def test_send_again_sets_a_failed_email_back_to_pending(login, admin, failed_email):
    # Before the commit (the delivery job runs after it), the row is queued again.
    login(admin).post(reverse("administration:outbox-retry", args=[failed_email.pk]))
    failed_email.refresh_from_db()
    assert failed_email.status == DeliveryStatus.PENDING and failed_email.next_attempt_at is None


def test_send_again_on_a_sent_email_is_refused_and_sends_nothing(login, admin, commit):
    row = send_notification(commit)
    assert row.status == DeliveryStatus.SENT and len(mail.outbox) == 1
    client = login(admin)
    with commit():
        response = client.post(reverse("administration:outbox-retry", args=[row.pk]), follow=True)
    assert "This email is not waiting to be sent again." in response.content.decode()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 1


@pytest.mark.parametrize(
    "target", ["https://evil.test/phish", "//evil.test/phish", "javascript:alert(1)"]
)
def test_send_again_does_not_follow_next_to_another_host(login, admin, failed_email, target):
    url = reverse("administration:outbox-retry", args=[failed_email.pk])
    response = login(admin).post(url, {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("administration:outbox")


def test_a_failed_webhook_post_can_be_sent_again(login, admin, commit, http_sink, failed_post):
    client = login(admin)
    with commit():
        client.post(reverse("administration:post-retry", args=[failed_post.pk]))
    failed_post.refresh_from_db()
    assert failed_post.status == DeliveryStatus.SENT and failed_post.response_code == 200
    assert len(http_sink.requests) == 2  # refused, then accepted
    assert http_sink.requests[1]["json"] == failed_post.payload
    assert http_sink.requests[1]["path"].endswith("s3cretT0kenVALUE9876")
    with commit():
        response = client.post(
            reverse("administration:post-retry", args=[failed_post.pk]), follow=True
        )
    assert "This post is not waiting to be sent again." in response.content.decode()
    assert len(http_sink.requests) == 2


# --- hostile input ---


def test_a_script_in_a_subject_is_shown_as_text(login, admin, commit):
    row = send_notification(
        commit,
        subject="<script>alert(1)</script> Invoice",
        html="<p>Hi</p><script>alert(2)</script><img src=x onerror=alert(3)>",
    )
    client = login(admin)
    listing = client.get(reverse("administration:outbox")).content.decode()
    detail = client.get(reverse("administration:outbox-detail", args=[row.pk])).content.decode()
    for page in (listing, detail):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Invoice" in page
    # The HTML part is not in the page: its frame loads it as a sandboxed document where no
    # script runs (no script source, no allow-scripts) and nothing is fetched.
    assert "alert(2)" not in detail and "<img src=x" not in detail
    framed = client.get(reverse("administration:outbox-html", args=[row.pk]))
    assert framed["Content-Security-Policy"].startswith("sandbox; default-src 'none';")
    assert "script-src" not in framed["Content-Security-Policy"]


def test_forged_or_missing_ids_give_404(login, admin, commit, webhook, failed_post):
    send_to_user(admin, "invitation", {"inviter": admin, "url": "https://h.test/set/"})
    account = OutgoingEmail.objects.get(kind="account")
    notice = send_notification(commit)
    client = login(admin)
    missing = 10**6 + notice.pk + failed_post.pk + webhook.pk
    for name in ("outbox-detail", "outbox-raw", "outbox-html"):
        assert client.get(reverse(f"administration:{name}", args=[missing])).status_code == 404
    assert client.get(reverse("administration:webhook-edit", args=[missing])).status_code == 404
    for name in ("outbox-retry", "webhook-test", "webhook-toggle", "post-retry"):
        assert client.post(reverse(f"administration:{name}", args=[missing])).status_code == 404
    assert client.get(reverse("administration:outbox-raw", args=[account.pk])).status_code == 404
    # An account email's content (sign-in codes, password links) is never shown, framed or not.
    assert client.get(reverse("administration:outbox-html", args=[account.pk])).status_code == 404
    for forged in ("/mail/outbox/abc/", "/mail/outbox/-1/", "/mail/webhooks/1e3/"):
        assert client.get(forged).status_code == 404
    # Id 0 is no webhook: not the new-webhook form, and posting there creates nothing.
    zero = reverse("administration:webhook-edit", args=[0])
    assert client.get(zero).status_code == 404
    data = {"name": "Sneaky", "url": HOOK_URL, "events": ["ticket_created"], "language": "en"}
    assert client.post(zero, data).status_code == 404
    assert list(ChatWebhook.objects.values_list("name", flat=True)) == ["Support channel"]
    # GET on a write is not allowed; nothing changed.
    assert (
        client.get(reverse("administration:webhook-toggle", args=[webhook.pk])).status_code == 405
    )
    webhook.refresh_from_db()
    assert webhook.is_active


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.chat.test/hook"])
def test_webhook_form_refuses_other_schemes_and_keeps_what_was_typed(login, admin, url):
    data = {"name": "Équipe N1", "url": url, "events": ["ticket_created"], "language": "en"}
    response = login(admin).post(reverse("administration:webhook-new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_url_error"' in page
    assert 'value="Équipe N1"' in page and f'value="{url}"' in page
    assert not ChatWebhook.objects.exists()


def test_new_webhook_is_saved_and_its_url_shown_masked(login, admin):
    data = {"name": "Support", "url": HOOK_URL, "events": ["ticket_created"], "language": "en"}
    client = login(admin)
    response = client.post(reverse("administration:webhook-new"), data, follow=True)
    hook = ChatWebhook.objects.get()
    assert (hook.url, hook.events, hook.is_active) == (HOOK_URL, ["ticket_created"], False)
    page = response.content.decode()
    assert "Webhook saved." in page and "https://hooks.chat.test/…9876" in page
    assert "s3cretT0ken" not in page


def test_editing_a_webhook_with_an_empty_url_keeps_it_and_never_shows_it(
    login, admin, webhook, http_sink
):
    client = login(admin)
    url = reverse("administration:webhook-edit", args=[webhook.pk])
    for page in (
        client.get(url).content.decode(),
        client.get(reverse("administration:webhook-list")).content.decode(),
    ):
        assert "s3cretT0ken" not in page and webhook.masked_url in page
        assert webhook.masked_url.endswith("/…9876")
    assert 'name="url" value=' not in client.get(url).content.decode()
    data = {
        "name": "Renamed channel",
        "url": "",
        "events": ["ticket_created", "ticket_reopened"],
        "language": "en",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    webhook.refresh_from_db()
    assert webhook.name == "Renamed channel" and webhook.url == f"{http_sink.url}/{SECRET}"
    assert webhook.events == ["ticket_created", "ticket_reopened"]
    # A form error shows the page again, still without the address.
    page = client.post(url, {**data, "name": ""}).content.decode()
    assert 'id="id_name_error"' in page and "s3cretT0ken" not in page
    webhook.refresh_from_db()
    assert webhook.name == "Renamed channel"


def test_the_masked_address_in_the_edit_form_is_escaped(login, admin):
    hook = ChatWebhook.objects.create(name="Odd", url="https://chat.test/hook/a<i>", events=[])
    page = login(admin).get(reverse("administration:webhook-edit", args=[hook.pk])).content
    assert b"https://chat.test/\xe2\x80\xa6a&lt;i&gt;" in page and b"a<i>" not in page

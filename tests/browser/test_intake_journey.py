"""Email pages in a browser: an agent links an unidentified ticket, an admin reads the
quarantine and retries a message."""

import pytest
from playwright.sync_api import expect

from intake.models import InboundMessage
from intake.services import ingest_message
from tests.browser.waiting import until
from tests.conftest import authentication_results
from tickets.models import Ticket


def raw(sender, subject, mid, body="Bonjour, notre imprimante est en panne.", auth=True):
    return (
        (authentication_results(sender) if auth else "")
        + f"From: {sender}\r\nTo: support@helpdesk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: {mid}\r\nCc: collegue@inconnu.test\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.django_db(transaction=True)
def test_agent_links_unidentified_ticket(login_page, screenshot, agent, client_a, client_b):
    ingest_message(raw("inconnu@nouveau-client.test", "Imprimante en panne", "<b1@x>"))
    ingest_message(raw("autre@ailleurs.test", "<script>alert(1)</script> Devis", "<b2@x>"))
    known = ingest_message(raw("client@alpha.test", "Export vide", "<b3@x>")).ticket_number
    ingest_message(raw("client@beta.test", f"Re: [#{known}] Export vide", "<b4@x>", "Moi aussi"))
    page = login_page(agent, locale="en-US")
    page.goto("/")
    page.get_by_role("button", name="Management").click()  # the top bar's menu
    page.get_by_role("link", name="Email", exact=True).click()
    expect(page.locator("#unidentified-tickets tbody tr")).to_have_count(2)
    assert page.locator("#flagged tbody tr").count() == 1
    screenshot(page, "intake_unidentified")
    number = Ticket.objects.get(contact_email="inconnu@nouveau-client.test").number
    page.select_option(f"#org-{number}", label=client_a.organization.name)
    page.select_option(f"#contact-{number}", value=str(client_a.pk))
    page.locator(f"form[action$='/unidentified/{number}/link/'] button").click()
    expect(page.locator("#unidentified-tickets tbody tr")).to_have_count(1)
    assert Ticket.objects.get(number=number).organization == client_a.organization
    page.get_by_role("button", name="Add to the ticket").click()
    page.wait_for_load_state()
    assert page.locator("#flagged tbody tr td[colspan]").count() == 1  # empty now
    page.goto(f"/tickets/{known}/")
    assert page.get_by_text("Moi aussi").count() == 1
    screenshot(page, "intake_ticket_with_flagged_reply")


@pytest.mark.django_db(transaction=True)
def test_admin_reads_and_retries_quarantine(login_page, screenshot, admin, settings):
    settings.INTAKE_MAX_MESSAGE_MB = 0
    ingest_message(raw("client@alpha.test", "Pièce jointe énorme", "<q1@x>"))
    settings.INTAKE_MAX_MESSAGE_MB = 60
    ingest_message(b"")
    page = login_page(admin, locale="en-US")
    page.goto("/")
    assert page.locator(".mailbox-alerts").count() == 1
    page.goto("/mail/quarantine/")
    assert page.locator("#quarantine tbody tr").count() == 2
    screenshot(page, "intake_quarantine")
    page.get_by_role("link", name="Pièce jointe énorme").click()
    expect(page.locator("#reason")).to_contain_text("too large")
    screenshot(page, "intake_quarantine_detail")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("#quarantine tbody tr")).to_have_count(1)
    assert InboundMessage.objects.filter(outcome="created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_admin_sees_failing_mailbox_and_edits_it(login_page, screenshot, admin):
    from intake.models import Mailbox

    Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        host="imap.example.test",
        username="support",
        password="s3cret-value",
        last_poll_status="failing",
        consecutive_failures=4,
        last_error="MailboxLoginError: [AUTHENTICATIONFAILED] Authentication failed.",
    )
    Mailbox.objects.create(
        name="Ventes",
        email_address="ventes@helpdesk.test",
        protocol="pop3",
        host="pop.example.test",
        port=995,
        username="ventes",
        password="x",
        last_poll_status="ok",
    )
    page = login_page(admin, locale="en-US")
    page.goto("/")
    assert "support@helpdesk.test" in page.locator(".mailbox-alerts").inner_text()
    screenshot(page, "intake_dashboard_alert")
    page.goto("/mail/mailboxes/")
    assert page.locator(".mailbox-row").count() == 2
    screenshot(page, "intake_mailboxes")
    page.get_by_role("link", name="Support", exact=True).click()
    expect(page.locator("input[name=password]")).to_have_value("")
    assert "s3cret-value" not in page.content()
    screenshot(page, "intake_mailbox_form")


@pytest.mark.django_db(transaction=True)
def test_admin_cannot_point_a_mailbox_at_the_internal_network(login_page, screenshot, admin):
    from intake.models import Mailbox

    # Saved before the guard existed: "Test connection" refuses it without connecting.
    Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        host="169.254.169.254",
        port=80,
        username="support",
        password="s3cret-value",
    )
    page = login_page(admin, locale="en-US")
    page.goto("/mail/mailboxes/")
    page.get_by_role("button", name="Test connection").click()
    page.wait_for_load_state()
    alert = page.locator(".alert-danger, .alert-error").first
    assert "refused address" in alert.inner_text()
    screenshot(page, "intake_mailbox_refused_test")
    page.get_by_role("link", name="Support", exact=True).click()
    page.get_by_label("Host").fill("10.0.0.25")
    page.get_by_role("button", name="Save").click()
    page.locator("#id_host_error").wait_for()
    assert "HELPDESK_ALLOWED_INTERNAL_HOSTS" in page.locator("#id_host_error").inner_text()
    assert page.get_by_label("Host").input_value() == "10.0.0.25"
    screenshot(page, "intake_mailbox_refused_host")
    assert Mailbox.objects.get().host == "169.254.169.254"


@pytest.mark.django_db(transaction=True)
def test_agent_checks_an_unverified_sender_and_admin_releases_an_ignored_message(
    login_page, screenshot, agent, admin, client_a
):
    ingest_message(
        raw("client@alpha.test", "Changement de RIB", "<u1@x>", "Nouveau RIB", auth=False)
    )
    ingest_message(raw("client@alpha.test", "Réponse automatique : absent", "<i1@x>"))
    ingest_message(raw("client@alpha.test", "Non remis : Devis", "<i2@x>"))
    page = login_page(agent, locale="en-US")
    page.goto("/mail/unidentified/")
    row = page.locator("#flagged tbody tr", has_text="Changement de RIB")
    row.get_by_text("Evidence").click()
    assert "no Authentication-Results header" in row.inner_text()
    screenshot(page, "intake_unverified_sender")
    row.get_by_role("button", name="Accept: open the ticket").click()
    page.wait_for_load_state()
    ticket = Ticket.objects.get(title="Changement de RIB")
    assert ticket.requester == client_a
    page = login_page(admin, locale="en-US")
    page.goto("/mail/ignored/")
    assert page.locator("#ignored tbody tr").count() == 2
    page.get_by_role("link", name="Delivery failure").click()
    expect(page.locator("#ignored tbody tr")).to_have_count(1)
    screenshot(page, "intake_ignored")
    page.get_by_role("button", name="Release into a ticket").click()
    until(lambda: Ticket.objects.filter(title="Non remis : Devis").exists())
    assert InboundMessage.objects.get(message_id="<i2@x>").outcome == "created"

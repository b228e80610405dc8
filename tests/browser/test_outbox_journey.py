"""Outbound email in a browser: an admin reads the outbox, filters the problems and sends a
failed email again; sets up a chat webhook and sends it a test; a client turns off one kind of
email on their profile."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Notice
from notifications.models import DeliveryStatus, OutgoingEmail, WebhookPost
from tests.servers.fixtures import allow_local_servers, free_port, http_sink  # noqa: F401
from tickets import services
from tickets.models import TicketType

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def smtp_down(settings, *, attempts):
    """Deliveries go to a local port where nothing listens, giving up after `attempts`."""
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.OUTBOX_MAX_ATTEMPTS = attempts


def smtp_up(settings):
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    settings.OUTBOX_MAX_ATTEMPTS = 6


def show_html_part(page, frame, text):
    """The sandboxed frame has its own origin: Chromium paints it only once it has been in
    view, so a full-page screenshot taken before would show it empty."""
    frame.get_by_text(text).wait_for()
    page.locator("iframe.outbox-html").scroll_into_view_if_needed()


@pytest.fixture
def outbox_rows(settings, client_a, agent):
    """Three ticket notifications to client_a: a confirmation sent, an agent's reply that
    failed for good, a second confirmation failing and waiting for its next try."""
    kind = TicketType.objects.first()
    ticket = services.create_ticket(
        actor=client_a, title="Imprimante du 2e étage", description="Bourrage.", type=kind
    )
    smtp_down(settings, attempts=1)
    services.reply(actor=agent, ticket=ticket, body="Merci de redémarrer le spouleur.")
    smtp_down(settings, attempts=6)
    services.create_ticket(
        actor=client_a, title="Accès VPN refusé", description="Depuis hier.", type=kind
    )
    smtp_up(settings)
    rows = {row.status: row for row in OutgoingEmail.objects.all()}
    assert set(rows) == {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.RETRYING}
    mail.outbox.clear()
    return rows


@pytest.mark.django_db(transaction=True)
def test_admin_filters_the_outbox_and_sends_a_failed_email_again(
    login_page, screenshot, admin, client_a, outbox_rows
):
    failed = outbox_rows[DeliveryStatus.FAILED]
    page = login_page(admin)
    page.goto("/")
    page.get_by_role("button", name="Gestion").click()  # the top bar's menu
    page.get_by_role("link", name="E-mail", exact=True).click()
    page.get_by_role("link", name="Boîte d'envoi").click()
    page.wait_for_url("**/mail/outbox/")
    rows = page.locator("#outbox tbody tr.outbox-row")
    expect(rows).to_have_count(3)
    expect(page.locator("tr.outbox-failed").get_by_text("Connection refused")).to_be_visible()
    assert page.locator("tr.outbox-retrying").get_by_text("Échec, nouvel essai prévu").count()
    screenshot(page, "outbox_list")

    page.get_by_label("Statut").select_option(label="En échec ou en reprise")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/mail/outbox/?status=problems*")
    assert rows.count() == 2 and page.locator("tr.outbox-sent").count() == 0

    page.locator("tr.outbox-failed").get_by_role("link", name=failed.subject).click()
    page.wait_for_url(f"**/mail/outbox/{failed.pk}/")
    assert "Merci de redémarrer le spouleur." in page.locator("#outbox-text").inner_text()
    expect(page.get_by_role("link", name="Télécharger le .eml")).to_be_visible()
    assert "Connection refused" in page.locator(".delivery-error").inner_text()
    as_seen = page.frame_locator("iframe.outbox-html")  # the HTML part, sandboxed
    show_html_part(page, as_seen, "Merci de redémarrer le spouleur.")
    screenshot(page, "outbox_detail_failed")

    page.get_by_role("button", name="Renvoyer").click()
    page.wait_for_url(f"**/mail/outbox/{failed.pk}/")
    expect(page.get_by_text("L'e-mail est renvoyé.")).to_be_visible()
    assert page.locator(".delivery-status").inner_text() == "Envoyé"
    assert page.get_by_role("button", name="Renvoyer").count() == 0
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT
    [message] = mail.outbox
    assert message.to == [client_a.email] and "spouleur" in message.body
    show_html_part(page, as_seen, "Merci de redémarrer le spouleur.")
    screenshot(page, "outbox_detail")

    page.get_by_role("link", name="Retour à la boîte d'envoi").click()
    expect(page.locator("tr.outbox-sent")).to_have_count(2)


@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_chat_webhook_and_sends_it_a_test(
    login_page,
    screenshot,
    admin,
    http_sink,  # noqa: F811 - the fixture imported above
    allow_local_servers,  # noqa: F811 - the sink listens on 127.0.0.1
):
    page = login_page(admin)
    page.goto("/mail/outbox/")
    page.locator("#main").get_by_role("link", name="Chat", exact=True).click()
    page.wait_for_url("**/mail/webhooks/")
    expect(page.get_by_text("Aucun webhook pour l'instant.")).to_be_visible()
    screenshot(page, "webhooks_empty")

    page.get_by_role("link", name="Nouveau webhook").click()
    page.get_by_label("Nom").fill("Canal #support")
    # The cloud's metadata address: refused, the form keeps what was typed.
    metadata = "http://169.254.169.254/latest/meta-data/"
    page.get_by_label("URL du webhook").fill(metadata)
    assert page.get_by_label("Ticket créé").is_checked()
    page.get_by_label("Réponse publique").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#id_url_error").wait_for()
    assert "HELPDESK_ALLOWED_INTERNAL_HOSTS" in page.locator("#id_url_error").inner_text()
    assert page.get_by_label("URL du webhook").input_value() == metadata
    assert page.get_by_label("Nom").input_value() == "Canal #support"
    screenshot(page, "webhook_refused_address")
    page.get_by_label("URL du webhook").fill(http_sink.url)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/mail/webhooks/")
    expect(page.get_by_text("Webhook enregistré.")).to_be_visible()
    assert http_sink.url not in page.content()  # shown masked only

    page.locator("tr.webhook-row").get_by_role("button", name="Envoyer un test").click()
    page.wait_for_url("**/mail/webhooks/")
    expect(page.get_by_text("Un message de test part vers Canal #support")).to_be_visible()
    line = page.locator("#webhook-posts tr.post-row")
    assert line.count() == 1
    assert line.locator(".delivery-status").inner_text() == "Envoyé"
    assert "HTTP 200" in line.inner_text()
    [received] = http_sink.requests
    assert "Message de test" in received["json"]["text"]
    assert WebhookPost.objects.get().status == DeliveryStatus.SENT
    screenshot(page, "webhooks")


@pytest.mark.django_db(transaction=True)
def test_client_turns_off_status_change_emails_on_their_profile(login_page, screenshot, client_a):
    page = login_page(client_a)
    page.goto("/")
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Mon profil").click()
    card = page.locator("#notifications")
    status_box = card.get_by_label("Les changements de statut des tickets auxquels je participe")
    assert status_box.is_checked()
    assert card.get_by_role("checkbox").count() == 4
    status_box.uncheck()
    card.get_by_role("button", name="Enregistrer mes notifications").click()
    page.wait_for_url(re.compile(r"/profile/$"))
    expect(page.get_by_text("Votre profil est enregistré.")).to_be_visible()
    page.reload()
    assert not status_box.is_checked()
    assert card.get_by_label("Les réponses publiques", exact=False).is_checked()
    client_a.refresh_from_db()
    assert client_a.muted_notices == [Notice.STATUS]
    card.scroll_into_view_if_needed()
    screenshot(page, "profile_notifications")

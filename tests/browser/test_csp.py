"""The main journeys run under the site's Content-Security-Policy without a single violation,
and a script injected into a page does not run."""

import logging
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cdc import services as cdc_services
from tickets import services
from tickets.models import Ticket, TicketType

PASSWORD = "correct horse battery"
REPORTER = "helpdesk.csp_reports"
# Installed in every document before its own scripts (through the DevTools protocol, which the
# policy does not govern): hands each violation the page sees to the test.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation(event.effectiveDirective + " " + event.blockedURI + " " + event.sourceFile);
});
"""


def watch(page) -> dict[str, list[str]]:
    """What a page reports as it is used: console errors and warnings, uncaught errors, and
    Content-Security-Policy violations."""
    seen = {"console": [], "violations": []}
    page.on(
        "console",
        lambda message: (
            seen["console"].append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: seen["console"].append(f"uncaught: {error}"))
    page.expose_function("cspViolation", lambda text: seen["violations"].append(text))
    page.add_init_script(LISTEN)
    return seen


def reports(caplog) -> list[str]:
    """What the /csp-report/ view logged (the live server runs in this process)."""
    return [r.getMessage() for r in caplog.records if r.name == REPORTER]


def log_in_with_the_emailed_code(page, user):
    page.goto("/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/accounts/2fa/**")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code à 6 chiffres").fill(code)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.mark.django_db(transaction=True)
def test_the_main_journeys_raise_no_policy_violation(
    page, screenshot, settings, caplog, agent, client_a, client_admin_a
):
    caplog.set_level(logging.WARNING, logger=REPORTER)
    settings.HELPDESK_REFRESH_SECONDS = 1
    settings.HOTLINE_EMAILS = ["helpdesk@support.test"]
    kind = TicketType.objects.first()
    for title in ("Export comptable vide", "Imprimante bloquée"):
        services.create_ticket(actor=client_a, title=title, description="…", type=kind)
    cr = cdc_services.create_change_request(
        actor=client_admin_a,
        organization=client_admin_a.organization,
        requester=client_admin_a,
        kind="new",
        title="Export des factures en CSV",
        description="Un bouton d'export.",
    )
    cr = cdc_services.submit_change_request(actor=client_admin_a, cr=cr)
    seen = watch(page)

    # Log in with the emailed code; the dashboard refreshes itself.
    log_in_with_the_emailed_code(page, agent)
    assert page.locator("h1").inner_text() == f"Bonjour {agent.first_name}"
    page.wait_for_timeout(1500)  # a refresh of the dashboard

    # The queue: filters, the secondary filters loaded when opened, the live refresh.
    page.goto("/tickets/")
    page.locator("[name=q]").fill("export")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    expect(page.locator("td.ticket-title-cell")).to_have_count(1)
    page.locator("#qf-more-toggle").click()
    page.locator("#id_support_level").wait_for()
    page.locator("#qf-status-toggle").click()  # a filter menu and its search box
    page.locator(".queue-filter[data-filter=status] .queue-filter-search").fill("ouv")
    page.keyboard.press("Escape")
    services.create_ticket(actor=client_a, title="Export paie vide", description="…", type=kind)
    expect(page.locator("td.ticket-title-cell")).to_have_count(2, timeout=8000)
    # A ticked row pauses the refresh (app.js), another ticket waits for the next one.
    page.locator("input.bulk-select").first.check()
    services.create_ticket(actor=client_a, title="Export RH vide", description="…", type=kind)
    page.wait_for_timeout(2500)
    expect(page.locator("td.ticket-title-cell")).to_have_count(2)
    assert page.locator("input.bulk-select:checked").count() == 1
    page.locator("input.bulk-select").first.uncheck()
    expect(page.locator("td.ticket-title-cell")).to_have_count(3, timeout=8000)
    screenshot(page, "csp_queue")

    # Open a ticket (its fragments load: the change-request button, the classification), reply.
    page.locator("td.ticket-title-cell a", has_text="Export comptable vide").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    page.wait_for_load_state("networkidle")
    page.locator("[name=body]").fill("Bonjour, pouvez-vous nous envoyer le fichier ?")
    page.locator("form[action$='/reply/'] [type=submit]").first.click()
    page.wait_for_url(re.compile(r"#event-\d+$"))  # the page after the reply, at the reply
    expect(page.get_by_text("pouvez-vous nous envoyer le fichier").first).to_be_visible()
    ticket = Ticket.objects.get(title="Export comptable vide")
    assert ticket.events.filter(body__startswith="Bonjour, pouvez-vous").exists()
    screenshot(page, "csp_ticket")

    # The change requests: the list and one request, its tabs.
    page.goto("/cdc/")
    page.goto(cr.get_absolute_url())
    page.locator("#tab-request").click()
    expect(page.locator("#pane-request").get_by_text(cr.description)).to_be_visible()
    screenshot(page, "csp_cdc")

    page.wait_for_timeout(500)  # reports are posted after the fact
    assert seen["violations"] == []
    assert seen["console"] == []
    assert reports(caplog) == []


@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_is_blocked_and_reported(login_page, caplog, agent):
    caplog.set_level(logging.WARNING, logger=REPORTER)
    page = login_page(agent)
    seen = watch(page)
    page.goto("/tickets/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert seen["violations"][0].startswith("script-src-elem inline")
    assert any("Content Security Policy" in line for line in seen["console"])
    for _ in range(50):  # the browser posts its report to /csp-report/ on its own time
        if reports(caplog):
            break
        page.wait_for_timeout(100)
    [report] = reports(caplog)
    assert report.startswith("CSP violation: script-src-elem blocked inline on http://")
    assert report.endswith("/tickets/")


@pytest.mark.django_db(transaction=True)
def test_an_email_shown_in_the_outbox_keeps_its_inline_styles(
    login_page, screenshot, caplog, admin, client_a
):
    """The HTML part is framed from a sandboxed document of its own: its inline styles apply
    (a srcdoc frame would inherit the page's policy and lose them) and nothing is reported."""
    from notifications.models import OutgoingEmail

    caplog.set_level(logging.WARNING, logger=REPORTER)
    kind = TicketType.objects.first()
    ticket = services.create_ticket(actor=client_a, title="Panne VPN", description="…", type=kind)
    email = OutgoingEmail.objects.filter(ticket_number=ticket.number).latest("pk")
    page = login_page(admin)
    seen = watch(page)
    page.goto(f"/mail/outbox/{email.pk}/")
    frame = page.frame_locator("iframe.outbox-html")
    frame.get_by_text("Panne VPN").first.wait_for()
    page.locator("iframe.outbox-html").scroll_into_view_if_needed()
    # The inline styles applied (a blocked style attribute leaves the element's style empty).
    styled = frame.locator("[style]").first
    assert styled.evaluate("(el) => el.style.length") > 0
    screenshot(page, "csp_outbox_email")
    page.wait_for_timeout(300)
    assert seen["violations"] == []
    assert seen["console"] == []
    assert reports(caplog) == []

"""The key pages have no serious or critical axe-core violation (axe's WCAG 2.x A/AA rules and
best practices), in French, on a desktop and on a phone.

axe-core is vendored from the npm registry (scripts/vendor.sh, static/vendor/VERSIONS) and added
to a page by this test only: no page links it. It is added by URL (a <script src> from the
site's own static files), which the Content-Security-Policy (script-src 'self') allows, so the
pages are checked under their real policy. Playwright's add_script_tag(path=...) would inline
the file's content, which the policy refuses (test_axe_cannot_be_inlined_under_the_policy).
"""

import datetime as dt

import pytest
from django.utils import timezone

from cdc import services as cdc_services
from tickets import services
from tickets.models import Priority, Status, Ticket, TicketType

AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is, one line per element."""
    page.add_script_tag(url=AXE)
    result = page.evaluate("axe.run()")
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} {node['failureSummary']}"
        for rule in result["violations"]
        if rule["impact"] in BLOCKING
        for node in rule["nodes"]
    ]


def _tickets(client_a, agent):
    """Tickets at every priority and in the main statuses, one overdue, one with a note: every
    badge the lists and the ticket page draw."""
    incident = TicketType.objects.get(code="incident")
    priorities = {p.code: p for p in Priority.objects.all()}
    statuses = {s.code: s for s in Status.objects.all()}
    made = []
    for code, status in [
        ("urgente", None),
        ("haute", "en-cours"),
        ("normale", "reponse-envoyee"),
        ("basse", "en-attente"),
        ("normale", "resolu"),
    ]:
        ticket = services.create_ticket(
            actor=agent,
            title=f"Imprimante en panne ({code})",
            description="Depuis ce matin, l'impression échoue.",
            type=incident,
            organization=client_a.organization,
            requester=client_a,
            priority=priorities[code],
        )
        services.claim(actor=agent, ticket=ticket)
        if status:
            ticket.refresh_from_db()
            services.change_status(actor=agent, ticket=ticket, status=statuses[status])
        made.append(ticket)
    first = made[0]
    services.reply(actor=agent, ticket=first, body="Nous regardons.")
    services.reply(actor=agent, ticket=first, body="Voir le pilote.", internal=True)
    services.reply(actor=client_a, ticket=first, body="Merci !")
    # Past its resolution due date a minute ago: the overdue badges.
    Ticket.objects.filter(pk=first.pk).update(
        resolution_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return first


@pytest.fixture
def pages(client_a, agent, admin, client_admin_a, developer, build):
    """(who, url) of each key page, with the data that fills them."""
    ticket = _tickets(client_a, agent)
    build.at_dpo(title="Portail client : règles de mot de passe")
    dev = build.in_development(title="Nouveau widget du tableau de bord", gdpr=True)
    build.green_task(dev)
    build.delivered(title="Export CSV des factures")
    cdc_services.add_task(
        actor=admin,
        cr=dev,
        title="Interface",
        developers=[developer],
        start_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=3),
    )
    return [
        (None, "/accounts/login/"),
        (agent, "/"),
        (agent, "/tickets/"),
        (agent, ticket.get_absolute_url()),
        (client_a, "/"),
        (client_a, ticket.get_absolute_url()),
        (agent, "/tickets/new/"),
        (client_a, "/tickets/new/"),
        (agent, "/cdc/"),
        (agent, dev.get_absolute_url()),
        (client_admin_a, dev.get_absolute_url()),
        (agent, "/profile/"),
        (admin, "/users/"),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 375])
def test_key_pages_have_no_serious_accessibility_violation(
    pages, new_page, login_page, screenshot, width
):
    found = {}
    for number, (who, url) in enumerate(pages):
        page = login_page(who, width=width) if who else new_page(width=width)
        response = page.goto(url)
        assert response.status == 200, url
        problems = blocking_violations(page)
        screenshot(page, f"a11y_{width}_{number:02d}")
        if problems:
            found[f"{url} ({who or 'visitor'})"] = problems
        page.close()
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(p) for where, p in found.items())


@pytest.mark.django_db(transaction=True)
def test_axe_cannot_be_inlined_under_the_policy(page):
    """Why the test adds axe by URL: the page's policy refuses an inline copy of it."""
    page.goto("/accounts/login/")
    with pytest.raises(Exception, match="violates the following Content Security Policy"):
        page.add_script_tag(path="static/vendor/axe-core/axe.min.js")
    assert page.evaluate("typeof axe") == "undefined"
    page.add_script_tag(url=AXE)
    assert page.evaluate("typeof axe.run") == "function"

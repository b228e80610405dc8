"""No English on a French page: the main pages, walked in French as each main role, show none
of the English words and phrases our templates translate (and a few known leaks).

The list is built from the French catalog: the msgids found in templates that are short
phrases, whose French differs and that no French translation contains. A page's text is its
visible text plus the texts read aloud or shown on hover (aria-label, title, placeholder)."""

import re
from html.parser import HTMLParser
from pprint import pformat

import pytest
from django.conf import settings
from django.urls import reverse

from intake.models import InboundMessage
from tests.cdc.conftest import Builder
from tests.foundation.test_i18n import catalog_entries
from tests.tickets.conftest import ensure_reference_data
from tickets import services as ticket_services
from tickets.models import TicketType

# Seen on French pages by new users (issue 18), whatever the catalog says.
KNOWN_LEAKS = [
    "Ticket created",
    "Save",
    "Cancel",
    "Status",
    "Priority",
    "Reply",
    "Search",
    "Unverified sender",
    "Unknown sender",
    "Delivery failure",
    "sender may not reply to this ticket",
    "unverified sender",
    "unknown sender",
    "Change Password",
    "planned_date",
    "quote_amount",
    "gdpr_impact",
]

# English words that are also French words, names or codes, or words in the test data.
NOT_ENGLISH_ONLY = {"Date", "Description", "Message", "Type", "Contact", "Client", "Ticket"}


def _template_phrases() -> list[str]:
    """Short English phrases our templates translate and that French never contains."""
    entries = list(catalog_entries())
    french = " ".join(msgstr for _c, _i, msgstr, _p, _f in entries)
    # msgids referenced from templates: read the catalog's "#:" lines.
    text = (settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    in_templates = set()
    for block in text.split("\n\n"):
        refs = " ".join(line for line in block.splitlines() if line.startswith("#:"))
        match = re.search(r'^msgid "(.*)"$', block, re.M)
        if match and "templates/" in refs:
            in_templates.add(match.group(1))
    phrases = []
    for _context, msgid, msgstr, plural, _fuzzy in entries:
        if msgid not in in_templates or plural or msgid == msgstr:
            continue
        if not re.fullmatch(r"[A-Z][a-z]+(?: [a-z]+){0,3}", msgid) or len(msgid) < 4:
            continue
        if msgid in NOT_ENGLISH_ONLY or re.search(rf"\b{re.escape(msgid)}\b", french):
            continue
        phrases.append(msgid)
    return phrases


class _Text(HTMLParser):
    """The visible text of a page, plus aria-label, title and placeholder values."""

    HIDDEN = {"script", "style", "template", "title"}

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " | ".join(parser.parts))


def english_in(text: str, phrases) -> list[str]:
    return sorted({p for p in phrases if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)})


@pytest.fixture
def french_data(client_admin_a, client_a, agent, dpo, admin, developer, controller):
    """A ticket with a reply and a note, a change request in development with a task, and a
    flagged message: what the main pages show."""
    ensure_reference_data()
    for person in (client_admin_a, client_a, agent, dpo, admin, developer, controller):
        person.language = "fr"
        person.save(update_fields=["language"])
    ticket = ticket_services.create_ticket(
        actor=client_a,
        title="Imprimante en panne",
        description="L'imprimante du bureau ne répond plus.",
        type=TicketType.objects.first(),
    )
    ticket_services.reply(actor=agent, ticket=ticket, body="Nous regardons cela.")
    ticket_services.reply(actor=agent, ticket=ticket, body="Vu avec Paul.", internal=True)
    ticket_services.reply(actor=client_a, ticket=ticket, body="Merci beaucoup.")
    build = Builder(client_admin_a, agent, dpo, admin, developer, controller)
    cr = build.in_development(gdpr=True, title="Export des factures")
    build.green_task(cr)
    InboundMessage.objects.create(
        message_id="<x@ailleurs.test>",
        content_hash="0" * 64,
        sender="inconnu@ailleurs.test",
        subject="Réponse d'un inconnu",
        outcome=InboundMessage.Outcome.FLAGGED,
        category=InboundMessage.Category.NOT_ALLOWED,
        reason="sender may not reply to this ticket",
        ticket=ticket,
    )
    InboundMessage.objects.create(
        message_id="<y@ailleurs.test>",
        content_hash="1" * 64,
        sender="vieux@ailleurs.test",
        subject="Ancien message signalé",
        outcome=InboundMessage.Outcome.FLAGGED,
        reason="unverified sender",
        ticket=ticket,
    )
    return {"ticket": ticket, "cr": cr}


def _pages(role, data):
    ticket, cr = data["ticket"], data["cr"]
    common = [reverse("dashboard"), reverse("accounts:profile"), reverse("cdc:list")]
    detail = [reverse("tickets:detail", args=[ticket.number]), reverse("tickets:list")]
    cdc_page = [reverse("cdc:detail", args=[cr.number])] + [
        reverse("cdc:detail", args=[cr.number]) + f"?tab={tab}"
        for tab in ("request", "specification", "dpo", "development", "checks")
    ]
    mail = [
        reverse("intake:unidentified"),
        reverse("intake:ignored"),
        reverse("intake:quarantine"),
        reverse("intake:mailbox-list"),
        reverse("administration:outbox"),
    ]
    users = [reverse("accounts:user-list"), reverse("accounts:user-create")]
    return {
        "admin": common + detail + cdc_page + mail + users + [reverse("tickets:new")],
        "agent": common + detail + cdc_page + [reverse("tickets:new"), mail[0]],
        "client_a": common + detail + [reverse("tickets:new")],
        "client_admin_a": common + cdc_page,
        "dpo": common + cdc_page,
        "developer": common + cdc_page,
        "controller": common + cdc_page,
    }[role]


@pytest.mark.parametrize(
    "role", ["admin", "agent", "client_a", "client_admin_a", "dpo", "developer", "controller"]
)
def test_main_pages_show_no_english_in_french(role, request, french_data, login):
    phrases = _template_phrases() + KNOWN_LEAKS
    assert len(phrases) > 100  # the list really is built from the catalog
    client = login(request.getfixturevalue(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    found = {}
    for url in _pages(role, french_data):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="fr"' in html, url
        english = english_in(page_text(html), phrases)
        if english:
            found[url] = english
    assert found == {}, pformat(found)


def test_the_english_finder_finds_english(french_data):
    """The check itself: an English page would fail it."""
    phrases = _template_phrases() + KNOWN_LEAKS
    assert english_in(page_text("<p>Ticket created</p><button>Save</button>"), phrases) == [
        "Save",
        "Ticket created",
    ]
    assert english_in(page_text('<input placeholder="Search">'), phrases) == ["Search"]
    assert english_in(page_text("<p>Enregistrer</p><script>Save</script>"), phrases) == []

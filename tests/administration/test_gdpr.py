"""GDPR tools: the export of everything held about a person (background job, progress, link
mailed to the admin, access-checked download that expires, their data and no one else's), the
anonymisation (no trace of the name or email in pages, search, the outbox, the audit log or a
later export; tickets and statistics intact), the retention job and its dry run, and who may
open these pages."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from administration import gdpr_services
from administration.models import GdprExport
from notifications.models import OutgoingEmail
from tests.factories import make_user
from tests.tickets.conftest import _english, png_file  # noqa: F401
from tickets import services as ticket_services
from tickets.models import Attachment, Event, Status, Ticket

NAME, EMAIL = "Chloé Alpha", "client@alpha.test"


def run_export(client, commit, person) -> GdprExport:
    with commit():
        response = client.post(reverse("administration:gdpr-export-start", args=[person.pk]))
    assert response.status_code == 302
    return GdprExport.objects.get(person=person)


def open_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(
        archive.read(name).decode("utf-8", "replace")
        for name in archive.namelist()
        if name.endswith(".json")
    )


@pytest.fixture
def story(make_ticket, client_a, client_b, agent, commit):
    """client_a files a ticket with a file (their name and email in it), replies; an agent
    answers naming them; client_b has a ticket of their own with secrets."""
    User.objects.filter(pk=client_a.pk).update(phone="0601020304")
    with commit():
        ticket = make_ticket(
            client_a,
            title="Imprimante HS chez Chloé Alpha",
            description=f"Bonjour, je suis {NAME} ({EMAIL}), tél. 0601020304.",
            attachments=[png_file("capture-chloe.png")],
        )
        ticket_services.reply(actor=client_a, ticket=ticket, body="Toujours en panne, merci.")
        ticket_services.reply(
            actor=agent, ticket=ticket, body=f"Bonjour {NAME}, nous regardons cela."
        )
        other = make_ticket(client_b, title="Beta's secret problem", description="beta-only")
        ticket_services.reply(actor=client_b, ticket=other, body="Bob's private words")
    return ticket, other


@pytest.mark.django_db
def test_export_runs_in_the_background_and_holds_their_data_and_no_one_elses(
    login, admin, client_a, story, commit, settings
):
    ticket, _other = story
    client = login(admin)
    mail.outbox.clear()
    export = run_export(client, commit, client_a)
    assert export.state == GdprExport.State.READY and export.progress == 100
    # The admin is mailed a link to the access-checked download.
    [message] = [m for m in mail.outbox if admin.email in m.to]
    url = re.search(r"https?://\S+/download/", message.body).group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = open_zip(response)
    names = archive.namelist()
    assert "accounts/profile.json" in names and "audit/login_history.json" in names
    assert any(n.startswith("tickets/files/") and n.endswith(".png") for n in names)
    profile = json.loads(archive.read("accounts/profile.json"))
    assert profile["email"] == EMAIL
    tickets = json.loads(archive.read("tickets/tickets.json"))
    assert [t["number"] for t in tickets] == [ticket.number]
    messages = json.loads(archive.read("tickets/your_messages.json"))
    assert "Toujours en panne, merci." in [m["text"] for m in messages]
    text = all_text(archive)
    assert "client@beta.test" not in text and "Beta's secret problem" not in text
    assert "Bob's private words" not in text and "nous regardons cela" not in text
    # The request is in the audit log.
    assert LogEntry.objects.filter(
        additional_data__action="gdpr_export", object_pk=str(client_a.pk), actor=admin
    ).exists()


@pytest.mark.django_db
def test_export_of_a_person_with_a_thousand_tickets_finishes(
    login, admin, client_a, org_a, ref, commit
):
    status = ref.status["closed"] if "closed" in ref.status else Status.objects.first()
    Ticket.objects.bulk_create(
        Ticket(
            number=50_000 + i,
            title=f"Ticket {i}",
            description="x",
            status=status,
            organization=org_a,
            requester=client_a,
        )
        for i in range(1000)
    )
    export = run_export(login(admin), commit, client_a)
    assert export.state == GdprExport.State.READY
    archive = open_zip(login(admin).get(f"/administration/gdpr/exports/{export.pk}/download/"))
    assert len(json.loads(archive.read("tickets/tickets.json"))) == 1000


@pytest.mark.django_db
def test_progress_is_polled_until_ready(login, admin, client_a):
    export = GdprExport.objects.create(person=client_a, requested_by=admin)
    client = login(admin)
    fragment = client.get(f"/administration/gdpr/exports/{export.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<progress" in fragment
    gdpr_services.build_export(export.pk)
    fragment = client.get(f"/administration/gdpr/exports/{export.pk}/").content.decode()
    assert "hx-trigger" not in fragment and "/download/" in fragment


@pytest.mark.django_db
def test_only_the_admin_who_asked_downloads_and_only_until_it_expires(
    login, admin, client_a, commit
):
    export = run_export(login(admin), commit, client_a)
    other_admin = make_user("admin", email="admin2@staff.test")
    url = reverse("administration:gdpr-export-download", args=[export.pk])
    assert login(other_admin).get(url).status_code == 404
    assert (
        login(admin).get(f"/administration/gdpr/exports/{export.pk + 999}/download/").status_code
        == 404
    )
    GdprExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert login(admin).get(url).status_code == 404
    name = export.file.name
    assert gdpr_services.purge_expired_exports() == 1
    export.refresh_from_db()
    assert export.state == GdprExport.State.EXPIRED
    assert not export.file.storage.exists(name)


def assert_no_trace(text: str) -> None:
    low = text.lower()
    for term in (NAME.lower(), EMAIL, "chloé alpha", "0601020304"):
        assert term not in low, term


@pytest.mark.django_db
def test_anonymisation_leaves_no_trace_and_keeps_tickets_and_statistics(
    login, admin, agent, client_a, story, commit
):
    ticket, _other = story
    assert OutgoingEmail.objects.filter(recipients__icontains=EMAIL).exists()
    counts_before = (Ticket.objects.count(), Event.objects.count())
    status_before = Ticket.objects.get(pk=ticket.pk).status_id
    client = login(admin)
    response = client.post(
        reverse("administration:gdpr-anonymise", args=[client_a.pk]),
        {"words": "keep", "remove_attachments": "on", "confirm": EMAIL},
    )
    assert response.status_code == 302
    person = User.objects.get(pk=client_a.pk)
    assert not person.is_active and not person.has_usable_password()
    assert_no_trace(f"{person.email} {person.first_name} {person.last_name} {person.phone}")
    # Tickets and statistics stay; their words stay without their name; their file is gone.
    assert (Ticket.objects.count(), Event.objects.count()) == counts_before
    ticket.refresh_from_db()
    assert ticket.status_id == status_before and ticket.requester_id == client_a.pk
    assert "Toujours en panne, merci." in Event.objects.filter(actor=client_a).values_list(
        "body", flat=True
    )
    assert not Attachment.objects.filter(ticket=ticket).exists()
    # Pages and search (the agent's view of the ticket and the queue searched for them).
    agent_client = login(agent)
    assert_no_trace(agent_client.get(f"/tickets/{ticket.number}/").content.decode())
    found = agent_client.get("/tickets/", {"q": "Chloé"}).content.decode()
    assert f"/tickets/{ticket.number}/" not in found
    assert_no_trace(agent_client.get("/tickets/", {"q": "Imprimante"}).content.decode())
    # The outbox keeps its lines, not their content.
    for email in OutgoingEmail.objects.all():
        assert_no_trace(email.recipients + email.subject)
        if email.raw is not None:
            assert_no_trace(bytes(email.raw).decode("utf-8", "replace"))
    # The audit log names them no more; the anonymisation is recorded.
    for entry in LogEntry.objects.all():
        assert_no_trace(f"{entry.object_repr} {entry.changes} {entry.actor_email}")
    assert LogEntry.objects.filter(
        additional_data__action="gdpr_anonymised", actor=admin, object_pk=str(client_a.pk)
    ).exists()
    audit_page = login(admin).get(reverse("administration:audit")).content.decode()
    assert_no_trace(audit_page)
    # A later export (theirs, or the agent's who answered them) shows nothing of them either.
    for someone in (person, agent):
        export = run_export(login(admin), commit, someone)
        archive = open_zip(login(admin).get(f"/administration/gdpr/exports/{export.pk}/download/"))
        assert_no_trace(all_text(archive))


@pytest.mark.django_db
def test_anonymisation_can_blank_their_words(login, admin, client_a, story):
    login(admin).post(
        reverse("administration:gdpr-anonymise", args=[client_a.pk]),
        {"words": "blank", "confirm": EMAIL},
    )
    bodies = set(Event.objects.filter(actor=client_a).values_list("body", flat=True))
    assert bodies <= {""}
    ticket, _other = story
    assert Attachment.objects.filter(ticket=ticket).exists()  # files kept unless asked


@pytest.mark.django_db
def test_anonymise_form_refuses_a_wrong_confirmation_and_keeps_what_was_typed(
    login, admin, client_a
):
    response = login(admin).post(
        reverse("administration:gdpr-anonymise", args=[client_a.pk]),
        {"words": "blank", "confirm": "someone@else.test"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not the person&#x27;s email address." in html
    assert 'value="someone@else.test"' in html
    assert User.objects.get(pk=client_a.pk).email == EMAIL


@pytest.mark.django_db
def test_an_admin_cannot_anonymise_themselves_or_twice(login, admin, client_a):
    client = login(admin)
    response = client.post(
        reverse("administration:gdpr-anonymise", args=[admin.pk]),
        {"words": "keep", "confirm": admin.email},
    )
    assert response.status_code == 400 and "You cannot anonymise yourself." in response.text
    client.post(
        f"/administration/gdpr/people/{client_a.pk}/anonymise/", {"words": "keep", "confirm": EMAIL}
    )
    person = User.objects.get(pk=client_a.pk)
    page = client.get(f"/administration/gdpr/people/{client_a.pk}/").content.decode()
    assert "This person is anonymised." in page and 'id="anonymise-form"' not in page
    assert person.email.endswith("@anonymised.invalid")


@pytest.mark.django_db
def test_retention_dry_run_lists_and_the_job_anonymises_only_old_closed_client_data(
    login, admin, client_a, client_b, make_ticket, settings, ref
):
    settings.GDPR_RETENTION_MONTHS = 12
    old = make_ticket(client_a, title="Vieux ticket")
    recent = make_ticket(client_b, title="Ticket récent")
    long_ago = timezone.now() - dt.timedelta(days=800)
    Ticket.objects.filter(pk=old.pk).update(closed_at=long_ago)
    Ticket.objects.filter(pk=recent.pk).update(closed_at=timezone.now())
    unknown = Ticket.objects.create(
        number=90_001,
        title="From nobody",
        status=old.status,
        contact_email="stranger@nowhere.test",
        closed_at=long_ago,
    )
    page = login(admin).get(reverse("administration:gdpr-retention")).content.decode()
    assert EMAIL in page and "stranger@nowhere.test" in page and "client@beta.test" not in page
    out = io.StringIO()
    call_command("gdpr_retention", stdout=out)
    assert f"would anonymise person {client_a.pk} {EMAIL}" in out.getvalue()
    assert User.objects.get(pk=client_a.pk).email == EMAIL  # a dry run changes nothing
    call_command("gdpr_retention", "--apply", stdout=io.StringIO())
    assert User.objects.get(pk=client_a.pk).email.endswith("@anonymised.invalid")
    assert User.objects.get(pk=client_b.pk).email == "client@beta.test"
    unknown.refresh_from_db()
    assert unknown.contact_email.endswith("@anonymised.invalid")
    assert Ticket.objects.filter(pk=old.pk).exists()
    settings.GDPR_RETENTION_MONTHS = 0
    assert "GDPR_RETENTION_MONTHS" in login(admin).get("/administration/gdpr/retention/").text


@pytest.mark.django_db
def test_person_search_and_pages_stay_bounded(login, admin, org_a, django_assert_max_num_queries):
    for i in range(30):
        make_user("client_user", organization=org_a, email=f"dupont{i}@alpha.test")
    client = login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("administration:gdpr"), {"q": "dupont"})
    assert response.text.count('href="/administration/gdpr/people/') == 20
    hostile = client.get("/administration/gdpr/", {"q": "<script>alert(1)</script>\x00"})
    assert hostile.status_code == 200 and "<script>alert(1)</script>" not in hostile.text
    person = User.objects.get(email="dupont3@alpha.test")
    for _i in range(5):
        GdprExport.objects.create(person=person, requested_by=admin)
    with django_assert_max_num_queries(12):
        assert client.get(f"/administration/gdpr/people/{person.pk}/").status_code == 200
    assert client.get("/administration/gdpr/people/999999/").status_code == 404
    # The admins' page of a person leads to their GDPR page.
    assert f"/administration/gdpr/people/{person.pk}/" in client.get(f"/users/{person.pk}/").text


# --- who may open what: admins only; everyone else gets 404 ---------------------------------

ROLES = [
    "admin",
    "agent",
    "sales",
    "dpo",
    "developer",
    "controller",
    "client_a",
    "client_admin_a",
    "reseller",
    "client_b",
]
URLS = [
    ("get", "administration:audit", False),
    ("post", "administration:audit-export", False),
    ("get", "administration:gdpr", False),
    ("get", "administration:gdpr-retention", False),
    ("get", "administration:gdpr-person", "person"),
    ("post", "administration:gdpr-export-start", "person"),
    ("post", "administration:gdpr-anonymise", "person"),
    ("get", "administration:gdpr-export", "export"),
    ("get", "administration:gdpr-export-download", "export"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "param"), URLS)
def test_only_admins_open_the_audit_and_gdpr_pages(
    request, login, admin, org_b, role, method, name, param, commit
):
    victim = make_user("client_user", organization=org_b, email="victim@beta.test")
    export = GdprExport.objects.create(person=victim, requested_by=admin)
    gdpr_services.build_export(export.pk)
    args = {"person": [victim.pk], "export": [export.pk], False: []}[param]
    client = login(request.getfixturevalue(role))
    response = getattr(client, method)(reverse(name, args=args))
    if role == "admin":
        assert response.status_code in (200, 302, 400)
    else:
        assert response.status_code == 404
        victim.refresh_from_db()
        assert victim.email == "victim@beta.test"
        assert GdprExport.objects.count() == 1


@pytest.mark.django_db
def test_anonymisation_reaches_json_kept_by_chat_posts_and_timelines(login, admin, client_a, story):
    from notifications.models import ChatWebhook, WebhookPost

    ticket, _other = story
    hook = ChatWebhook.objects.create(name="Team", url="https://hooks.chat.test/x", events=[])
    post = WebhookPost.objects.create(
        webhook=hook, event_name="created", payload={"text": f"Nouveau ticket de {NAME}"}
    )
    event = Event.objects.filter(ticket=ticket).first()
    Event.objects.filter(pk=event.pk).update(data={"from": f"{NAME} <{EMAIL}>"})
    login(admin).post(
        f"/administration/gdpr/people/{client_a.pk}/anonymise/", {"words": "keep", "confirm": EMAIL}
    )
    post.refresh_from_db()
    event.refresh_from_db()
    assert_no_trace(json.dumps(post.payload, ensure_ascii=False))
    assert_no_trace(json.dumps(event.data, ensure_ascii=False))
    assert "Anonyme" in post.payload["text"]


@pytest.mark.django_db
def test_a_staff_export_holds_their_words_not_the_clients_they_served(
    login, admin, agent, client_a, story, commit
):
    ticket, _other = story
    ticket_services.assign(actor=admin, ticket=ticket, assignees=[agent])
    login(admin).post(f"/users/{client_a.pk}/reset-2fa/")
    for someone, mine, theirs in (
        (agent, "nous regardons cela", "je suis Chloé"),
        (admin, "two_factor_reset", "Chloé"),
    ):
        export = run_export(login(admin), commit, someone)
        archive = open_zip(login(admin).get(f"/administration/gdpr/exports/{export.pk}/download/"))
        text = all_text(archive)
        assert mine in text and theirs not in text and EMAIL not in text


@pytest.mark.django_db
def test_wiki_pages_naming_the_person_are_scrubbed_and_their_revisions_exported(
    login, admin, agent, client_a, commit
):
    from wiki import services as wiki_services
    from wiki.models import Page, Revision, Space

    space = wiki_services.space_for(kind=Space.Kind.INTERNAL)
    page = wiki_services.create_page(
        actor=agent,
        space=space,
        title="Imprimante de Chloé Alpha",
        body=f"Contact : {NAME} <{EMAIL}>.",
        visibility=Page.Visibility.STAFF,
    )
    export = run_export(login(admin), commit, agent)
    archive = open_zip(login(admin).get(f"/administration/gdpr/exports/{export.pk}/download/"))
    assert "Imprimante de Chloé Alpha" in archive.read("wiki/your_revisions.json").decode()
    login(admin).post(
        f"/administration/gdpr/people/{client_a.pk}/anonymise/", {"words": "keep", "confirm": EMAIL}
    )
    page.refresh_from_db()
    assert_no_trace(f"{page.title} {page.body} {page.body_html}")
    for revision in Revision.objects.filter(page=page):
        assert_no_trace(f"{revision.title} {revision.body} {revision.body_html}")
    response = login(agent).get(f"/wiki/pages/{page.pk}/")
    assert response.status_code == 200
    assert_no_trace(response.text)


def test_downloading_an_export_is_recorded_with_who_when_and_the_address(
    login, admin, client_a, commit
):
    export = run_export(login(admin), commit, client_a)
    url = reverse("administration:gdpr-export-download", args=[export.pk])
    before = timezone.now()
    response = login(admin).get(url, REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert response.status_code == 200
    [entry] = LogEntry.objects.filter(additional_data__action="gdpr_export_downloaded")
    assert entry.actor == admin and entry.remote_addr == "203.0.113.8"
    assert entry.timestamp >= before and entry.object_pk == str(client_a.pk)
    assert entry.additional_data["export"] == export.pk
    # Shown in the audit log page, under the person.
    page = login(admin).get(reverse("administration:audit"), {"action": "gdpr_export_downloaded"})
    assert page.status_code == 200 and "GDPR export downloaded" in page.content.decode()
    # A refused download (another admin) writes nothing.
    other = make_user("admin", email="admin3@staff.test")
    assert login(other).get(url).status_code == 404
    assert LogEntry.objects.filter(additional_data__action="gdpr_export_downloaded").count() == 1


OLD_URLS = [
    ("/admin/audit/?action=roles_changed", "/administration/audit/?action=roles_changed"),
    ("/admin/audit/export/", "/administration/audit/export/"),
    ("/admin/gdpr/", "/administration/gdpr/"),
    ("/admin/gdpr/retention/", "/administration/gdpr/retention/"),
    ("/admin/gdpr/people/{person}/", "/administration/gdpr/people/{person}/"),
    ("/admin/gdpr/exports/{export}/download/", "/administration/gdpr/exports/{export}/download/"),
]


@pytest.mark.django_db
def test_the_old_audit_and_gdpr_urls_redirect_admins_for_good(login, admin, org_b, agent, dpo):
    victim = make_user("client_user", organization=org_b, email="victim@beta.test")
    export = GdprExport.objects.create(person=victim, requested_by=admin)
    for old, new in OLD_URLS:
        old, new = (url.format(person=victim.pk, export=export.pk) for url in (old, new))
        response = login(admin).get(old)
        assert response.status_code == 301 and response["Location"] == new, old
        for other in (agent, dpo):
            assert login(other).get(old).status_code == 404, old


VARIANTS = ("élodie", "elodie", "marchand", "brûlé", "brule", "e.marchand", "12 34 56 78",
            "12.34.56.78", "612345678", "0612345678")  # fmt: skip


def assert_no_variant(text: str) -> None:
    low = text.lower()
    for term in VARIANTS:
        assert term not in low, term


@pytest.mark.django_db
def test_anonymisation_finds_the_person_however_they_are_written(
    login, admin, agent, org_a, client_a, make_ticket, commit
):
    """Names without accents or in capitals, the first or last name alone, the email's local
    part, the phone with spaces, dots or +33: none survives in pages, search, the outbox or a
    later export; other people's addresses at the same domain are left alone."""
    person = make_user(
        "client_user",
        organization=org_a,
        email="e.marchand@alpha.test",
        first_name="Élodie",
        last_name="Marchand-Brûlé",
    )
    User.objects.filter(pk=person.pk).update(phone="+33 6 12 34 56 78")
    with commit():
        ticket = make_ticket(
            client_a,
            title="Poste de ELODIE MARCHAND-BRULE bloqué",
            description=(
                "Voir avec elodie (e.marchand) au 06.12.34.56.78 ou 06 12 34 56 78, "
                "ou +33 (0)6 12 34 56 78 ; copie à client@alpha.test."
            ),
        )
        ticket_services.reply(
            actor=agent,
            ticket=ticket,
            body="Mme Marchand-Brûlé rappelle : 0612345678. Écrire à E.Marchand@Alpha.test.",
        )
    response = login(admin).post(
        reverse("administration:gdpr-anonymise", args=[person.pk]),
        {"words": "keep", "confirm": "e.marchand@alpha.test"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert "client@alpha.test" in ticket.description  # someone else's address is kept
    assert "Anonyme" in ticket.title
    agent_client = login(agent)
    assert_no_variant(agent_client.get(f"/tickets/{ticket.number}/").content.decode())
    for query in ("Elodie", "marchand", "0612345678"):
        found = agent_client.get("/tickets/", {"q": query}).content.decode()
        assert f"/tickets/{ticket.number}/" not in found, query
    for email in OutgoingEmail.objects.all():
        assert_no_variant(email.recipients + email.subject)
        if email.raw is not None:
            assert_no_variant(bytes(email.raw).decode("utf-8", "replace"))
    for someone in (agent, client_a):
        export = run_export(login(admin), commit, someone)
        url = reverse("administration:gdpr-export-download", args=[export.pk])
        assert_no_variant(all_text(open_zip(login(admin).get(url))))

"""Ticket pages: who gets what, bounded queries, bad input handled with the input kept."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import selectors, services
from tickets.models import Attachment, Event, Ticket

from .conftest import png_file

ALL = [
    "admin",
    "agent",
    "agent_l2",
    "sales",
    "dpo",
    "developer",
    "controller",
    "client_a",
    "client_a2",
    "client_admin_a",
    "client_b",
    "reseller",
]

# Expected HTTP status per persona for ticket_a (filed by client_a in organization A).
# list: the page itself; detail/download: the ticket and a public file; note: internal note POST.
MATRIX = {
    #                 list detail create reply note  download
    "admin": (200, 200, 200, 302, 302, 200),
    "agent": (200, 200, 200, 302, 302, 200),
    "agent_l2": (200, 200, 200, 302, 302, 200),
    "sales": (200, 200, 200, 302, 302, 200),
    "dpo": (200, 404, 404, 404, 404, 404),
    "developer": (200, 200, 404, 403, 302, 200),
    "controller": (200, 404, 404, 404, 404, 404),
    "client_a": (200, 200, 200, 302, 403, 200),
    "client_a2": (200, 200, 200, 302, 403, 200),
    "client_admin_a": (200, 200, 200, 302, 403, 200),
    "client_b": (200, 404, 200, 404, 404, 404),
    "reseller": (200, 200, 200, 302, 403, 200),
}


@pytest.fixture
def ticket_with_file(make_ticket, client_a):
    return make_ticket(client_a, attachments=[png_file()])


@pytest.mark.parametrize("name", ALL)
def test_role_matrix_for_ticket_pages(name, request, login, ticket_with_file):
    user = request.getfixturevalue(name)
    client = login(user)
    ticket = ticket_with_file
    attachment = ticket.attachments.get()
    expected = MATRIX[name]
    got = (
        client.get(reverse("tickets:list")).status_code,
        client.get(reverse("tickets:detail", args=[ticket.number])).status_code,
        client.get(reverse("tickets:new")).status_code,
        client.post(
            reverse("tickets:reply", args=[ticket.number]), {"body": "Bonjour"}
        ).status_code,
        client.post(
            reverse("tickets:reply", args=[ticket.number]), {"body": "Note", "internal": "on"}
        ).status_code,
        client.get(reverse("tickets:attachment", args=[ticket.number, attachment.pk])).status_code,
    )
    assert got == expected
    listed = f"#{ticket.number}" in client.get(reverse("tickets:list")).content.decode()
    assert listed is (expected[1] == 200)
    notes = Event.objects.filter(ticket=ticket, kind=Event.Kind.NOTE).count()
    replies = Event.objects.filter(ticket=ticket, kind=Event.Kind.REPLY).count()
    assert notes == (1 if expected[4] == 302 else 0)
    assert replies == (1 if expected[3] == 302 else 0)


def test_client_posting_the_internal_flag_is_refused(login, client_a, ticket_a):
    """The internal switch is not offered to clients; posting it anyway is refused."""
    response = login(client_a).post(
        reverse("tickets:reply", args=[ticket_a.number]), {"body": "x", "internal": "on"}
    )
    assert response.status_code == 403
    assert not Event.objects.filter(kind__in=[Event.Kind.NOTE, Event.Kind.REPLY]).exists()


@pytest.mark.parametrize(
    "action",
    ["reply", "status", "priority", "fields", "edit", "assign", "claim", "escalate", "reopen",
     "transfer"],
)  # fmt: skip
def test_posting_to_an_invisible_ticket_is_404(action, login, client_b, ticket_a):
    response = login(client_b).post(
        reverse(f"tickets:{action}", args=[ticket_a.number]), {"body": "x", "version": 1}
    )
    assert response.status_code == 404


def test_unknown_ticket_is_404(login, admin):
    assert login(admin).get(reverse("tickets:detail", args=[999999])).status_code == 404


def test_actions_are_post_only(login, agent, ticket_a):
    response = login(agent).get(reverse("tickets:claim", args=[ticket_a.number]))
    assert response.status_code == 405


def test_client_sees_public_events_only(login, client_a, agent, ticket_a):
    services.reply(actor=agent, ticket=ticket_a, body="SECRET-NOTE", internal=True)
    services.reply(actor=agent, ticket=ticket_a, body="PUBLIC-ANSWER")
    services.escalate(actor=agent, ticket=ticket_a, reason="SECRET-REASON")
    page = login(client_a).get(reverse("tickets:detail", args=[ticket_a.number])).content.decode()
    assert "PUBLIC-ANSWER" in page
    assert "SECRET-NOTE" not in page and "SECRET-REASON" not in page
    assert 'name="internal"' not in page


def test_staff_see_internal_notes_marked_differently(login, agent, ticket_a):
    services.reply(actor=agent, ticket=ticket_a, body="SECRET-NOTE", internal=True)
    page = login(agent).get(reverse("tickets:detail", args=[ticket_a.number])).content.decode()
    assert re.search(r'class="timeline-item event-note is-internal"', page)
    assert "SECRET-NOTE" in page


def _add_events(ticket, agent, client_a, n):
    for i in range(n):
        if i % 3 == 0:
            services.reply(actor=agent, ticket=ticket, body=f"Réponse {i}")
        elif i % 3 == 1:
            services.reply(actor=agent, ticket=ticket, body=f"Note {i}", internal=True)
        else:
            services.reply(actor=client_a, ticket=ticket, body=f"Client {i}")


@pytest.mark.parametrize("name", ["agent", "client_a"])
def test_detail_queries_do_not_grow_with_events(
    name, request, login, agent, client_a, ticket_a, ref, django_assert_max_num_queries
):
    user = request.getfixturevalue(name)
    client = login(user)
    url = reverse("tickets:detail", args=[ticket_a.number])
    services.claim(actor=agent, ticket=ticket_a)
    services.change_priority(actor=agent, ticket=ticket_a, priority=ref.priority["haute"])
    services.reply(actor=agent, ticket=ticket_a, body="img", attachments=[png_file()])
    _add_events(ticket_a, agent, client_a, 2)
    client.get(url)
    # A new event: the page reads the events again (its cached timeline holds the former list).
    services.reply(actor=agent, ticket=ticket_a, body="Encore")
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    # Seen again unchanged: the timeline comes from the cache, its events are not read.
    with django_assert_max_num_queries(len(few.captured_queries) - 2):
        assert client.get(url).status_code == 200
    _add_events(ticket_a, agent, client_a, 500)
    # A long timeline: its newest events and a second light query (the creation, transfers).
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="timeline-item') == selectors.TIMELINE_SHOWN
    assert "Client 499" in page or "Réponse 498" in page or "Note 497" in page
    # The earlier events come on demand, as many at a time, each batch with its own button.
    earlier = re.search(r'hx-get="([^"]+\?before=\d+)"', page).group(1).replace("&amp;", "&")
    seen = page.count('class="timeline-item')
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        more = client.get(earlier)
    while more.status_code == 200 and 'hx-get="' in more.content.decode():
        seen += more.content.decode().count('class="timeline-item')
        earlier = re.search(r'hx-get="([^"]+)"', more.content.decode()).group(1)
        more = client.get(earlier.replace("&amp;", "&"))
    seen += more.content.decode().count('class="timeline-item')
    assert seen == len(selectors.timeline(user, ticket_a))
    # A forged id, or an internal note's for a client: not found.
    earlier_url = reverse("tickets:timeline-earlier", args=[ticket_a.number])
    assert client.get(f"{earlier_url}?before=x").status_code == 404
    note = ticket_a.events.filter(is_internal=True).latest("pk")
    hidden = client.get(f"{earlier_url}?before={note.pk}").status_code
    assert hidden == (200 if name == "agent" else 404)


def test_list_queries_are_bounded(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    url = reverse("tickets:list")
    for _ in range(3):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    client.get(url)
    # Page, rows, assignees, plus one query per filter picker (statuses, types, priorities,
    # components, organizations, sales reps): none grows with the number of tickets.
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(40):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("ticket-title-cell") == 25


def test_list_shows_newest_activity_first(login, agent, make_ticket, client_a):
    old = make_ticket(client_a, title="Ancien")
    make_ticket(client_a, title="Récent")
    services.reply(actor=agent, ticket=old, body="relance")
    page = login(agent).get(reverse("tickets:list")).content.decode()
    assert page.index("Ancien") < page.index("Récent")


def test_dashboard_lists_my_assigned_tickets_and_client_open_tickets(
    login, agent, client_a, ticket_a, client
):
    from django.utils.html import escape

    services.claim(actor=agent, ticket=ticket_a)
    assert escape(ticket_a.title) in login(agent).get("/").content.decode()
    client.logout()
    assert escape(ticket_a.title) in login(client_a).get("/").content.decode()


# --- creation forms per role ---


def form_fields(response):
    html = response.content.decode()
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"', html)) - {
        "csrfmiddlewaretoken",
        "language",
        "next",
    }


def test_creation_form_fields_per_role(login, client_a, sales, agent, admin, client):
    base = {"title", "description", "type", "criticality", "attachments"}
    staff = base | {"organization", "requester", "priority", "canned_reply", "internal_note"}
    assert form_fields(login(client_a).get(reverse("tickets:new"))) == base
    client.logout()
    assert form_fields(login(sales).get(reverse("tickets:new"))) == staff
    client.logout()
    phone = staff | {"channel", "reported_at"}
    assert form_fields(login(agent).get(reverse("tickets:new"))) == phone
    client.logout()
    assert form_fields(login(admin).get(reverse("tickets:new"))) == phone | {"assignees"}


def test_client_files_a_ticket_with_a_screenshot(login, client_a, ref):
    response = login(client_a).post(
        reverse("tickets:new"),
        {
            "title": "Écran bleu",
            "description": "Voir capture",
            "type": ref.type["incident"].pk,
            "criticality": "high",
            "attachments": [png_file()],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == ticket.get_absolute_url()
    assert ticket.criticality_id == "high"
    assert ticket.attachments.get().is_image


def test_agent_takes_a_phone_call_with_canned_answer_and_note(login, agent, client_a, org_a, ref):
    from tickets.models import CannedReply

    canned = CannedReply.objects.get(title="Prise en charge")
    response = login(agent).post(
        reverse("tickets:new"),
        {
            "organization": org_a.pk,
            "requester": client_a.pk,
            "title": "Appel : imprimante",
            "description": "Le client appelle",
            "type": ref.type["incident"].pk,
            "criticality": "medium",
            "priority": ref.priority["haute"].pk,
            "channel": "phone",
            "canned_reply": canned.pk,
            "internal_note": "Client énervé",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.requester, ticket.priority) == (
        "phone",
        client_a,
        ref.priority["haute"],
    )
    answer = ticket.events.get(kind=Event.Kind.REPLY)
    assert f"#{ticket.number}" in answer.body and "Chloé Alpha" in answer.body
    assert "Alan Agent" in answer.body
    assert ticket.events.get(kind=Event.Kind.NOTE).is_internal


def test_staff_file_only_for_active_organizations_and_contacts_they_may_act_for(
    login, sales, agent, client_a, client_b, org_a, org_b, ref, django_assert_max_num_queries
):
    """The posted organization and contact are read by id; what the pickers offered is what
    is accepted, and a refused form comes back with the chosen names kept."""
    from accounts.models import User

    data = {
        "title": "Pour un client",
        "description": "Voir pièce",
        "type": ref.type["incident"].pk,
        "criticality": "medium",
    }
    invalid = "Select a valid choice"
    client = login(sales)  # represents Alpha Industries only
    for organization, requester, error in [
        (org_b.pk, "", invalid),  # not represented
        ("999999999", "", invalid),
        ("99999999999999999999999", "", invalid),
        ("x", "", invalid),
        (org_a.pk, client_b.pk, invalid),  # a contact of an organization not represented
        (org_a.pk, "abc", invalid),
    ]:
        posted = {**data, "organization": organization, "requester": requester}
        response = client.post(reverse("tickets:new"), posted)
        assert response.status_code == 400, (organization, requester)
        assert error in response.content.decode()
    # A refused form shows the chosen organization and contact again (their names, read then).
    posted = {**data, "organization": org_a.pk, "requester": client_a.pk, "title": ""}
    response = client.post(reverse("tickets:new"), posted)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Alpha Industries" in page and "client@alpha.test" in page
    client.logout()
    client = login(agent)  # sees every organization
    data["channel"] = "web"
    posted = {**data, "organization": org_a.pk, "requester": client_b.pk}
    response = client.post(reverse("tickets:new"), posted)
    assert "This contact belongs to another organization." in response.content.decode()
    User.objects.filter(pk=client_a.pk).update(is_active=False)
    posted = {**data, "organization": org_a.pk, "requester": client_a.pk}
    assert invalid in client.post(reverse("tickets:new"), posted).content.decode()
    org_b.is_active = False
    org_b.save()
    posted = {**data, "organization": org_b.pk}
    assert invalid in client.post(reverse("tickets:new"), posted).content.decode()
    assert not Ticket.objects.exists()
    User.objects.filter(pk=client_a.pk).update(is_active=True)
    posted = {**data, "organization": org_a.pk, "requester": client_a.pk}
    assert client.post(reverse("tickets:new"), posted).status_code == 302
    # The next one (the first also starts the numbering and reads the calendar): the session,
    # the person and their roles, the organization and the contact by id, then the writes.
    with django_assert_max_num_queries(12):
        response = client.post(reverse("tickets:new"), posted)
    assert response.status_code == 302
    assert [t.requester for t in Ticket.objects.all()] == [client_a, client_a]


def big_png(mb: float) -> bytes:
    import os

    from PIL import Image

    side = int((mb * 1024 * 1024 / 3) ** 0.5) + 1
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def test_oversize_file_and_fake_image_are_refused_with_the_form_kept(
    login, client_a, ref, settings
):
    settings.HELPDESK_MAX_UPLOAD_MB = 1
    client = login(client_a)
    data = {
        "title": "Titre conservé",
        "description": "Message conservé",
        "type": ref.type["aide"].pk,
        "criticality": "low",
    }
    big = SimpleUploadedFile("big.png", big_png(1.2), content_type="image/png")
    response = client.post(reverse("tickets:new"), {**data, "attachments": [big]})
    page = response.content.decode()
    assert response.status_code == 400
    assert "the limit is 1 MB" in page
    assert 'value="Titre conservé"' in page and "Message conservé" in page
    fake = SimpleUploadedFile("photo.jpg", b"GIF? no: text", content_type="image/jpeg")
    response = client.post(reverse("tickets:new"), {**data, "attachments": [fake]})
    assert "is not a valid image" in response.content.decode()
    assert 'value="Titre conservé"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_reply_with_fake_image_keeps_the_text(login, client_a, ticket_a):
    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = login(client_a).post(
        reverse("tickets:reply", args=[ticket_a.number]),
        {"body": "Mon texte gardé", "attachments": [fake]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mon texte gardé" in page and "is not a valid image" in page
    assert not Attachment.objects.exists()


# --- editing safety, invalid status ---


def test_stale_edit_is_refused_and_the_input_kept(login, agent, admin, ticket_a):
    seen = ticket_a.version
    services.update_ticket(
        actor=admin, ticket=ticket_a, version=seen, changes={"title": "Titre de l'admin"}
    )
    response = login(agent).post(
        reverse("tickets:edit", args=[ticket_a.number]),
        {"version": seen, "title": "Titre de l'agent", "description": "Texte de l'agent"},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this ticket" in page
    assert "Titre de l&#x27;agent" in page and "Texte de l&#x27;agent" in page
    ticket_a.refresh_from_db()
    assert ticket_a.title == "Titre de l'admin"


def test_invalid_status_change_is_refused_with_a_message(login, agent, ticket_a, ref):
    client = login(agent)
    url = reverse("tickets:status", args=[ticket_a.number])
    response = client.post(
        url, {"status": ref.status["ouvert"].pk, "version": ticket_a.version}, follow=True
    )
    assert "already has the status" in response.content.decode()
    response = client.post(url, {"status": 99999, "version": ticket_a.version}, follow=True)
    assert "Choose a status" in response.content.decode()


def test_side_panel_actions_change_the_ticket(login, agent, agent_l2, ticket_a, ref):
    client = login(agent)
    n = ticket_a.number
    assert client.post(reverse("tickets:claim", args=[n])).status_code == 302
    ticket_a.refresh_from_db()
    v = ticket_a.version
    client.post(
        reverse("tickets:priority", args=[n]),
        {"priority": ref.priority["urgente"].pk, "version": v},
    )
    ticket_a.refresh_from_db()
    assert ticket_a.priority == ref.priority["urgente"]
    client.post(
        reverse("tickets:assign", args=[n]),
        {"assignees": [agent.pk, agent_l2.pk], "version": ticket_a.version},
    )
    assert set(ticket_a.assignees.all()) == {agent, agent_l2}
    ticket_a.refresh_from_db()
    client.post(
        reverse("tickets:fields", args=[n]),
        {"version": ticket_a.version, "support_level": 2, "criticality": "high",
         "type": ref.type["bogue"].pk},
    )  # fmt: skip
    ticket_a.refresh_from_db()
    assert (ticket_a.support_level, ticket_a.type) == (2, ref.type["bogue"])
    client.post(reverse("tickets:escalate", args=[n]), {"reason": "Besoin N3"})
    ticket_a.refresh_from_db()
    assert ticket_a.support_level == 3
    response = client.post(reverse("tickets:transfer", args=[n]), {"type": ref.type["story"].pk})
    dev = Ticket.objects.get(transferred_from=ticket_a)
    assert response.url == dev.get_absolute_url()


def test_client_reopens_a_closed_ticket(login, client_a, agent, ticket_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    response = login(client_a).post(reverse("tickets:reopen", args=[ticket_a.number]))
    assert response.status_code == 302
    ticket_a.refresh_from_db()
    assert not ticket_a.status.is_final


def test_agent_cannot_reopen_a_closed_ticket(login, agent, ticket_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    response = login(agent).post(reverse("tickets:reopen", args=[ticket_a.number]))
    assert response.status_code == 403


# --- hostile input ---

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)"> [clic](javascript:alert(2))'


def test_hostile_input_renders_inert(login, make_ticket, client_a, agent):
    ticket = make_ticket(
        client_a,
        title=HOSTILE,
        description=HOSTILE,
        attachments=[png_file('<img src=x onerror="alert(3)">.png')],
    )
    services.reply(actor=client_a, ticket=ticket, body=HOSTILE)
    for url in (reverse("tickets:detail", args=[ticket.number]), reverse("tickets:list"), "/"):
        page = login(agent).get(url).content.decode()
        assert "<script>alert" not in page
        assert "onerror=" not in page.replace("onerror=&quot;", "")
        assert 'href="javascript:' not in page
        assert "<img src=x" not in page
    attachment = ticket.attachments.get()
    assert "<" not in attachment.filename
    response = login(agent).get(reverse("tickets:attachment", args=[ticket.number, attachment.pk]))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert '"' not in response["Content-Disposition"].split("filename=")[1].strip('"')


def test_downloads_inline_only_for_images(login, client_a, ticket_a):
    client = login(client_a)
    txt = SimpleUploadedFile("notes.html", b"<html><script>alert(1)</script></html>")
    attachment = services.add_attachment(actor=client_a, ticket=ticket_a, uploaded_file=txt)
    response = client.get(reverse("tickets:attachment", args=[ticket_a.number, attachment.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"].startswith("text/plain")
    image = services.add_attachment(actor=client_a, ticket=ticket_a, uploaded_file=png_file())
    response = client.get(reverse("tickets:attachment", args=[ticket_a.number, image.pk]))
    assert response["Content-Disposition"].startswith("inline")
    thumb = client.get(reverse("tickets:attachment-thumbnail", args=[ticket_a.number, image.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_internal_note_file_is_404_for_the_client(login, client_a, agent, ticket_a):
    event = services.reply(
        actor=agent, ticket=ticket_a, body="log", internal=True, attachments=[png_file()]
    )
    attachment = event.attachments.get()
    url = reverse("tickets:attachment", args=[ticket_a.number, attachment.pk])
    assert login(client_a).get(url).status_code == 404


def test_a_staff_reply_is_recorded_as_an_answer_by_default(login, agent, ticket_a):
    import re

    client = login(agent)
    page = client.get(f"/tickets/{ticket_a.number}/").content.decode()
    select = re.search(r'<select name="action_type".*?</select>', page, re.S).group(0)
    # What a browser submits untouched: the first option, which lets the service decide.
    first = re.search(r'<option value="([^"]*)"', select).group(1)
    client.post(
        f"/tickets/{ticket_a.number}/reply/", {"body": "Voici la solution.", "action_type": first}
    )
    event = ticket_a.events.get(kind="reply")
    assert event.action_type == "answer"


def test_classification_form_is_loaded_when_opened(
    login, agent, client_a, client_b, ticket_a, ref, django_assert_max_num_queries
):
    detail = reverse("tickets:detail", args=[ticket_a.number])
    fragment = reverse("tickets:classification", args=[ticket_a.number])
    staff = login(agent)
    page = staff.get(detail).content.decode()
    assert f'hx-get="{fragment}"' in page and 'name="support_level"' not in page
    with django_assert_max_num_queries(20):
        form = staff.get(fragment)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="support_level"' in html and 'name="followers"' in html
    assert f'action="{reverse("tickets:fields", args=[ticket_a.number])}"' in html
    # Posted with an error: the page comes back with the form open and the error shown.
    response = staff.post(
        reverse("tickets:fields", args=[ticket_a.number]),
        {"version": ticket_a.version, "support_level": 9, "criticality": "high"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="ticket-classification" open>' in html
    assert 'name="support_level"' in html and "errorlist" in html
    assert login(client_a).get(fragment).status_code == 403
    assert login(client_b).get(fragment).status_code == 404


# The timeline as templates/tickets/_event.html wrote it before the timeline_events tag.
EVENT_TEMPLATE = """{% load i18n tickets intake %}
<li class="timeline-item event-{{ event.kind }}{% if event.is_internal %} is-internal{% endif %}" id="event-{{ event.pk }}">
  <div class="timeline-head">
    <span class="timeline-actor">{% if event.actor %}{{ event.actor.get_full_name|default:event.actor.email }}{% elif event.data.via == "email" %}{{ ticket.contact_email|default:_("Unidentified sender") }}{% else %}{% translate "System" %}{% endif %}</span>
    <span class="timeline-what">
      {% if event.kind == "created" %}{% translate "filed the ticket" %}
      {% elif event.kind == "reply" %}{% translate "replied" %}
      {% elif event.kind == "note" %}{% translate "wrote an internal note" %}
      {% elif event.kind == "status" %}{% if event.data.auto %}{% blocktranslate count days=event.data.days %}closed the ticket after {{ days }} day without answer{% plural %}closed the ticket after {{ days }} days without answer{% endblocktranslate %}{% else %}{% translate "changed the status" %}{% endif %}
      {% elif event.kind == "field" %}{% blocktranslate with field=event.field_label %}changed {{ field }}{% endblocktranslate %}
      {% elif event.kind == "assignment" %}{% translate "changed the assignees" %}
      {% elif event.kind == "claim" %}{% translate "took the ticket" %}
      {% elif event.kind == "escalation" %}{% blocktranslate with old=event.data.old new=event.data.new %}escalated from level {{ old }} to level {{ new }}{% endblocktranslate %}
      {% elif event.kind == "attachment" %}{% translate "attached a file" %}
      {% elif event.kind == "reopen" %}{% if event.data.by_reply %}{% translate "replied, which reopened the ticket" %}{% else %}{% translate "reopened the ticket" %}{% endif %}
      {% elif event.kind == "link" %}{% if event.data.link == "transferred_to" %}{% translate "transferred the ticket to development" %}{% else %}{% translate "created this development ticket from" %}{% endif %} <a href="{% url 'tickets:detail' event.data.number %}">#{{ event.data.number }}</a>
      {% elif event.kind == "warning" %}{% blocktranslate count days=event.data.days %}Without an answer, the ticket closes itself tomorrow (after {{ days }} day of waiting).{% plural %}Without an answer, the ticket closes itself tomorrow (after {{ days }} days of waiting).{% endblocktranslate %}
      {% else %}{{ event.get_kind_display }}{% endif %}
    </span>
    {% if event.data.via == "email" %}<span class="badge text-bg-light border email-badge">{% if event.data.from %}{% blocktranslate with sender=event.data.from %}by email from {{ sender }}{% endblocktranslate %}{% else %}{% translate "by email" %}{% endif %}</span>{% endif %}
    {% if event.is_internal %}<span class="badge internal-badge">{% translate "Internal" %}</span>{% endif %}
    {% if event.kind == "reply" and event.action_type != "answer" or event.kind == "note" and event.action_type != "information" and event.action_type != "answer" %}<span class="badge text-bg-light border action-type">{{ event.get_action_type_display }}</span>{% endif %}
    <time class="timeline-time" datetime="{{ event.action_at|date:'c' }}">{{ event.action_at|date:"SHORT_DATETIME_FORMAT" }}</time>
  </div>
  {% if event.new_display is not None %}
  <div class="timeline-change">
    {% if event.old_display is not None and event.old_display != "" %}<span class="change-old">{{ event.old_display }}</span> <span aria-hidden="true">→</span>{% endif %}
    <span class="change-new">{{ event.new_display|default:"—" }}</span>
  </div>
  {% endif %}
  {% if event.kind == "assignment" %}
  <div class="timeline-change">
    {% if event.data.added %}<span class="change-new">+ {{ event.data.added|join:", " }}</span>{% endif %}
    {% if event.data.removed %}<span class="change-old">− {{ event.data.removed|join:", " }}</span>{% endif %}
  </div>
  {% endif %}
  {% if event.body and event.data.via == "email" %}{% with parts=event.body|email_parts %}
  <div class="timeline-body markdown">{{ parts.0|markdown }}</div>
  {% if parts.1 %}<details class="quoted-history small"><summary>{% translate "Show quoted text" %}</summary><pre class="text-body-secondary mb-0">{{ parts.1 }}</pre></details>{% endif %}
  {% endwith %}{% elif event.body %}<div class="timeline-body markdown">{{ event.body|markdown }}</div>{% endif %}
  {% include "tickets/_attachments.html" with files=event.attachments.all %}
</li>
"""  # noqa: E501, RUF001


@pytest.mark.parametrize("language", ["fr", "en"])
def test_timeline_is_written_as_the_template_wrote_it(
    language, login, agent, agent_l2, client_a, ticket_a, ref
):
    from django.template import Context, Template
    from django.utils import translation

    from tickets import selectors
    from tickets.templatetags.tickets import timeline_events

    ticket = ticket_a
    services.claim(actor=agent, ticket=ticket)
    services.reply(actor=agent, ticket=ticket, body='**Bonjour** <script>x</script> & "co"')
    services.reply(actor=agent, ticket=ticket, body="Note", internal=True, attachments=[png_file()])
    services.change_priority(actor=agent, ticket=ticket, priority=ref.priority["haute"])
    ticket.refresh_from_db()
    services.update_ticket(
        actor=agent,
        ticket=ticket,
        version=ticket.version,
        changes={"support_level": 2, "criticality": "high", "type": ref.type["bogue"],
                 "description": "Autre texte"},
        followers=[agent_l2],
    )  # fmt: skip
    services.assign(actor=agent, ticket=ticket, assignees=[agent_l2])
    services.escalate(actor=agent, ticket=ticket, reason="N3")
    services.change_status(actor=agent, ticket=ticket, status=ref.status["ferme"])
    services.reply(actor=client_a, ticket=ticket, body="Toujours en panne")
    services.transfer_to_development(actor=agent, ticket=ticket, type=ref.type["story"])
    for kind, data, body in (
        ("status", {"auto": True, "days": 1}, ""),
        ("status", {"auto": True, "days": 7}, ""),
        ("warning", {"days": 3}, ""),
        ("reply", {"via": "email", "from": "x@alpha.test"}, "Merci\n\nLe lun. a écrit :\n> avant"),
        ("email_in", {"via": "email"}, ""),
        ("link", {"link": "transferred_from", "number": ticket.number}, ""),
    ):
        Event.objects.create(ticket=ticket, kind=kind, data=data, body=body)
    with translation.override(language):
        for user in (agent, client_a):
            events = selectors.timeline(user, ticket)
            written = timeline_events(events, ticket)
            expected = "".join(
                Template(EVENT_TEMPLATE).render(Context({"event": event, "ticket": ticket}))
                for event in events
            )

            def squeeze(text):
                text = re.sub(r"\s+", " ", text)
                return re.sub(r" ?(<[^>]+>) ?", r"\1", text).strip()

            assert squeeze(written) == squeeze(expected)
            assert "<strong>Bonjour</strong>" in written and "<script>" not in written
    page = login(agent).get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert page.count('class="timeline-item') == len(selectors.timeline(agent, ticket))


def test_side_forms_offer_the_active_reference_rows_without_a_query(login, agent, ticket_a, ref):
    """Status, priority and development type options come from the cached reference data; a
    retired status is neither offered nor accepted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import caching

    retired = ref.status["ouvert"]
    retired.is_active = False
    retired.save()
    caching.reference_changed()  # what retiring it in the Django admin does
    client = login(agent)
    url = reverse("tickets:detail", args=[ticket_a.number])
    client.get(url)
    with CaptureQueriesContext(connection) as page:
        html = client.get(url).content.decode()
    tables = ("tickets_status", "tickets_priority", "tickets_tickettype")
    read = [q for q in page.captured_queries if any(f'FROM "{t}"' in q["sql"] for t in tables)]
    assert not read  # the ticket itself is fetched with its status and priority joined
    status_select = re.search(r'<select name="status".*?</select>', html, re.S).group(0)
    for status in ref.status.values():
        offered = re.search(rf'<option value="{status.pk}"[^>]*>', status_select)
        assert bool(offered) is status.is_active, status.code
    assert re.search(rf'<option value="{ref.priority["urgente"].pk}"', html)
    response = client.post(
        reverse("tickets:status", args=[ticket_a.number]),
        {"status": retired.pk, "version": ticket_a.version},
        follow=True,
    )
    assert "Choose a status" in response.content.decode()


def test_ticket_page_shows_canned_replies_and_sla_as_an_admin_just_changed_them(
    login, agent, ticket_a, ref, django_capture_on_commit_callbacks, django_admin
):
    """Both come from the per-process reference copy: a change (in the Django admin, where
    they are edited) must show on the next page."""
    from tickets.models import BusinessCalendar, CannedReply

    client = login(agent)
    url = reverse("tickets:detail", args=[ticket_a.number])
    assert "Réponse toute neuve" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        django_admin(
            CannedReply, title="Réponse toute neuve", body="Bonjour {client_name}", is_active="on"
        )
    assert "Réponse toute neuve" in client.get(url).content.decode()
    before = client.get(url).context["sla"]
    calendar = BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        # Longer days: more time left.
        django_admin(BusinessCalendar, calendar.pk, day_start="07:00", day_end="21:00")
    assert client.get(url).context["sla"].seconds_left > before.seconds_left

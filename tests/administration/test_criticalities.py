"""Criticalities as reference data (/administration/criticalities/): tickets keep the codes they
had, an admin adds, renames, reorders, colours, retires and makes one the default; a criticality
in use is not deleted (the message says how many tickets use it); a retired one is no longer
offered but old tickets still show it. Priority and criticality badges take the colour the
admin chose (the versioned style sheet)."""

import re

import pytest
from django.urls import reverse

from tests.tickets.conftest import _english  # noqa: F401
from tickets import caching, colours
from tickets.models import Criticality, Ticket
from tickets.services import reference as reference_services


def _form(row, **changes):
    data = {
        "name_fr": row.name_fr,
        "name_en": row.name_en,
        "code": row.code,
        "colour": row.colour,
        "is_active": "on" if row.is_active else "",
        "is_default": "on" if row.is_default else "",
        "seen": reference_services.fingerprint(row),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _options(page: str, name: str) -> list[str]:
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'value="([^"]*)"', select)


def test_the_four_criticalities_tickets_had_are_there(ref):
    assert list(Criticality.objects.values_list("code", "name_fr", "is_default")) == [
        ("low", "Faible", False),
        ("medium", "Moyenne", True),
        ("high", "Haute", False),
        ("blocking", "Bloquante", False),
    ]


def test_admin_creates_a_default_criticality_that_new_tickets_get(
    client, login, admin, ref, make_ticket, client_a
):
    login(admin)
    response = client.post(
        reverse("administration:reference-new", args=["criticalities"]),
        {
            "name_fr": "Paie bloquée",
            "name_en": "Payroll stopped",
            "colour": "#7A1FA2",
            "is_active": "on",
            "is_default": "on",
        },
    )
    assert response.status_code == 302
    row = Criticality.objects.get(name_fr="Paie bloquée")
    assert row.code == "paie-bloquee" and row.colour == "#7a1fa2" and row.is_default
    assert row.order == max(Criticality.objects.values_list("order", flat=True))
    assert not Criticality.objects.get(code="medium").is_default  # one default
    # Listed with its badge and its count of tickets.
    page = client.get(reverse("administration:reference-list", args=["criticalities"]))
    assert "criticality-paie-bloquee" in page.content.decode()
    # A client files without choosing: the default; offered on the form, chosen by default.
    assert make_ticket(client_a).criticality_id == "paie-bloquee"
    login(client_a)
    form = client.get(reverse("tickets:new")).content.decode()
    assert "paie-bloquee" in _options(form, "criticality")
    assert 'value="paie-bloquee" selected' in form


def test_criticality_in_use_is_retired_not_deleted(
    client, login, admin, agent, ref, make_ticket, client_a
):
    ticket = make_ticket(client_a, criticality="low")
    make_ticket(client_a, criticality="low")
    low = ref.criticality["low"]
    login(admin)
    delete = reverse("administration:reference-delete", args=["criticalities", low.pk])
    page = client.post(delete, follow=True).content.decode()
    assert "cannot be deleted: 2 tickets use it" in page
    assert Criticality.objects.filter(pk=low.pk).exists()
    # The list counts them.
    listing = client.get(reverse("administration:reference-list", args=["criticalities"]))
    row = listing.content.decode().split(f'data-pk="{low.pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="text-end">2</td>' in row
    # Retired: no longer offered to a client, the ticket still shows it and may keep it.
    client.post(reverse("administration:reference-retire", args=["criticalities", low.pk]))
    login(client_a)
    assert "low" not in _options(client.get(reverse("tickets:new")).content.decode(), "criticality")
    login(agent)
    detail = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "criticality-low" in detail and low.name in detail
    # Filing with a retired criticality is refused (a forged post).
    login(client_a)
    response = client.post(
        reverse("tickets:new"),
        {"title": "Encore", "description": "x", "type": ref.type["incident"].pk,
         "criticality": "low"},
    )  # fmt: skip
    assert response.status_code == 400 and not Ticket.objects.filter(title="Encore").exists()
    # An unused one is deleted.
    unused = Criticality.objects.create(code="test", name_fr="Test", order=90)
    login(admin)
    delete = reverse("administration:reference-delete", args=["criticalities", unused.pk])
    client.post(delete)
    assert not Criticality.objects.filter(pk=unused.pk).exists()


def test_the_default_criticality_is_not_retired_or_deleted(client, login, admin, ref):
    login(admin)
    medium = ref.criticality["medium"]
    client.post(reverse("administration:reference-retire", args=["criticalities", medium.pk]))
    client.post(reverse("administration:reference-delete", args=["criticalities", medium.pk]))
    medium.refresh_from_db()
    assert medium.is_active


def test_a_renamed_criticality_shows_on_tickets_and_in_their_history(
    client, login, admin, agent, ref, make_ticket, client_a
):
    from tickets import services

    ticket = make_ticket(client_a, criticality="medium")
    services.update_ticket(
        actor=agent, ticket=ticket, version=ticket.version, changes={"criticality": "high"}
    )
    ticket.refresh_from_db()
    assert ticket.criticality_id == "high"
    login(admin)
    high = ref.criticality["high"]
    url = reverse("administration:reference-edit", args=["criticalities", high.pk])
    assert client.post(url, _form(high, name_en="Severe")).status_code == 302
    login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "Severe" in page and "Medium" in page  # the badge and the history line


def test_priority_and_criticality_colours_reach_their_badges(
    client, login, admin, agent, ref, make_ticket, client_a
):
    make_ticket(client_a)
    login(agent)
    queue = client.get(reverse("tickets:list")).content.decode()
    assert "ticket-priority priority-normale" in queue
    css_url = queue.split('href="/tickets/status-colours.css', 1)[1].split('"', 1)[0]
    login(admin)
    high = ref.priority["normale"]
    data = {
        "name_fr": high.name_fr,
        "name_en": high.name_en,
        "code": high.code,
        "colour": "#008000",
        "first_response_hours": high.first_response_hours,
        "resolution_hours": high.resolution_hours,
        "is_default": "on",
        "is_active": "on",
    }
    url = reverse("administration:reference-edit", args=["priorities", high.pk])
    assert client.post(url, data).status_code == 302
    login(agent)
    queue = client.get(reverse("tickets:list")).content.decode()
    new_url = queue.split('href="/tickets/status-colours.css', 1)[1].split('"', 1)[0]
    assert new_url != css_url
    sheet = client.get("/tickets/status-colours.css" + new_url.replace("&amp;", "&")).content
    background, text = colours.badge("#008000")
    assert (
        f".ticket-priority.priority-normale {{ background: {background}; color: {text}; }}"
        in sheet.decode()
    )
    blocking = caching.reference().criticalities["blocking"]
    background, text = colours.badge(blocking.colour)
    assert f".ticket-criticality.criticality-blocking {{ background: {background};" in (
        sheet.decode()
    )


@pytest.mark.parametrize("code", ["<script>", "../x", "a\x00b"])
def test_forged_criticality_codes_are_refused(client, login, client_a, ref, code):
    login(client_a)
    response = client.post(
        reverse("tickets:new"),
        {"title": "Forgé", "description": "x", "type": ref.type["incident"].pk,
         "criticality": code},
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert not Ticket.objects.filter(title="Forgé").exists()

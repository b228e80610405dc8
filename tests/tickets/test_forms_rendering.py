"""The ticket forms render from templates; the big lists (organizations, contacts, agents,
followers) are searchable pickers that write only the chosen options into the page."""

import re

import pytest
from django.urls import reverse

from accounts.models import Organization

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_new_ticket_form_offers_pickers_not_every_organization(login, agent, client_a, ref):
    for index in range(30):
        Organization.objects.create(name=f"Client {index}", kind="client")
    html = login(agent).get(reverse("tickets:new")).content.decode()
    assert _options(html, "organization") == []
    assert _options(html, "requester") == []
    assert "Client 12" not in html
    assert f'hx-get="{reverse("accounts:pick-organizations")}"' in html
    assert 'hx-include="#id_organization"' in html
    assert '<label class="form-label" for="id_organization_search">' in html


def test_a_refused_form_keeps_the_chosen_options_only(login, admin, agent, client_a, ref):
    page = login(admin).post(
        reverse("tickets:new"),
        {
            "organization": client_a.organization_id,
            "requester": client_a.pk,
            "assignees": [agent.pk],
            "title": "",
            "description": "x",
        },
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert _options(html, "organization") == [str(client_a.organization_id)]
    assert _options(html, "requester") == [str(client_a.pk)]
    assert _options(html, "assignees") == [str(agent.pk)]
    assert f'value="{client_a.organization.name}"' in html  # the single picker's box


def test_ticket_page_side_forms_list_only_the_current_assignees(login, agent, ticket_a, ref):
    from tickets import services

    services.claim(actor=agent, ticket=ticket_a)
    html = login(agent).get(reverse("tickets:detail", args=[ticket_a.number])).content.decode()
    assert _options(html, "assignees") == [str(agent.pk)]
    assert "picker-chip" in html
    assert f'hx-get="{reverse("accounts:pick-agents")}"' in html
    # The side panel's labels read as its "Status" and "Priority": without a colon.
    for label in ("Assignees", "Reason for escalation"):
        assert re.search(rf'<label class="form-label" for="[^"]+">{label}</label>', html), label


def test_the_new_ticket_form_names_its_empty_choices(login, agent, client_a, ref):
    html = login(agent).get(reverse("tickets:new")).content.decode()
    assert "---------" not in html
    for name in ("type", "priority", "canned_reply"):
        empty = re.search(rf'<select name="{name}"[^>]*>\s*<option value=""[^>]*>([^<]+)<', html)
        assert empty and empty.group(1).strip(), name

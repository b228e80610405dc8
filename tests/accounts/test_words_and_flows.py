"""Issue 18, people: sign-ups waiting for approval are listed apart as clients-to-be, the
invitation's page asks to set a password with a cancel that does not look like the submit
button, and a new ticket's contact is chosen within the chosen organization."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import password_setup_url

pytestmark = pytest.mark.django_db


def signup(email="newcomer@example.test"):
    return User.objects.create_user(
        email=email,
        first_name="Nora",
        last_name="Newcomer",
        is_active=False,
        awaiting_approval=True,
    )


def test_sign_ups_waiting_are_listed_apart_not_as_support_staff(login, admin, client_a):
    person = signup()
    html = login(admin).get(reverse("accounts:user-list")).content.decode()
    pending, table = html.split("<table", 1)
    assert 'class="card mb-3 pending-signups"' in pending and person.email in pending
    assert person.get_absolute_url() in pending
    assert person.email not in table  # not a row of the staff and clients table
    assert client_a.email in table
    # Asked for, they are in the table, said to be clients-to-be.
    waiting = login(admin).get(reverse("accounts:user-list"), {"status": "awaiting"})
    rows = waiting.content.decode().split("<tbody>")[1]
    assert person.email in rows and client_a.email not in rows
    row = rows.split(person.email)[1].split("</tr>")[0]
    assert "Client en attente\u00a0: pas encore d'organisation" in row
    detail = login(admin).get(person.get_absolute_url()).content.decode()
    assert "Client en attente\u00a0: pas encore d'organisation" in detail
    assert "Société de support" not in detail


def test_the_invitation_page_asks_to_set_a_password_with_a_plain_cancel(admin, org_a):
    person = User.objects.create_user(email="invited@alpha.test", organization=org_a)
    person.set_unusable_password()
    person.save()
    path = password_setup_url(person).split("8000", 1)[-1]
    path = re.sub(r"^https?://[^/]+", "", path)
    anonymous = Client()
    anonymous.cookies["django_language"] = "fr"
    page = anonymous.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Choisissez votre mot de passe" in html
    assert "Modifier le mot de passe" not in html
    submit = re.search(r'<button type="submit" name="action" class="([^"]+)">([^<]+)<', html)
    cancel = re.search(
        r'<button type="submit" form="logout-from-stage" class="([^"]+)">([^<]+)<', html
    )
    assert "btn-primary" in submit.group(1)
    assert "btn-link" in cancel.group(1) and "btn-primary" not in cancel.group(1)
    assert cancel.group(2).strip() not in ("Annuler", "Cancel")
    # It still sets the password.
    done = anonymous.post(
        page.redirect_chain[-1][0] if page.redirect_chain else path,
        {"password1": "a long new passphrase 42", "password2": "a long new passphrase 42"},
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a long new passphrase 42")


def test_the_contact_picker_waits_for_the_organization_then_lists_only_its_people(
    login, agent, client_a, client_b
):
    client = login(agent)
    form = client.get(reverse("tickets:new")).content.decode()
    contact_search = re.search(r'<input type="search"[^>]*id="id_requester_search"[^>]*>', form)
    assert "contact=1" in contact_search.group(0)
    assert 'hx-include="#id_organization"' in contact_search.group(0)
    url = reverse("accounts:pick-people")
    nothing = client.get(url, {"contact": "1", "q": ""}).content.decode()
    assert "picker-option" not in nothing
    assert "picker-empty" in nothing and client_b.email not in nothing
    of_a = client.get(
        url, {"contact": "1", "q": "", "organization": client_a.organization_id}
    ).content.decode()
    assert client_a.email in of_a and client_b.email not in of_a


def test_a_contact_of_another_organization_is_still_refused_with_the_typing_kept(
    login, agent, client_a, client_b
):
    from tests.tickets.conftest import ensure_reference_data
    from tickets.models import Ticket, TicketType

    ensure_reference_data()
    response = login(agent).post(
        reverse("tickets:new"),
        {
            "organization": client_a.organization_id,
            "requester": client_b.pk,
            "title": "Titre tapé",
            "description": "…",
            "type": TicketType.objects.filter(is_development=False).first().pk,
            "criticality": "medium",
            "channel": "web",
        },
    )
    assert response.status_code in (200, 400)
    assert "Titre tapé" in response.content.decode()
    assert not Ticket.objects.exists()

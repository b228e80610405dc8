"""The searchable pickers' options: scoped by accounts.access, bounded queries, escaped names."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# persona: (organizations, people, agents) status codes
MATRIX = {
    "admin": (200, 200, 200),
    "agent": (200, 200, 200),
    "sales": (200, 200, 200),
    "client_a": (404, 200, 404),
    "client_b": (404, 200, 404),
    "reseller": (404, 200, 404),
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_pickers_answer_each_role_with_what_it_may_see(persona, request, login, client_a, client_b):
    user = request.getfixturevalue(persona)
    client = login(user)
    urls = ("accounts:pick-organizations", "accounts:pick-people", "accounts:pick-agents")
    for url, status in zip(urls, MATRIX[persona], strict=True):
        assert client.get(reverse(url), {"q": ""}).status_code == status, url
    people = client.get(reverse("accounts:pick-people"), {"q": "alpha.test"}).content.decode()
    if persona == "client_b":
        # An outsider finds nobody of organization A, even naming it.
        assert client_a.email not in people
        org_a = client_a.organization_id
        named = client.get(reverse("accounts:pick-people"), {"organization": org_a}).content
        assert client_a.email not in named.decode()
    if persona in ("admin", "agent"):
        assert client_a.email in people


def test_client_finds_only_people_of_its_own_organization(login, client_a, client_a2, client_b):
    html = login(client_a).get(reverse("accounts:pick-people"), {"q": ""}).content.decode()
    assert client_a2.email in html and client_b.email not in html


@pytest.mark.parametrize(
    "url", ["accounts:pick-organizations", "accounts:pick-people", "accounts:pick-agents"]
)
def test_pickers_run_a_fixed_number_of_queries(
    url, login, admin, org_a, django_assert_max_num_queries
):
    client = login(admin)
    client.get(reverse(url))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse(url))
    for index in range(40):
        make_user("agent", email=f"many{index}@support.test", first_name=f"Many{index}",
                  organization=org_a)  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(url))
    assert response.content.decode().count("picker-option") <= 15


def test_names_with_markup_are_escaped(login, admin, org_a):
    make_user("agent", email="evil@support.test", first_name="<script>alert(1)</script>",
              organization=org_a)  # fmt: skip
    org_a.name = '<img src=x onerror="alert(2)">'
    org_a.save()
    client = login(admin)
    for url, q in (("accounts:pick-people", "script"), ("accounts:pick-agents", "evil"),
                   ("accounts:pick-organizations", "img")):  # fmt: skip
        html = client.get(reverse(url), {"q": q}).content.decode()
        assert "<script>" not in html and "<img" not in html, url
        assert "&lt;" in html, url
    nothing = client.get(reverse("accounts:pick-people"), {"q": "<b>zz</b>"}).content.decode()
    assert "&lt;b&gt;zz&lt;/b&gt;" in nothing


def test_agents_picker_lists_agents_not_clients(login, agent, client_a):
    html = login(agent).get(reverse("accounts:pick-agents"), {"q": ""}).content.decode()
    assert agent.email in html or agent.get_full_name() in html
    assert client_a.email not in html
    assert User.objects.filter(pk=client_a.pk).exists()

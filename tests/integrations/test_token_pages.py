"""API keys on the profile page: created and shown once, listed by prefix, revoked; only one's
own; every role has them."""

import pytest
from django.urls import reverse

from integrations import services
from integrations.models import ApiToken

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", PERSONAS)
def test_every_role_manages_their_own_api_keys(who, request, login):
    user = request.getfixturevalue(who)
    client = login(user)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("integrations:tokens") in profile  # the card loads from there
    assert client.get(reverse("integrations:tokens")).status_code == 200
    created = client.post(reverse("integrations:token-create"), {"name": "ERP", "scope": "write"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.scope == ApiToken.Scope.WRITE
    page = created.content.decode()
    key = page.split('id="new-api-key">')[1].split("<")[0]
    assert key.startswith(token.prefix)
    assert created["Cache-Control"] == "no-store"
    # Shown once: the list afterwards names its prefix only.
    again = client.get(reverse("integrations:tokens")).content.decode()
    assert key not in again and f"{token.prefix}…" in again
    revoked = client.post(reverse("integrations:token-revoke", args=[token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for name, method, args in (
        ("integrations:tokens", "get", []),
        ("integrations:token-create", "post", []),
        ("integrations:token-revoke", "post", [1]),
    ):
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_nobody_revokes_or_sees_anothers_key(login, client_a, client_b, agent):
    token, _key = services.create_token(actor=client_a, name="Alpha ERP", scope="read")
    for other in (client_b, agent):
        client = login(other)
        assert client.post(reverse("integrations:token-revoke", args=[token.pk])).status_code == 404
        assert "Alpha ERP" not in client.get(reverse("integrations:tokens")).content.decode()
    assert client.post(reverse("integrations:token-revoke", args=[99999])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_key_form_keeps_what_was_typed_and_refuses_hostile_input(login, client_a):
    client = login(client_a)
    for data in (
        {"name": "", "scope": "read"},
        {"name": "a\x00b", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "Mine", "scope": "admin"},
    ):
        response = client.post(reverse("integrations:token-create"), data)
        assert response.status_code == 200
        assert 'id="new-api-key"' not in response.content.decode()
    response = client.post(reverse("integrations:token-create"), {"name": "Mine", "scope": "admin"})
    assert 'value="Mine"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_card_is_an_htmx_fragment_and_create_swaps_it(login, client_a):
    client = login(client_a)
    fragment = client.get(reverse("integrations:tokens"), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div class="card" id="api-tokens">')
    created = client.post(
        reverse("integrations:token-create"),
        {"name": "<script>x</script>", "scope": "read"},
        HTTP_HX_REQUEST="true",
    )
    page = created.content.decode()
    assert 'id="new-api-key"' in page and "<script>x</script>" not in page
    token = ApiToken.objects.get()
    revoked = client.post(
        reverse("integrations:token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true"
    )
    assert revoked.status_code == 200 and "Révoquée le" in revoked.content.decode()


def test_the_key_list_reads_a_fixed_number_of_queries(
    login, client_a, django_assert_max_num_queries
):
    client = login(client_a)
    services.create_token(actor=client_a, name="one", scope="read")
    client.get(reverse("integrations:tokens"))
    with django_assert_max_num_queries(12):
        client.get(reverse("integrations:tokens"))
    for n in range(15):
        services.create_token(actor=client_a, name=f"k{n}", scope="read")
    with django_assert_max_num_queries(12):
        client.get(reverse("integrations:tokens"))

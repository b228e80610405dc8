"""The JSON API: tokens, the same access rules as the pages (hidden == 404, notes for staff
only), scopes, idempotent creation, filters, pagination, rate limits, the schema."""

import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.throttling import SimpleRateThrottle

from integrations import services
from integrations.models import ApiToken, IdempotencyKey
from tickets import services as ticket_services
from tickets.models import Event, Ticket

from .conftest import PERSONAS, Api

pytestmark = pytest.mark.django_db


def ticket_url(ticket, action=""):
    return f"/api/tickets/{ticket.number}/" + (f"{action}/" if action else "")


# --- tokens --------------------------------------------------------------------------------


def test_the_api_refuses_a_missing_wrong_or_revoked_key(client_a, ticket_a):
    assert Api("").get("/api/tickets/").status_code == 401
    assert Api("hd_not-a-key").get("/api/tickets/").status_code == 401
    token, key = services.create_token(actor=client_a, name="ERP", scope="read")
    assert Api(key).get("/api/tickets/").status_code == 200
    services.revoke_token(actor=client_a, token=token)
    response = Api(key).get("/api/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_key_is_stored_hashed_and_records_its_last_use(client_a):
    token, key = services.create_token(actor=client_a, name="ERP", scope="read")
    assert key.startswith("hd_") and len(key) > 40
    assert not ApiToken.objects.filter(digest=key).exists()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.last_used_at is None
    Api(key).get("/api/organizations/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_deactivated_persons_key_opens_nothing(client_a):
    _token, key = services.create_token(actor=client_a, name="ERP", scope="read")
    client_a.is_active = False
    client_a.save(update_fields=["is_active"])
    assert Api(key).get("/api/tickets/").status_code == 401


def test_a_read_only_key_reads_but_never_writes(api, client_a, ticket_a):
    reader = api(client_a, "read")
    assert reader.get(ticket_url(ticket_a)).status_code == 200
    assert reader.post(ticket_url(ticket_a, "replies"), {"body": "Hello"}).status_code == 403
    assert reader.post("/api/tickets/", {"title": "New"}).status_code == 403
    assert not Event.objects.filter(ticket=ticket_a, kind=Event.Kind.REPLY).exists()


# --- the role matrix: the API answers as the pages do ----------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_every_role_sees_through_the_api_what_the_ticket_page_shows(
    who, request, api, login, ticket_a, ticket_b
):
    user = request.getfixturevalue(who)
    client = api(user, "read")
    page = login(user)
    for ticket in (ticket_a, ticket_b):
        shown = page.get(reverse("tickets:detail", args=[ticket.number])).status_code
        assert shown in (200, 404)
        assert client.get(ticket_url(ticket)).status_code == shown, ticket.title
        listed = {row["number"] for row in client.get("/api/tickets/").json()["results"]}
        assert (ticket.number in listed) == (shown == 200)


@pytest.mark.parametrize("who", PERSONAS)
def test_every_role_may_reply_note_and_change_status_as_on_the_page(
    who, request, api, ticket_a, ref
):
    """Reply: whoever may reply on the page; note and status: staff who run tickets; a hidden
    ticket answers 404 whatever the verb."""
    from tickets import access

    user = request.getfixturevalue(who)
    client = api(user)
    visible = access.can_view(user, ticket_a)
    expected = {
        "replies": 201 if access.can_reply(user, ticket_a) else 403,
        "notes": 201 if access.can_add_internal_note(user, ticket_a) else 403,
    }
    for action, status in expected.items():
        response = client.post(ticket_url(ticket_a, action), {"body": f"{who} {action}"})
        assert response.status_code == (status if visible else 404), action
    response = client.post(ticket_url(ticket_a, "status"), {"status": "en-cours"})
    if not visible:
        assert response.status_code == 404
    elif access.can_change_status(user, ticket_a):
        assert response.status_code in (200, 409)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", ["client_a", "client_admin_a", "reseller"])
def test_a_client_key_never_sees_an_internal_note(who, request, api, agent, ticket_a):
    ticket_services.reply(
        actor=agent, ticket=ticket_a, body="Internal: client is late paying", internal=True
    )
    ticket_services.reply(actor=agent, ticket=ticket_a, body="We are on it.")
    data = api(request.getfixturevalue(who), "read").get(ticket_url(ticket_a)).json()
    bodies = [event["body"] for event in data["events"]]
    assert "We are on it." in bodies
    assert not any("late paying" in body for body in bodies)
    assert not any(event["is_internal"] for event in data["events"])
    staff = api(agent, "read").get(ticket_url(ticket_a)).json()
    assert any("late paying" in event["body"] for event in staff["events"])


def test_a_client_key_gets_404_for_another_organizations_ticket_and_cannot_act_on_it(
    api, client_a, ticket_b
):
    client = api(client_a)
    for response in (
        client.get(ticket_url(ticket_b)),
        client.post(ticket_url(ticket_b, "replies"), {"body": "hi"}),
        client.post(ticket_url(ticket_b, "notes"), {"body": "hi"}),
        client.post(ticket_url(ticket_b, "status"), {"status": "closed"}),
        client.get("/api/tickets/99999999/"),
    ):
        assert response.status_code == 404
    assert not Event.objects.filter(ticket=ticket_b, body="hi").exists()


# --- tickets -------------------------------------------------------------------------------


def test_a_client_files_a_ticket_once_with_an_idempotency_key(api, client_a, ref):
    client = api(client_a)
    payload = {"title": "L'imprimante refuse d'imprimer", "description": "Depuis ce matin."}
    first = client.post("/api/tickets/", payload, HTTP_IDEMPOTENCY_KEY="erp-42")
    assert first.status_code == 201
    again = client.post("/api/tickets/", payload, HTTP_IDEMPOTENCY_KEY="erp-42")
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.filter(title=payload["title"]).count() == 1
    ticket = Ticket.objects.get(title=payload["title"])
    assert ticket.organization == client_a.organization and ticket.requester == client_a
    other = client.post("/api/tickets/", {"title": "Autre"}, HTTP_IDEMPOTENCY_KEY="erp-42")
    assert other.status_code == 422
    without = client.post("/api/tickets/", payload)
    assert without.status_code == 201 and without.json()["number"] != first.json()["number"]
    assert IdempotencyKey.objects.count() == 1


def test_staff_file_for_an_organization_they_may_act_for(
    api, agent, sales, org_a, org_b, client_a, ref
):
    created = api(agent).post(
        "/api/tickets/",
        {"title": "Serveur", "organization": org_b.pk, "priority": "haute", "type": "incident"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["organization"]["id"] == org_b.pk
    assert created.json()["priority"]["code"] == "haute"
    assert api(agent).post("/api/tickets/", {"title": "No org"}).status_code == 400
    # A sales rep sees organization A only: B is unknown to them.
    refused = api(sales).post("/api/tickets/", {"title": "B", "organization": org_b.pk})
    assert refused.status_code == 400
    assert "organization" in refused.json()
    wrong_contact = api(agent).post(
        "/api/tickets/", {"title": "X", "organization": org_b.pk, "requester": client_a.pk}
    )
    assert wrong_contact.status_code == 400
    assert (
        api(agent)
        .post("/api/tickets/", {"title": "X", "organization": org_a.pk, "type": "nope"})
        .status_code
        == 400
    )


def test_people_without_tickets_cannot_file_through_the_api(api, dpo, controller):
    for user in (dpo, controller):
        assert api(user).post("/api/tickets/", {"title": "X"}).status_code == 403
    assert not Ticket.objects.exists()


def test_hostile_input_is_refused_with_a_message_not_a_crash(api, client_a, ticket_a, ref):
    client = api(client_a)
    for payload in (
        {"title": "bad\x00title"},
        {"title": "\ud800 lone surrogate"},
        {"title": "x" * 201},
        {"title": "<script>alert(1)</script>", "description": "d" * 100_001},
        {"title": ["list"]},
        {},
    ):
        response = client.post("/api/tickets/", payload)
        assert response.status_code == 400, payload
    assert client.post(ticket_url(ticket_a, "replies"), {"body": "a\x00b"}).status_code == 400
    response = client.client.post(
        "/api/tickets/", "{not json", content_type="application/json", **client.headers
    )
    assert response.status_code == 400
    assert client.get(
        "/api/tickets/", {"created_after": "not a date", "status": "x"}
    ).status_code in (200, 400)
    assert client.get("/api/tickets/", {"page": "999"}).status_code == 404
    assert Ticket.objects.count() == 1


def test_a_script_in_a_title_comes_back_as_plain_json_text(api, client_a, ref):
    response = api(client_a).post("/api/tickets/", {"title": "<script>alert(1)</script>"})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == "<script>alert(1)</script>"


def test_reply_note_and_status_write_the_timeline(api, agent, client_a, ticket_a, ref):
    client = api(agent)
    assert client.post(ticket_url(ticket_a, "replies"), {"body": "Bonjour"}).status_code == 201
    assert client.post(ticket_url(ticket_a, "notes"), {"body": "Note"}).status_code == 201
    moved = client.post(ticket_url(ticket_a, "status"), {"status": "en-cours", "note": "go"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"]["code"] == "en-cours"
    same = client.post(ticket_url(ticket_a, "status"), {"status": "en-cours"})
    assert same.status_code == 409
    assert client.post(ticket_url(ticket_a, "status"), {"status": "nope"}).status_code == 400
    kinds = list(Event.objects.filter(ticket=ticket_a).values_list("kind", flat=True))
    assert {Event.Kind.REPLY, Event.Kind.NOTE, Event.Kind.STATUS} <= set(kinds)
    # The client's reply is a question, on their own ticket.
    assert api(client_a).post(ticket_url(ticket_a, "replies"), {"body": "Merci"}).status_code == 201


def test_the_list_takes_the_queues_filters_and_pages(
    api, agent, make_ticket, client_a, client_b, ref
):
    for n in range(3):
        make_ticket(client_a, title=f"Alpha {n}")
    make_ticket(client_b, title="Beta only")
    client = api(agent, "read")
    everything = client.get("/api/tickets/", {"page_size": 2}).json()
    assert everything["count"] == 4
    assert len(everything["results"]) == 2 and everything["next"]
    mine = client.get("/api/tickets/", {"organization": client_b.organization_id}).json()
    assert [row["title"] for row in mine["results"]] == ["Beta only"]
    searched = client.get("/api/tickets/", {"q": "Alpha"}).json()
    assert searched["count"] == 3


def test_list_and_detail_queries_do_not_grow_with_rows(
    api, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = api(agent, "read")
    for n in range(3):
        ticket = make_ticket(client_a, title=f"T{n}")
        ticket_services.reply(actor=agent, ticket=ticket, body="r", internal=True)
    client.get("/api/tickets/")  # the reference cache
    with django_assert_max_num_queries(12):
        client.get("/api/tickets/")
    with django_assert_max_num_queries(16):
        client.get(ticket_url(ticket))
    for n in range(20):
        make_ticket(client_a, title=f"U{n}")
        ticket_services.reply(actor=agent, ticket=ticket, body=f"r{n}")
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/tickets/").json()["results"]) == 23
    with django_assert_max_num_queries(16):
        client.get(ticket_url(ticket))
    with django_assert_max_num_queries(8):
        client.get("/api/organizations/")
    with django_assert_max_num_queries(8):
        client.get("/api/contacts/")


# --- organizations and contacts ------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_organizations_and_contacts_answer_as_their_pages(
    who, request, api, login, org_a, org_b, client_a, client_b
):
    user = request.getfixturevalue(who)
    client = api(user, "read")
    page = login(user)
    for organization in (org_a, org_b):
        shown = page.get(
            reverse("accounts:organization-detail", args=[organization.pk])
        ).status_code
        answered = client.get(f"/api/organizations/{organization.pk}/").status_code
        assert answered == (200 if shown == 200 else 404), organization.name
    for contact in (client_a, client_b):
        shown = page.get(reverse("tickets:contact", args=[contact.pk])).status_code
        answered = client.get(f"/api/contacts/{contact.pk}/").status_code
        assert answered == (200 if shown == 200 else 404), contact.email
    assert client.get("/api/organizations/99999999/").status_code == 404
    assert client.get("/api/contacts/99999999/").status_code == 404


def test_a_client_lists_only_their_organization_and_its_people(api, client_a, client_b, org_a):
    client = api(client_a, "read")
    organizations = client.get("/api/organizations/").json()["results"]
    assert [row["id"] for row in organizations] == [org_a.pk]
    emails = {row["email"] for row in client.get("/api/contacts/").json()["results"]}
    assert client_a.email in emails and client_b.email not in emails
    assert client.get("/api/contacts/", {"organization": "x"}).status_code == 400


# --- rate limit, schema, documentation -----------------------------------------------------


def test_too_many_calls_are_slowed_down_with_429(api, client_a, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    client = api(client_a, "read")
    answers = [client.get("/api/organizations/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_openapi_schema_is_public_and_valid(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert {"/api/tickets/", "/api/tickets/{number}/replies/", "/api/contacts/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_documentation_page_loads_swagger_ui_from_our_own_files(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "<script>" not in page and "cdn" not in page.lower()
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert reverse("api:schema") in page


def test_the_api_root_lists_the_endpoints(api, client_a):
    data = api(client_a, "read").get("/api/").json()
    assert set(data) == {"tickets", "organizations", "contacts", "time-entries"}


ENDPOINTS = [
    ("get", "/api/"),
    ("get", "/api/tickets/"),
    ("post", "/api/tickets/"),
    ("get", "/api/tickets/1/"),
    ("post", "/api/tickets/1/replies/"),
    ("post", "/api/tickets/1/notes/"),
    ("post", "/api/tickets/1/status/"),
    ("get", "/api/organizations/"),
    ("get", "/api/organizations/1/"),
    ("get", "/api/contacts/"),
    ("get", "/api/contacts/1/"),
    ("get", "/api/time-entries/"),
    ("post", "/api/time-entries/"),
    ("get", "/api/time-entries/1/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_a_key_and_a_read_key_never_writes(method, path, client, api, agent):
    assert getattr(client, method)(path).status_code == 401
    reader = api(agent, "read")
    response = getattr(reader, method)(path)
    if method == "post":
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 404)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_session_cookie_does_not_open_the_api(method, path, login, agent):
    """The API is for keys: a logged-in browser gets 401 (no cross-site writes with a cookie)."""
    assert getattr(login(agent), method)(path).status_code == 401

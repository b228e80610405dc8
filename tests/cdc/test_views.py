"""Pages: list, creation, the tabbed detail, forged posts, outsiders, query counts."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdc import services
from cdc.models import ChangeRequest, Check
from cdc.workflow import State

TODAY = date.today()


def ticket_of(person, title="Export comptable"):
    """A real helpdesk ticket filed by person through the ticket services."""
    from tests.tickets.conftest import ensure_reference_data
    from tickets import services as ticket_services
    from tickets.models import TicketType

    ensure_reference_data()
    return ticket_services.create_ticket(
        actor=person, title=title, description="…", type=TicketType.objects.first()
    )


def test_client_admin_creates_a_request_and_sees_the_requester_card(
    login, client_admin_a, client_a
):
    ticket = ticket_of(client_a)
    client = login(client_admin_a)
    page = client.get(reverse("cdc:new") + f"?ticket={ticket.number}")
    assert page.status_code == 200
    assert f'value="{ticket.number}"'.encode() in page.content
    card = client.get(reverse("cdc:requester-card"), {"requester": client_admin_a.pk})
    assert b"DSI" in card.content and b"boss@alpha.test" in card.content
    response = client.post(
        reverse("cdc:new"),
        {
            "organization": client_admin_a.organization_id,
            "requester": client_a.pk,
            "kind": "change",
            "title": "Add a column",
            "description": "Please.",
            "client_deadline": str(TODAY + timedelta(10)),
            "ticket_number": str(ticket.number),
        },
    )
    cr = ChangeRequest.objects.get()
    assert response.status_code == 302 and response.url == cr.get_absolute_url()
    assert (cr.requester, cr.ticket, cr.state) == (client_a, ticket, State.DRAFT)
    assert f"/tickets/{ticket.number}/" in client.get(cr.get_absolute_url()).content.decode()


def test_a_forged_ticket_number_of_another_organization_is_refused(
    login, client_admin_a, client_a, client_b
):
    secret = ticket_of(client_b, title="Beta secret")
    response = login(client_admin_a).post(
        reverse("cdc:new"),
        {
            "organization": client_admin_a.organization_id,
            "requester": client_a.pk,
            "kind": "change",
            "title": "Typed title kept",
            "description": "Please.",
            "ticket_number": str(secret.number),
        },
    )
    assert response.status_code in (200, 400)
    assert "Typed title kept" in response.content.decode()
    assert "Beta secret" not in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_requester_card_does_not_leak_other_organization_people(login, client_admin_a, client_b):
    card = login(client_admin_a).get(reverse("cdc:requester-card"), {"requester": client_b.pk})
    assert b"beta.test" not in card.content


@pytest.mark.parametrize(
    "persona", ["client_a", "agent", "sales", "developer", "controller", "reseller"]
)
def test_creation_page_is_hidden_from_other_roles(persona, request, login):
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(reverse("cdc:new")).status_code == 404
    assert client.get(reverse("cdc:requester-card")).status_code == 404
    assert b"New change request" not in client.get(reverse("cdc:list")).content


def test_outsider_gets_404_everywhere(build, login, client_b, client_admin_a):
    cr = build.in_development()
    attachment_cr = build.draft()
    services.add_attachment(
        actor=client_admin_a,
        cr=attachment_cr,
        side="client",
        upload=SimpleUploadedFile("a.png", b"\x89PNG"),
        info=type("I", (), {"filename": "a.png", "content_type": "image/png", "size": 4}),
    )
    attachment = attachment_cr.attachments.get()
    client = login(client_b)
    for url in [
        reverse("cdc:detail", args=[cr.number]),
        reverse("cdc:download", args=[attachment_cr.number, attachment.pk]),
    ]:
        assert client.get(url).status_code == 404
    for name in [
        "cdc:submit",
        "cdc:deliver",
        "cdc:decision",
        "cdc:acceptance",
        "cdc:task-add",
        "cdc:analysis",
        "cdc:dpo",
        "cdc:request-edit",
    ]:
        assert client.post(reverse(name, args=[cr.number]), {}).status_code == 404
    assert client.post(reverse("cdc:upload", args=[cr.number, "client"]), {}).status_code == 404
    assert client.post(reverse("cdc:task-dates", args=[cr.number, 1]), {}).status_code == 404
    assert client.post(reverse("cdc:task-check", args=[cr.number, 1]), {}).status_code == 404
    listing = client.get(reverse("cdc:list")).content.decode()
    assert cr.title not in listing
    assert client.get(reverse("cdc:calendar")).status_code == 200
    assert f"CDC-{cr.number}" not in client.get(reverse("cdc:calendar-feed")).content.decode()


def test_forged_post_to_a_locked_tab_is_refused(build, login, client_admin_a, agent):
    cr = build.submitted()
    client = login(client_admin_a)
    response = client.post(
        reverse("cdc:request-edit", args=[cr.number]),
        {
            "organization": cr.organization_id,
            "requester": client_admin_a.pk,
            "kind": "fix",
            "title": "forged",
            "description": "forged",
            "version": cr.version,
        },
    )
    assert response.status_code == 403
    response = client.post(
        reverse("cdc:analysis", args=[cr.number]),
        {"solution": "forged", "planned_date": str(TODAY), "version": cr.version},
    )
    assert response.status_code == 403
    upload = client.post(
        reverse("cdc:upload", args=[cr.number, "client"]),
        {"file": SimpleUploadedFile("x.pdf", b"%PDF")},
    )
    assert upload.status_code == 403
    fresh = ChangeRequest.objects.get(pk=cr.pk)
    assert (fresh.title, fresh.solution, fresh.state) == (cr.title, "", State.ANALYSIS)
    assert not fresh.attachments.exists()


def test_wrong_dates_keep_the_input_and_change_nothing(build, login, admin, developer):
    cr = build.in_development()
    response = login(admin).post(
        reverse("cdc:task-add", args=[cr.number]),
        {
            "title": "Backend job",
            "developers": [developer.pk],
            "start_date": str(TODAY),
            "end_date": str(TODAY - timedelta(3)),
        },
    )
    assert response.status_code == 400
    assert "Backend job" in response.content.decode()
    assert "ne peut pas précéder la date de début" in response.content.decode()
    assert not cr.tasks.exists()


def test_a_hostile_file_name_downloads_under_a_safe_name(build, login, client_admin_a):
    cr = build.draft()
    client = login(client_admin_a)
    upload = SimpleUploadedFile("../../<b>x</b> évil.pdf", b"%PDF-1.4")
    assert (
        client.post(reverse("cdc:upload", args=[cr.number, "client"]), {"file": upload}).status_code
        == 302
    )
    attachment = cr.attachments.get()
    download = client.get(reverse("cdc:download", args=[cr.number, attachment.pk]))
    disposition = download["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "<" not in disposition and ".." not in disposition and "/" not in disposition
    assert "\n" not in disposition and "\r" not in disposition
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_the_whole_journey_through_the_pages(
    build,
    login,
    client_admin_a,
    agent,
    dpo,
    admin,
    developer,
    controller,
    django_capture_on_commit_callbacks,
):
    cr = build.draft()
    url = cr.get_absolute_url()
    client = login(client_admin_a)
    r = client.post(
        reverse("cdc:upload", args=[cr.number, "client"]),
        {"file": SimpleUploadedFile("spec.pdf", b"%PDF-1.4")},
    )
    assert r.status_code == 302
    attachment = cr.attachments.get()
    download = client.get(reverse("cdc:download", args=[cr.number, attachment.pk]))
    assert download["Content-Disposition"].startswith("inline")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        client.post(reverse("cdc:submit", args=[cr.number]), {"action": "submit"}).status_code
        == 302
    )
    login(agent)
    r = client.post(
        reverse("cdc:analysis", args=[cr.number]),
        {
            "solution": "Do it",
            "planned_date": str(TODAY + timedelta(5)),
            "version": ChangeRequest.objects.get(pk=cr.pk).version,
        },
    )
    assert r.status_code == 302
    docx = client.post(
        reverse("cdc:upload", args=[cr.number, "support"]),
        {"file": SimpleUploadedFile("q.docx", b"PK")},
    )
    assert docx.status_code == 403  # the specification step is over
    login(dpo)
    r = client.post(
        reverse("cdc:dpo", args=[cr.number]),
        {
            "gdpr_impact": "yes",
            "conclusions": "ok",
            "validated_on": str(TODAY),
            "version": ChangeRequest.objects.get(pk=cr.pk).version,
        },
    )
    assert r.status_code == 302
    login(client_admin_a)
    assert (
        client.post(
            reverse("cdc:decision", args=[cr.number]), {"decision": "validate", "comment": "go"}
        ).status_code
        == 302
    )
    login(admin)
    r = client.post(
        reverse("cdc:task-add", args=[cr.number]),
        {"title": "T", "developers": [developer.pk], "start_date": str(TODAY)},
    )
    assert r.status_code == 302
    task = cr.tasks.get()
    login(developer)
    assert (
        client.post(
            reverse("cdc:task-dates", args=[cr.number, task.pk]),
            {"start_date": str(TODAY), "end_date": str(TODAY + timedelta(1))},
        ).status_code
        == 302
    )
    login(controller)
    for kind in ("unit", "functional", "integration"):
        assert (
            client.post(
                reverse("cdc:task-check", args=[cr.number, task.pk]),
                {"kind": kind, "result": "pass"},
            ).status_code
            == 302
        )
    forged = client.post(
        reverse("cdc:task-check", args=[cr.number, task.pk]), {"kind": "gdpr", "result": "pass"}
    )
    assert forged.status_code == 400 and not Check.objects.filter(kind="gdpr").exists()
    login(dpo)
    assert (
        client.post(
            reverse("cdc:task-check", args=[cr.number, task.pk]), {"kind": "gdpr", "result": "pass"}
        ).status_code
        == 302
    )
    login(admin)
    assert client.post(reverse("cdc:deliver", args=[cr.number])).status_code == 302
    login(client_admin_a)
    assert (
        client.post(
            reverse("cdc:acceptance", args=[cr.number]), {"result": "accept", "comment": "ok"}
        ).status_code
        == 302
    )
    assert ChangeRequest.objects.get(pk=cr.pk).state == State.CLOSED
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-editable="true"' not in page.content.decode()  # closed: nothing left to edit


def _grow(build, cr, n):
    for i in range(n):
        services.add_task(
            actor=build.manager,
            cr=cr,
            title=f"t{i}",
            developers=[build.developer],
            start_date=TODAY,
            end_date=TODAY,
        )
    for task in cr.tasks.all():
        services.record_check(actor=build.controller, task=task, kind=Check.Kind.UNIT, passed=True)


@pytest.mark.parametrize("n", [1, 15])
@pytest.mark.parametrize("persona", ["admin", "client_admin_a", "controller"])
def test_detail_query_count_is_bounded(
    n, persona, request, build, login, django_assert_max_num_queries
):
    cr = build.in_development()
    _grow(build, cr, n)
    client = login(request.getfixturevalue(persona))
    with django_assert_max_num_queries(16):
        response = client.get(cr.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_list_query_count_is_bounded(n, build, login, agent, django_assert_max_num_queries):
    for _ in range(n):
        build.draft()
    client = login(agent)
    with django_assert_max_num_queries(11):  # with the top bar's timers read on a cold cache
        response = client.get(reverse("cdc:list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("cdc:calendar")).status_code == 200


def test_list_scopes_clients_and_support(build, login, client_a, agent, client_b, reseller, org_b):
    cr = build.draft()
    assert cr.title in login(client_a).get(reverse("cdc:list")).content.decode()
    assert cr.title in login(reseller).get(reverse("cdc:list")).content.decode()
    assert cr.title in login(agent).get(reverse("cdc:list") + "?state=draft").content.decode()
    assert cr.title not in login(client_b).get(reverse("cdc:list")).content.decode()


def test_calendar_and_feed_show_planned_dates(build, login, agent):
    cr = build.at_dpo()
    client = login(agent)
    month = cr.planned_date.strftime("%Y-%m")
    page = client.get(reverse("cdc:calendar"), {"month": month}).content.decode()
    assert f"CDC-{cr.number}" in page
    feed = client.get(reverse("cdc:calendar-feed"))
    assert feed["Content-Type"].startswith("text/calendar")
    assert f"DTSTART;VALUE=DATE:{cr.planned_date:%Y%m%d}" in feed.content.decode()


def test_tabs_greyed_for_client_and_support(build, login, client_admin_a, agent):
    cr = build.submitted()
    client_page = login(client_admin_a).get(cr.get_absolute_url()).content.decode()
    assert 'id="tab-request"' in client_page
    assert 'data-editable="true"' not in client_page  # nothing for the client at this step
    agent_page = login(agent).get(cr.get_absolute_url()).content.decode()
    assert agent_page.count('data-editable="true"') == 2  # specification and support files


def test_a_page_opens_on_the_tab_the_person_works_in_or_else_the_furthest_step_read(
    build, login, client_admin_a, agent
):
    draft = build.draft()
    assert login(client_admin_a).get(draft.get_absolute_url()).context["active"] == "request"
    # The agent has nothing to do on a draft: the request, not its attachments tab.
    assert login(agent).get(draft.get_absolute_url()).context["active"] == "request"
    submitted = build.submitted()
    assert login(agent).get(submitted.get_absolute_url()).context["active"] == "specification"
    # The client waits for the support: the furthest step reached that has a reading.
    assert login(client_admin_a).get(submitted.get_absolute_url()).context["active"] == (
        "specification"
    )


def test_client_edits_the_draft_then_it_locks(build, login, client_admin_a, client_a):
    ticket = ticket_of(client_a)
    cr = build.draft()
    client = login(client_admin_a)
    data = {
        "requester": client_a.pk,
        "kind": "fix",
        "title": "Fix the export",
        "description": "Broken.",
        "ticket_number": str(ticket.number),
        "version": cr.version,
    }
    response = client.post(reverse("cdc:request-edit", args=[cr.number]), data)
    assert response.status_code == 302
    cr.refresh_from_db()
    assert (cr.title, cr.requester, cr.ticket, cr.kind) == (
        "Fix the export",
        client_a,
        ticket,
        "fix",
    )
    assert cr.history.filter(action="edit_request").get().changes["title"][1] == "Fix the export"
    stale = client.post(reverse("cdc:request-edit", args=[cr.number]), data)
    assert stale.status_code == 400  # the version the user saw is out of date


def test_requester_card_fragment_query_count(login, client_admin_a, django_assert_max_num_queries):
    client = login(client_admin_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cdc:requester-card"), {"requester": client_admin_a.pk})
    assert b"boss@alpha.test" in response.content

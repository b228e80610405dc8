"""Issue 18, change requests: each role is offered only the checks it may record, the request
is plainly read only once sent, a refusal says what was refused in words, the history names
fields as people do, and the specification shows dates and amounts as the language writes them."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from billing import quotes
from cdc import services, workflow
from cdc.errors import TransitionRefused
from cdc.models import ChangeRequest, Check
from cdc.workflow import State

pytestmark = pytest.mark.django_db


def check_options(html: str) -> list[str]:
    """The kinds offered by the check form's <select name="kind">."""
    select = re.search(r'<select name="kind".*?</select>', html, re.S)
    return re.findall(r'<option value="([a-z]+)"', select.group(0)) if select else []


def test_the_controller_is_offered_the_tests_and_the_dpo_the_gdpr_check(
    build, login, controller, dpo, admin
):
    cr = build.in_development(gdpr=True)
    services.add_task(
        actor=admin,
        cr=cr,
        title="Backend",
        developers=[],
        start_date=date.today(),
        end_date=date.today() + timedelta(days=2),
    )
    url = reverse("cdc:detail", args=[cr.number]) + "?tab=checks"
    assert check_options(login(controller).get(url).content.decode()) == [
        "unit",
        "functional",
        "integration",
    ]
    assert check_options(login(dpo).get(url).content.decode()) == ["gdpr"]


def test_a_check_kind_not_offered_is_refused_as_a_form_error_and_nothing_is_recorded(
    build, login, controller, dpo, admin
):
    cr = build.in_development(gdpr=True)
    task = services.add_task(
        actor=admin,
        cr=cr,
        title="Backend",
        developers=[],
        start_date=date.today(),
        end_date=date.today() + timedelta(days=2),
    )
    post = {"kind": "gdpr", "result": "pass", "comment": "typed by the controller"}
    response = login(controller).post(reverse("cdc:task-check", args=[cr.number, task.pk]), post)
    assert response.status_code == 400
    assert "typed by the controller" in response.content.decode()  # what was typed is kept
    post = {"kind": "unit", "result": "pass"}
    assert (
        login(dpo).post(reverse("cdc:task-check", args=[cr.number, task.pk]), post).status_code
        == 400
    )
    assert not Check.objects.exists()
    allowed = {"kind": "unit", "result": "pass"}
    assert (
        login(controller)
        .post(reverse("cdc:task-check", args=[cr.number, task.pk]), allowed)
        .status_code
        == 302
    )
    assert list(Check.objects.values_list("kind", flat=True)) == ["unit"]


def test_a_person_with_no_check_to_record_gets_no_check_form(build, login, admin):
    cr = build.in_development(gdpr=False)
    build.green_task(cr)
    html = login(admin).get(reverse("cdc:detail", args=[cr.number]) + "?tab=checks").content
    assert check_options(html.decode()) == []


def test_at_the_client_decision_the_request_tab_is_read_only_and_says_where_to_decide(
    build, login, client_admin_a
):
    cr = build.at_decision()
    html = login(client_admin_a).get(reverse("cdc:detail", args=[cr.number])).content.decode()
    before, after = html.split('id="pane-request"')
    assert "cdc-pane-readonly" in before.rsplit("<section", 1)[1]
    request_pane = after.split("</section>")[0]
    assert reverse("cdc:request-edit", args=[cr.number]) not in request_pane
    assert re.search(
        r"Validez-la ou annulez-la dans l'onglet «\sDécision du client\s»", request_pane
    )
    # The decision tab is the one open to them.
    before, _after = html.split('id="pane-decision"')
    assert "cdc-pane-readonly" not in before.rsplit("<section", 1)[1]


def test_saving_a_request_left_open_after_it_was_sent_shows_the_page_with_why(
    build, login, client_admin_a
):
    cr = build.at_decision()
    response = login(client_admin_a).post(
        reverse("cdc:request-edit", args=[cr.number]),
        {
            "organization": cr.organization_id,
            "requester": client_admin_a.pk,
            "kind": "fix",
            "title": "Changed too late",
            "description": "…",
            "version": cr.version,
        },
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "alert" in html and cr.get_state_display() in html  # a message, on the request's page
    assert "<h1>" in html and cr.title in html
    assert ChangeRequest.objects.get(pk=cr.pk).title == cr.title


def test_a_refusal_names_the_action_in_words(build, controller):
    cr = build.submitted()
    with pytest.raises(TransitionRefused) as refused, translation.override("en"):
        services.save_analysis(actor=controller, cr=cr, solution="x")
    message = str(refused.value)
    assert "Saving the specification is not open to you" in message
    assert "save_analysis" not in message and "save analysis" not in message


def test_every_action_has_a_name_for_refusals():
    assert set(workflow.ACTIONS) <= set(workflow.ACTION_NAMES)


def test_history_names_fields_and_steps_in_words(build, login, agent, admin):
    cr = build.submitted()
    cr = services.save_analysis(
        actor=agent,
        cr=cr,
        solution="A CSV button.",
        planned_date=date.today() + timedelta(days=30),
    )
    agent.language = "en"  # a logged-in person gets their profile's language
    agent.save(update_fields=["language"])
    html = login(agent).get(reverse("cdc:detail", args=[cr.number]))
    history = html.content.decode().split("cdc-history")[1]
    for raw in ("planned_date", "client_deadline"):
        assert raw not in history
    assert "planned date" in history and "solution" in history


def test_the_history_says_who_delivered_in_a_sentence(build, admin):
    cr = build.delivered()
    entry = cr.history.get(action="deliver")
    with translation.override("fr"):
        assert str(entry.action_label) == "a livré le développement"
    task_entry = cr.history.filter(action="record_check").first()
    with translation.override("en"):
        assert task_entry.changed_fields[0].startswith("task: ")
        assert "test" in task_entry.changed_fields[0]


def test_the_specification_shows_dates_and_amounts_as_french_writes_them(build, login, dpo, agent):
    cr = build.submitted()
    quotes.send_quote(actor=agent, cr=cr, description="CSV export", amount=Decimal("1500.5"))
    cr = services.save_analysis(
        actor=agent, cr=cr, solution="A CSV button.", planned_date=date.today() + timedelta(9)
    )
    ChangeRequest.objects.filter(pk=cr.pk).update(planned_date=date(2026, 3, 5))
    client = login(dpo)
    client.cookies["django_language"] = "fr"
    html = client.get(
        reverse("cdc:detail", args=[cr.number]) + "?tab=specification", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    pane = html.split('id="pane-specification"')[1].split("</section>")[0]
    assert "2026-03-05" not in pane
    assert "5 mars 2026" in pane
    # The quote is a billing estimate: its panel is a fragment the page loads.
    assert reverse("billing:cdc-quote", args=[cr.number]) in html
    panel = client.get(
        reverse("billing:cdc-quote", args=[cr.number]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert re.search(r"1\s500,50", panel), panel


def test_a_closed_request_reads_cloturee_and_a_ticket_ferme(build, client_admin_a):
    with translation.override("fr"):
        assert translation.pgettext("change request", "Closed") == "Clôturée"
        assert translation.gettext("Closed") == "Fermé"
        assert str(ChangeRequest._meta.get_field("closed_at").verbose_name) == "clôturée"
    assert State.CLOSED.label

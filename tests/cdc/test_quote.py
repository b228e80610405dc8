"""The quote of a change request (step 3) is a billing Estimate: sent by support from the
request's quote panel, emailed with the single-use link at the decision step, and answered
by the client; accepting validates the request, refusing cancels it with the reason."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing import quotes
from billing import services as billing_services
from billing.models import Estimate
from cdc import services
from cdc.workflow import State
from tests.tickets.conftest import _english, make_ticket, ref, ticket_a  # noqa: F401


def _quoted(build, agent, amount="1850.00"):
    """A request at the DPO step with a quote sent during the analysis."""
    cr = build.submitted()
    quotes.send_quote(actor=agent, cr=cr, description="CSV export", amount=Decimal(amount))
    return services.save_analysis(
        actor=agent, cr=cr, solution="A CSV button.", planned_date=date.today() + timedelta(9)
    )


def _to_decision(build, cr):
    return services.save_dpo_review(
        actor=build.dpo, cr=cr, gdpr_impact=False, conclusions="OK", validated_on=date.today()
    )


def test_the_client_gets_the_quote_link_at_the_decision_step_and_accepting_validates(
    build, agent, client_admin_a, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cr = _quoted(build, agent)
    assert not [m for m in mail.outbox if "Quote to approve" in m.subject]  # not before the DPO
    with django_capture_on_commit_callbacks(execute=True):
        cr = _to_decision(build, cr)
    [email] = [m for m in mail.outbox if "Quote to approve" in m.subject]
    assert email.to == [client_admin_a.email]
    assert f"CDC-{cr.number}" in email.subject
    token = re.search(r"/billing/estimates/answer/([^/\s]+)/", email.body).group(1)
    client = login(client_admin_a)
    page = client.get(reverse("billing:estimate-link", args=[token]))
    assert f"CDC-{cr.number}" in page.content.decode()
    answer = client.post(reverse("billing:estimate-link", args=[token]), {"answer": "accept"})
    assert answer.status_code == 302 and answer["Location"] == cr.get_absolute_url()
    cr.refresh_from_db()
    assert cr.state == State.DEVELOPMENT and cr.decision == cr.Decision.VALIDATED
    estimate = Estimate.objects.get(change_request=cr)
    assert estimate.state == Estimate.State.ACCEPTED and estimate.decided_by == client_admin_a
    assert cr.history.filter(action="validate", actor=client_admin_a).exists()
    # The link works once.
    again = client.get(reverse("billing:estimate-link", args=[token]))
    assert again.status_code == 410


def test_refusing_the_quote_cancels_the_request_with_the_reason(
    build, agent, client_admin_a, login
):
    cr = _to_decision(build, _quoted(build, agent))
    estimate = Estimate.objects.get(change_request=cr)
    client = login(client_admin_a)
    panel = client.get(reverse("billing:cdc-quote", args=[cr.number])).content.decode()
    assert "estimate-accept" in panel and "1,850.00" in panel
    r = client.post(reverse("billing:estimate-refuse", args=[estimate.pk]), {"reason": "Too dear"})
    assert r.status_code == 302
    cr.refresh_from_db()
    estimate.refresh_from_db()
    assert cr.state == State.CANCELLED and cr.decision == cr.Decision.CANCELLED
    assert cr.decision_comment == "Too dear"
    assert estimate.state == Estimate.State.REFUSED and estimate.refusal_reason == "Too dear"


def test_a_decision_in_the_decision_tab_settles_the_pending_quote(build, agent, client_admin_a):
    cr = _to_decision(build, _quoted(build, agent))
    services.decide(actor=client_admin_a, cr=cr, validate=True, comment="Go")
    assert Estimate.objects.get(change_request=cr).state == Estimate.State.ACCEPTED
    other = _to_decision(build, _quoted(build, agent))
    services.decide(actor=client_admin_a, cr=other, validate=False, comment="Not now")
    refused = Estimate.objects.get(change_request=other)
    assert refused.state == Estimate.State.REFUSED and refused.refusal_reason == "Not now"


def test_a_new_quote_replaces_the_pending_one_and_only_support_sends_during_analysis(
    build, agent, dpo, client_admin_a
):
    cr = build.submitted()
    first = quotes.send_quote(actor=agent, cr=cr, description="v1", amount=Decimal("100"))
    second = quotes.send_quote(actor=agent, cr=cr, description="v2", hours=Decimal("12.5"))
    first.refresh_from_db()
    assert first.state == Estimate.State.REPLACED and second.is_pending
    for outsider in (dpo, client_admin_a):
        with pytest.raises(PermissionDenied):
            quotes.send_quote(actor=outsider, cr=cr, description="x", amount=Decimal("1"))
    cr = services.save_analysis(
        actor=agent, cr=cr, solution="Spec", planned_date=date.today() + timedelta(3)
    )
    with pytest.raises(PermissionDenied):  # the specification step is over
        quotes.send_quote(actor=agent, cr=cr, description="late", amount=Decimal("1"))


def test_the_client_cannot_answer_before_the_decision_step(build, agent, client_admin_a, login):
    cr = _quoted(build, agent)  # at the DPO step
    estimate = Estimate.objects.get(change_request=cr)
    with pytest.raises(PermissionDenied):
        billing_services.accept_estimate(actor=client_admin_a, estimate=estimate)
    client = login(client_admin_a)
    panel = client.get(reverse("billing:cdc-quote", args=[cr.number])).content.decode()
    assert "estimate-accept" not in panel and "1,850.00" in panel
    assert client.post(reverse("billing:estimate-accept", args=[estimate.pk])).status_code == 403
    cr.refresh_from_db()
    assert cr.state == State.DPO_REVIEW


def test_quote_panel_and_answers_follow_the_request_access(
    build, agent, client_admin_a, client_b, sales, login
):
    cr = _to_decision(build, _quoted(build, agent))
    estimate = Estimate.objects.get(change_request=cr)
    panel_url = reverse("billing:cdc-quote", args=[cr.number])
    client = login(client_b)  # another organization: hidden
    assert client.get(panel_url).status_code == 404
    assert client.post(reverse("billing:estimate-accept", args=[estimate.pk])).status_code == 404
    assert client.get(reverse("billing:estimate-document", args=[estimate.pk])).status_code == 404
    send = reverse("billing:cdc-quote-send", args=[cr.number])
    assert client.post(send, {"amount": "1", "description": "x"}).status_code == 404
    client = login(agent)  # sees it, may not answer for the client, nor send at step 5
    assert client.get(panel_url).status_code == 200
    assert client.post(reverse("billing:estimate-accept", args=[estimate.pk])).status_code == 403
    assert client.post(send, {"amount": "1", "description": "x"}).status_code == 403
    estimate.refresh_from_db()
    assert estimate.is_pending


def test_support_sends_a_quote_from_the_panel_keeping_what_was_typed_on_error(build, agent, login):
    cr = build.submitted()
    client = login(agent)
    send = reverse("billing:cdc-quote-send", args=[cr.number])
    bad = client.post(
        send, {"amount": "", "description": "<script>alert(1)</script>"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    ok = client.post(send, {"amount": "1 250,50", "description": "Export"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    estimate = Estimate.objects.get(change_request=cr)
    assert estimate.amount == Decimal("1250.50") and estimate.ticket is None
    assert 'id="cdc-quote"' in ok.content.decode()


def test_the_quote_panel_query_count_does_not_grow_with_quotes(
    build, agent, client_admin_a, login, django_assert_max_num_queries
):
    cr = build.submitted()
    client = login(client_admin_a)
    url = reverse("billing:cdc-quote", args=[cr.number])
    for n in range(6):
        quotes.send_quote(actor=agent, cr=cr, description=f"v{n}", amount=Decimal(n + 1))
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_a_ticket_time_box_does_not_offer_its_change_requests_quote(
    build,
    agent,
    login,
    ticket_a,  # noqa: F811
):
    cr = build.draft(ticket_number=ticket_a.number)
    cr = services.submit_change_request(actor=build.client, cr=cr)
    quotes.send_quote(actor=agent, cr=cr, description="CDC quote", amount=Decimal("9"))
    assert Estimate.objects.get(change_request=cr).ticket == ticket_a
    box = login(agent).get(reverse("billing:time-box", args=[ticket_a.number])).content.decode()
    assert "CDC quote" not in box and "No estimate on this ticket" in box

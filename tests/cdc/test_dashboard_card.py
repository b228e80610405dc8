"""The dashboard's "Change requests waiting for you": the DPO, developers and controllers find
their work on the home page; everyone sees only requests whose step has an action for them."""

from django.test import Client

from tests.conftest import verified_login


def _dashboard(user):
    return verified_login(Client(), user).get("/").content.decode()


def test_each_role_sees_the_requests_waiting_for_them(build, dpo, developer, controller, agent):
    at_dpo = build.at_dpo(title="Waiting for the DPO")
    in_dev = build.in_development(title="Being developed")
    analysis = build.submitted(title="Waiting for the hotline")
    build.draft(title="Still a draft")

    dpo_page = _dashboard(dpo)
    assert f"CDC-{at_dpo.number}" in dpo_page
    assert "Being developed" not in dpo_page  # no GDPR impact: no GDPR check to record
    assert "Still a draft" not in dpo_page

    dev_page = _dashboard(developer)
    assert "Being developed" in dev_page
    assert "Waiting for the DPO" not in dev_page

    controller_page = _dashboard(controller)
    assert "Being developed" in controller_page
    assert "Waiting for the hotline" not in controller_page
    # The controller has no ticket queue: no empty "Your open tickets" card.
    assert 'class="card dashboard-tickets' not in controller_page

    agent_page = _dashboard(agent)
    assert f"CDC-{analysis.number}" in agent_page
    assert 'class="card dashboard-tickets' in agent_page


def test_the_client_sees_the_decision_waiting_and_nothing_of_other_organizations(
    build, client_admin_a, client_b
):
    decision = build.at_decision(title="Your decision please")
    assert f"CDC-{decision.number}" in _dashboard(client_admin_a)
    assert "Your decision please" not in _dashboard(client_b)


def test_nothing_waiting_says_so(dpo):
    page = _dashboard(dpo)
    assert "dashboard-cdc" in page
    assert "dashboard-tickets" not in page


def test_the_card_costs_a_bounded_number_of_queries(build, dpo, django_assert_max_num_queries):
    for n in range(6):
        build.at_dpo(title=f"Request {n}")
    client = verified_login(Client(), dpo)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.content.decode().count("CDC-") >= 6

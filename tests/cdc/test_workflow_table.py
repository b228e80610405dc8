"""The change-request transition table (cdc/workflow.py), read as its users meet it.

Each expectation is written out by hand from the seven steps of the specification: who may
fire which action at which step and where it leads, what is refused (wrong step, wrong role,
a client of another organization), and which tabs each person sees greyed. Changing one entry
of the table makes one of these tests fail.
"""

import pytest

from accounts.models import Role
from cdc import access, services, workflow
from cdc.errors import TransitionRefused
from cdc.workflow import State, WorkflowRole
from tests.factories import make_user

S = State
CLIENT, SUPPORT, DPO = WorkflowRole.CLIENT, WorkflowRole.SUPPORT, WorkflowRole.DPO
MANAGER, DEVELOPER, CONTROLLER = (
    WorkflowRole.MANAGER,
    WorkflowRole.DEVELOPER,
    WorkflowRole.CONTROLLER,
)

# (workflow role, state, action) -> the state it leads to.
ALLOWED = [
    (CLIENT, S.DRAFT, "edit_request", S.DRAFT),
    (CLIENT, S.DRAFT, "add_client_file", S.DRAFT),
    (CLIENT, S.DRAFT, "submit", S.ANALYSIS),
    (CLIENT, S.DRAFT, "cancel", S.CANCELLED),
    (CLIENT, S.CLIENT_DECISION, "validate", S.DEVELOPMENT),
    (CLIENT, S.CLIENT_DECISION, "cancel", S.CANCELLED),
    (CLIENT, S.DELIVERED, "accept", S.CLOSED),
    (CLIENT, S.DELIVERED, "refuse", S.DEVELOPMENT),
    (SUPPORT, S.ANALYSIS, "save_analysis", S.ANALYSIS),
    (SUPPORT, S.ANALYSIS, "add_support_file", S.ANALYSIS),
    (SUPPORT, S.ANALYSIS, "plan", S.DPO_REVIEW),
    (DPO, S.DPO_REVIEW, "save_dpo_review", S.DPO_REVIEW),
    (DPO, S.DPO_REVIEW, "validate_dpo", S.CLIENT_DECISION),
    (DPO, S.DEVELOPMENT, "record_gdpr_check", S.DEVELOPMENT),
    (MANAGER, S.DEVELOPMENT, "add_task", S.DEVELOPMENT),
    (MANAGER, S.DEVELOPMENT, "edit_task", S.DEVELOPMENT),
    (MANAGER, S.DEVELOPMENT, "deliver", S.DELIVERED),
    (DEVELOPER, S.DEVELOPMENT, "edit_task", S.DEVELOPMENT),
    (CONTROLLER, S.DEVELOPMENT, "record_check", S.DEVELOPMENT),
]


def _id(case):
    return "-".join(str(part) for part in case[:3])


@pytest.mark.parametrize(("role", "state", "action", "after"), ALLOWED, ids=map(_id, ALLOWED))
def test_a_role_may_fire_its_actions_at_its_step(role, state, action, after):
    assert workflow.next_state(state, action, {role}) == after


# The right step, the wrong person.
WRONG_ROLE = [
    (SUPPORT, S.DRAFT, "submit"),
    (DPO, S.DRAFT, "edit_request"),
    (CLIENT, S.ANALYSIS, "plan"),
    (DPO, S.ANALYSIS, "plan"),
    (MANAGER, S.ANALYSIS, "save_analysis"),
    (CLIENT, S.DPO_REVIEW, "validate_dpo"),
    (SUPPORT, S.DPO_REVIEW, "validate_dpo"),
    (SUPPORT, S.CLIENT_DECISION, "validate"),
    (DPO, S.CLIENT_DECISION, "cancel"),
    (DEVELOPER, S.DEVELOPMENT, "add_task"),
    (DEVELOPER, S.DEVELOPMENT, "deliver"),
    (CONTROLLER, S.DEVELOPMENT, "deliver"),
    (CONTROLLER, S.DEVELOPMENT, "record_gdpr_check"),
    (DPO, S.DEVELOPMENT, "record_check"),
    (MANAGER, S.DEVELOPMENT, "record_check"),
    (SUPPORT, S.DELIVERED, "accept"),
    (MANAGER, S.DELIVERED, "refuse"),
]

# The right person, the wrong step.
WRONG_STATE = [
    (CLIENT, S.ANALYSIS, "submit"),
    (CLIENT, S.ANALYSIS, "edit_request"),
    (CLIENT, S.DPO_REVIEW, "cancel"),
    (CLIENT, S.DEVELOPMENT, "cancel"),
    (CLIENT, S.DELIVERED, "cancel"),
    (CLIENT, S.DEVELOPMENT, "accept"),
    (SUPPORT, S.DRAFT, "save_analysis"),
    (SUPPORT, S.DPO_REVIEW, "plan"),
    (DPO, S.CLIENT_DECISION, "save_dpo_review"),
    (DPO, S.DELIVERED, "record_gdpr_check"),
    (MANAGER, S.CLIENT_DECISION, "add_task"),
    (MANAGER, S.DELIVERED, "deliver"),
    (CONTROLLER, S.DELIVERED, "record_check"),
]


@pytest.mark.parametrize(("role", "state", "action"), WRONG_ROLE, ids=map(_id, WRONG_ROLE))
def test_another_role_may_not_fire_the_action(role, state, action):
    assert workflow.next_state(state, action, {role}) is None


@pytest.mark.parametrize(("role", "state", "action"), WRONG_STATE, ids=map(_id, WRONG_STATE))
def test_an_action_is_refused_outside_its_step(role, state, action):
    assert workflow.next_state(state, action, {role}) is None


def test_a_closed_or_cancelled_request_moves_no_more_for_anyone():
    everybody = set(WorkflowRole)
    assert workflow.allowed_actions(S.CLOSED, everybody) == set()
    assert workflow.allowed_actions(S.CANCELLED, everybody) == set()


# What each person finds to do at each step, the whole list: an action added to the table for
# a role shows up here.
ALLOWED_AT_STEP = [
    ({CLIENT}, S.DRAFT, {"edit_request", "add_client_file", "submit", "cancel"}),
    ({CLIENT}, S.ANALYSIS, set()),
    ({CLIENT}, S.CLIENT_DECISION, {"validate", "cancel"}),
    ({CLIENT}, S.DEVELOPMENT, set()),
    ({CLIENT}, S.DELIVERED, {"accept", "refuse"}),
    ({SUPPORT}, S.DRAFT, set()),
    ({SUPPORT}, S.ANALYSIS, {"save_analysis", "add_support_file", "plan"}),
    ({SUPPORT}, S.DEVELOPMENT, set()),
    ({DPO}, S.DPO_REVIEW, {"save_dpo_review", "validate_dpo"}),
    ({DPO}, S.DEVELOPMENT, {"record_gdpr_check"}),
    ({DPO}, S.DELIVERED, set()),
    ({MANAGER, DEVELOPER}, S.DEVELOPMENT, {"add_task", "edit_task", "deliver"}),
    ({DEVELOPER}, S.DEVELOPMENT, {"edit_task"}),
    ({CONTROLLER}, S.DEVELOPMENT, {"record_check"}),
    ({SUPPORT, MANAGER}, S.ANALYSIS, {"save_analysis", "add_support_file", "plan"}),
    ({SUPPORT, MANAGER}, S.DEVELOPMENT, {"add_task", "edit_task", "deliver"}),
    (set(), S.DRAFT, set()),
]


@pytest.mark.parametrize(
    ("roles", "state", "actions"),
    ALLOWED_AT_STEP,
    ids=[f"{'+'.join(sorted(r)) or 'nobody'}-{s}" for r, s, _a in ALLOWED_AT_STEP],
)
def test_what_each_role_may_do_at_a_step(roles, state, actions):
    assert workflow.allowed_actions(state, roles) == actions


# --- who holds which workflow role on a request of organization A ---------------------------

PERSONAS = {
    "admin": {SUPPORT, MANAGER},
    "agent": {SUPPORT},
    "agent_l2": {SUPPORT},
    "sales": set(),
    "dpo": {DPO},
    "developer": {MANAGER, DEVELOPER},
    "controller": {CONTROLLER},
    "client_a": set(),
    "client_a2": set(),
    "client_admin_a": {CLIENT},
    "gdpr_auditor_a": {CLIENT},
    "client_b": set(),
    "client_admin_b": set(),
    "reseller": set(),
}


@pytest.fixture
def client_admin_b(org_b):
    """A client administrator, but of organization B."""
    return make_user(
        Role.Code.CLIENT_USER,
        Role.Code.CLIENT_ADMIN,
        organization=org_b,
        email="boss@beta.test",
        first_name="Bert",
        last_name="Beta",
    )


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_each_persona_gets_its_workflow_roles(persona, request, build):
    cr = build.draft()
    user = request.getfixturevalue(persona)
    assert access.workflow_roles(user, cr) == PERSONAS[persona]


def test_an_admin_who_opened_the_request_for_a_client_also_holds_the_client_role(
    build, admin, client_admin_a
):
    cr = build.draft(actor=admin)
    assert access.workflow_roles(admin, cr) == {CLIENT, SUPPORT, MANAGER}
    assert access.can(admin, cr, "submit")


# --- refusals through the services: nothing moves, nothing is written -----------------------


def _unchanged(cr, state, history):
    cr.refresh_from_db()
    assert cr.state == state
    assert cr.history.count() == history


def test_sending_a_request_twice_is_refused(build, client_admin_a):
    cr = build.submitted()
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.submit_change_request(actor=client_admin_a, cr=cr)
    _unchanged(cr, S.ANALYSIS, history)


def test_support_may_not_send_the_clients_draft(build, agent):
    cr = build.draft()
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.submit_change_request(actor=agent, cr=cr)
    _unchanged(cr, S.DRAFT, history)


def test_the_client_may_not_write_the_specification(build, client_admin_a):
    cr = build.submitted()
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.save_analysis(actor=client_admin_a, cr=cr, solution="Do it my way")
    _unchanged(cr, S.ANALYSIS, history)


def test_support_may_not_validate_for_the_dpo(build, agent):
    cr = build.at_dpo()
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.save_dpo_review(
            actor=agent, cr=cr, gdpr_impact=False, conclusions="", validated_on=cr.planned_date
        )
    _unchanged(cr, S.DPO_REVIEW, history)


def test_a_controller_may_not_deliver(build, controller, admin):
    cr = build.in_development()
    build.green_task(cr)
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.deliver(actor=controller, cr=cr)
    _unchanged(cr, S.DEVELOPMENT, history)
    # The manager may: the refusal above was about the role, not the tasks.
    assert services.deliver(actor=admin, cr=cr).state == S.DELIVERED


def test_the_client_may_not_cancel_once_development_started(build, client_admin_a):
    cr = build.in_development()
    history = cr.history.count()
    with pytest.raises(TransitionRefused):
        services.cancel_change_request(actor=client_admin_a, cr=cr)
    _unchanged(cr, S.DEVELOPMENT, history)


@pytest.mark.parametrize("step", ["draft", "at_decision", "delivered"])
def test_a_client_administrator_of_another_organization_moves_nothing(
    step, build, client_admin_b, login
):
    cr = getattr(build, step)()
    state, history = cr.state, cr.history.count()
    verb = {
        "draft": lambda: services.submit_change_request(actor=client_admin_b, cr=cr),
        "at_decision": lambda: services.decide(actor=client_admin_b, cr=cr, validate=True),
        "delivered": lambda: services.accept_delivery(actor=client_admin_b, cr=cr),
    }[step]
    with pytest.raises(TransitionRefused):
        verb()
    _unchanged(cr, state, history)
    # Their pages do not even show it exists.
    assert login(client_admin_b).get(cr.get_absolute_url()).status_code == 404


# --- greyed tabs: which tabs a person may work in at each step ------------------------------

EDITABLE_TABS = [
    ("client_admin_a", "draft", {"request", "client_files"}),
    ("client_admin_a", "submitted", set()),
    ("client_admin_a", "at_dpo", set()),
    ("client_admin_a", "in_development", set()),
    ("client_admin_a", "delivered", {"acceptance"}),
    ("agent", "draft", set()),
    ("agent", "submitted", {"specification", "support_files"}),
    ("agent", "at_dpo", set()),
    ("dpo", "submitted", set()),
    ("dpo", "at_dpo", {"dpo"}),
    ("dpo", "in_development", {"checks"}),
    ("developer", "in_development", {"development"}),
    ("developer", "delivered", set()),
    ("controller", "in_development", {"checks"}),
    ("admin", "submitted", {"specification", "support_files"}),
    ("admin", "in_development", {"development"}),
    ("sales", "submitted", set()),
    ("client_a", "draft", set()),
]


@pytest.mark.parametrize(
    ("persona", "step", "editable"), EDITABLE_TABS, ids=[f"{p}-{s}" for p, s, _e in EDITABLE_TABS]
)
def test_the_tabs_a_person_may_work_in(persona, step, editable, request, build):
    cr = getattr(build, step)()
    user = request.getfixturevalue(persona)
    tabs = access.tabs_for(user, cr)
    assert [tab.key for tab in tabs] == [
        "request",
        "client_files",
        "specification",
        "support_files",
        "dpo",
        "decision",
        "development",
        "checks",
        "acceptance",
    ]
    assert {tab.key for tab in tabs if tab.editable} == editable
    assert {tab.key for tab in tabs if tab.greyed} == {tab.key for tab in tabs} - editable
    for tab in tabs:
        assert access.can_edit_tab(user, cr, tab.key) == (tab.key in editable)


def test_at_the_decision_step_the_client_works_only_in_the_decision_tab(build, client_admin_a):
    cr = build.at_decision()
    editable = {tab.key for tab in access.tabs_for(client_admin_a, cr) if tab.editable}
    assert editable == {"decision"}


REACHED_TABS = {
    "draft": {"request", "client_files"},
    "submitted": {"request", "client_files", "specification", "support_files"},
    "at_dpo": {"request", "client_files", "specification", "support_files", "dpo"},
    "delivered": {
        "request",
        "client_files",
        "specification",
        "support_files",
        "dpo",
        "decision",
        "development",
        "checks",
        "acceptance",
    },
}


@pytest.mark.parametrize("step", sorted(REACHED_TABS))
def test_tabs_of_steps_not_reached_yet_are_shown_as_not_reached(step, build, agent):
    cr = getattr(build, step)()
    reached = {tab.key for tab in access.tabs_for(agent, cr) if tab.reached}
    assert reached == REACHED_TABS[step]


def test_a_request_cancelled_at_the_decision_keeps_the_tabs_it_had_reached_all_greyed(
    build, client_admin_a
):
    cr = build.at_decision()
    cr = services.decide(actor=client_admin_a, cr=cr, validate=False, comment="Too expensive")
    assert cr.state == S.CANCELLED
    tabs = access.tabs_for(client_admin_a, cr)
    assert {tab.key for tab in tabs if tab.reached} == {
        "request",
        "client_files",
        "specification",
        "support_files",
        "dpo",
        "decision",
    }
    assert not any(tab.editable for tab in tabs)


def test_a_draft_cancelled_by_its_client_keeps_only_the_first_tabs(build, client_admin_a):
    cr = build.draft()
    cr = services.cancel_change_request(actor=client_admin_a, cr=cr)
    assert cr.state == S.CANCELLED
    reached = {tab.key for tab in access.tabs_for(client_admin_a, cr) if tab.reached}
    assert reached == {"request", "client_files"}


# --- the table is whole ---------------------------------------------------------------------


def test_every_tab_action_is_in_the_table():
    for tab in workflow.TABS:
        assert set(tab.actions) <= set(workflow.ACTIONS)


def test_every_action_has_a_history_label():
    assert set(workflow.ACTIONS) | {"create"} == set(workflow.ACTION_LABELS)

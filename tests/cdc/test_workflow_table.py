"""The transition table, cell by cell: every state x action x workflow role."""

import pytest

from cdc import access, workflow
from cdc.workflow import State, WorkflowRole

CELLS = [
    (state, action, role) for state in State for action in workflow.ACTIONS for role in WorkflowRole
]


@pytest.mark.parametrize(("state", "action", "role"), CELLS)
def test_transition_cell(state, action, role):
    entry = workflow.TRANSITIONS.get((state, action))
    expected = entry[0] if entry and role in entry[1] else None
    assert workflow.next_state(state, action, {role}) == expected


def test_table_covers_the_seven_steps():
    assert workflow.next_state(State.DRAFT, "submit", {WorkflowRole.CLIENT}) == State.ANALYSIS
    assert workflow.next_state(State.ANALYSIS, "plan", {WorkflowRole.SUPPORT}) == State.DPO_REVIEW
    assert (
        workflow.next_state(State.DPO_REVIEW, "validate_dpo", {WorkflowRole.DPO})
        == State.CLIENT_DECISION
    )
    assert (
        workflow.next_state(State.CLIENT_DECISION, "cancel", {WorkflowRole.CLIENT})
        == State.CANCELLED
    )
    assert (
        workflow.next_state(State.DELIVERED, "refuse", {WorkflowRole.CLIENT}) == State.DEVELOPMENT
    )
    # Terminal states allow nothing to anyone.
    for state in (State.CLOSED, State.CANCELLED):
        assert workflow.allowed_actions(state, set(WorkflowRole)) == set()


def test_every_tab_action_is_in_the_table():
    for tab in workflow.TABS:
        assert set(tab.actions) <= set(workflow.ACTIONS)


PERSONAS = {
    "admin": {WorkflowRole.SUPPORT, WorkflowRole.MANAGER},
    "agent": {WorkflowRole.SUPPORT},
    "agent_l2": {WorkflowRole.SUPPORT},
    "sales": set(),
    "dpo": {WorkflowRole.DPO},
    "developer": {WorkflowRole.MANAGER, WorkflowRole.DEVELOPER},
    "controller": {WorkflowRole.CONTROLLER},
    "client_a": set(),
    "client_a2": set(),
    "client_admin_a": {WorkflowRole.CLIENT},
    "gdpr_auditor_a": {WorkflowRole.CLIENT},
    "client_b": set(),
    "reseller": set(),
}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_each_persona_gets_its_workflow_roles(persona, request, build, client_admin_a):
    cr = build.draft()
    user = request.getfixturevalue(persona)
    assert access.workflow_roles(user, cr) == PERSONAS[persona]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("state", list(State))
def test_tabs_editable_follow_the_table(persona, state, request, build):
    cr = build.draft()
    cr.state = state
    user = request.getfixturevalue(persona)
    tabs = access.tabs_for(user, cr)
    assert [t.key for t in tabs] == list(workflow.TAB_KEYS)
    for tab in tabs:
        spec = next(t for t in workflow.TABS if t.key == tab.key)
        allowed = workflow.allowed_actions(state, PERSONAS[persona])
        assert tab.editable == (tab.reached and bool(allowed & set(spec.actions)))
        assert tab.editable == access.can_edit_tab(user, cr, tab.key)


def test_every_action_has_a_history_label():
    assert set(workflow.ACTIONS) | {"create"} == set(workflow.ACTION_LABELS)

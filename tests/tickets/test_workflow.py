"""The ticket status rules (tickets.workflow), without a database: what may follow what, who
sets a status, who reopens what, and what a customer's reply does."""

import pytest

from tickets import workflow
from tickets.errors import TransitionRefused
from tickets.models import Status
from tickets.workflow import StatusRole

C = Status.Category
CUSTOMER, ADMIN, AGENT = StatusRole.CUSTOMER, StatusRole.ADMIN, StatusRole.AGENT


def status(pk, category, *, active=True, name=None):
    return Status(
        pk=pk, code=f"s{pk}", category=category, is_active=active, name_fr=name or category
    )


def test_a_working_ticket_moves_to_any_other_active_status():
    workflow.check_transition(status(1, C.OPEN), status(2, C.WAITING_CLIENT))
    workflow.check_transition(status(1, C.NEW), status(3, C.RESOLVED))
    # A resolved ticket may still be closed (or put back to work) by staff.
    workflow.check_transition(status(3, C.RESOLVED), status(4, C.CLOSED))


def test_the_same_status_and_a_retired_one_are_refused():
    current = status(1, C.OPEN, name="En cours")
    with pytest.raises(TransitionRefused, match="already has"):
        workflow.check_transition(current, current)
    with pytest.raises(TransitionRefused, match="retired"):
        workflow.check_transition(current, status(2, C.OPEN, active=False))


@pytest.mark.parametrize("category", [C.CLOSED, C.CANCELLED])
def test_a_closed_or_cancelled_ticket_only_moves_by_reopening(category):
    with pytest.raises(TransitionRefused, match="reopen"):
        workflow.check_transition(status(1, category), status(2, C.OPEN))


def test_only_admins_and_agents_set_a_status():
    assert workflow.may_change_status({ADMIN})
    assert workflow.may_change_status({AGENT})
    assert not workflow.may_change_status({CUSTOMER})
    assert not workflow.may_change_status(set())  # sales reps, developers, the DPO...


def test_who_reopens_what():
    assert workflow.may_reopen(C.RESOLVED, {AGENT})
    assert workflow.may_reopen(C.CLOSED, {CUSTOMER})
    assert workflow.may_reopen(C.CANCELLED, {ADMIN})
    assert not workflow.may_reopen(C.CLOSED, {AGENT})
    assert workflow.may_reopen(C.CLOSED, {AGENT}, agents_reopen_closed=True)
    assert not workflow.may_reopen(C.CLOSED, set(), agents_reopen_closed=True)


@pytest.mark.parametrize("category", [C.NEW, C.OPEN, C.WAITING_CLIENT, C.WAITING_THIRD_PARTY])
def test_a_ticket_still_in_work_cannot_be_reopened(category):
    assert not workflow.may_reopen(category, {ADMIN, AGENT, CUSTOMER}, agents_reopen_closed=True)


def test_a_customer_reply_resumes_waiting_resolved_and_closed_tickets_only():
    resumed = {c for c in C if workflow.resumes_on_customer_reply(c)}
    assert resumed == {C.WAITING_CLIENT, C.RESOLVED, C.CLOSED, C.CANCELLED}


def test_leaving_work_remembers_where_to_come_back():
    assert workflow.remembers_previous(C.OPEN, C.WAITING_CLIENT)
    assert workflow.remembers_previous(C.NEW, C.RESOLVED)
    assert not workflow.remembers_previous(C.NEW, C.OPEN)
    assert not workflow.remembers_previous(C.WAITING_CLIENT, C.CLOSED)


def test_claiming_moves_only_a_new_ticket_and_work_is_over_once_final():
    assert workflow.claim_moves_to(C.NEW) == C.OPEN
    assert workflow.claim_moves_to(C.WAITING_CLIENT) is None
    assert workflow.is_open_to_work(C.WAITING_THIRD_PARTY)
    assert not workflow.is_open_to_work(C.RESOLVED)


def test_title_and_description_edits_follow_the_status():
    assert workflow.may_edit_text(C.CLOSED, {ADMIN}, is_requester=False)
    assert workflow.may_edit_text(C.RESOLVED, {AGENT}, is_requester=False)
    assert not workflow.may_edit_text(C.CLOSED, {AGENT}, is_requester=False)
    assert workflow.may_edit_text(C.NEW, {CUSTOMER}, is_requester=True)
    assert not workflow.may_edit_text(C.OPEN, {CUSTOMER}, is_requester=True)
    assert not workflow.may_edit_text(C.NEW, {CUSTOMER}, is_requester=False)

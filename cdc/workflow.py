"""The change-request workflow as data: states, actions, who may fire them, and the tabs.

TRANSITIONS maps (state, action) to (next state, workflow roles allowed). Services apply it,
access maps a person to workflow roles (accounts.roles facts), templates read tabs_for().
A tab is editable at its own step when one of its actions is allowed there for the person's
roles; it is "reached" once the request got to the step the tab belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ANALYSIS = "analysis", _("Support analysis")
    DPO_REVIEW = "dpo_review", _("DPO review")
    CLIENT_DECISION = "client_decision", _("Client decision")
    DEVELOPMENT = "development", _("Development")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Accepted and closed")
    CANCELLED = "cancelled", _("Cancelled")


class WorkflowRole(models.TextChoices):
    """Roles a person holds on one change request (decided by cdc.access)."""

    CLIENT = "client", _("Client (administrator, GDPR auditor or creator)")
    SUPPORT = "support", _("Support (admin or agent)")
    DPO = "dpo", _("DPO")
    MANAGER = "manager", _("Development manager (admin or developer)")
    DEVELOPER = "developer", _("Developer")
    CONTROLLER = "controller", _("Controller")


S, R = State, WorkflowRole
ALL_ROLES = tuple(R)

# (state, action) -> (next state, roles allowed). Nothing else moves a request.
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (S.DRAFT, "edit_request"): (S.DRAFT, frozenset({R.CLIENT})),
    (S.DRAFT, "add_client_file"): (S.DRAFT, frozenset({R.CLIENT})),
    (S.DRAFT, "submit"): (S.ANALYSIS, frozenset({R.CLIENT})),
    (S.DRAFT, "cancel"): (S.CANCELLED, frozenset({R.CLIENT})),
    (S.ANALYSIS, "save_analysis"): (S.ANALYSIS, frozenset({R.SUPPORT})),
    (S.ANALYSIS, "add_support_file"): (S.ANALYSIS, frozenset({R.SUPPORT})),
    (S.ANALYSIS, "plan"): (S.DPO_REVIEW, frozenset({R.SUPPORT})),
    (S.DPO_REVIEW, "save_dpo_review"): (S.DPO_REVIEW, frozenset({R.DPO})),
    (S.DPO_REVIEW, "validate_dpo"): (S.CLIENT_DECISION, frozenset({R.DPO})),
    (S.CLIENT_DECISION, "validate"): (S.DEVELOPMENT, frozenset({R.CLIENT})),
    (S.CLIENT_DECISION, "cancel"): (S.CANCELLED, frozenset({R.CLIENT})),
    (S.DEVELOPMENT, "add_task"): (S.DEVELOPMENT, frozenset({R.MANAGER})),
    (S.DEVELOPMENT, "edit_task"): (S.DEVELOPMENT, frozenset({R.MANAGER, R.DEVELOPER})),
    (S.DEVELOPMENT, "record_check"): (S.DEVELOPMENT, frozenset({R.CONTROLLER})),
    (S.DEVELOPMENT, "record_gdpr_check"): (S.DEVELOPMENT, frozenset({R.DPO})),
    (S.DEVELOPMENT, "deliver"): (S.DELIVERED, frozenset({R.MANAGER})),
    (S.DELIVERED, "accept"): (S.CLOSED, frozenset({R.CLIENT})),
    (S.DELIVERED, "refuse"): (S.DEVELOPMENT, frozenset({R.CLIENT})),
}

ACTIONS = tuple(sorted({action for _state, action in TRANSITIONS}))

# What the history shows for each action.
ACTION_LABELS = {
    "create": _("created the request"),
    "edit_request": _("edited the request"),
    "add_client_file": _("added a client attachment"),
    "submit": _("sent it to the hotline"),
    "cancel": _("cancelled the request"),
    "save_analysis": _("saved the specification"),
    "add_support_file": _("added a support attachment"),
    "plan": _("set the planned date"),
    "save_dpo_review": _("saved the DPO review"),
    "validate_dpo": _("validated the DPO review"),
    "validate": _("validated the specification"),
    "add_task": _("added a task"),
    "edit_task": _("changed a task"),
    "record_check": _("recorded a check"),
    "record_gdpr_check": _("recorded the GDPR check"),
    "deliver": _("delivered the development"),
    "accept": _("accepted the delivery"),
    "refuse": _("refused the delivery"),
}

# What a refusal names: the action a person tried ("… is not open to you at this step").
ACTION_NAMES = {
    "edit_request": _("Editing the request"),
    "add_client_file": _("Adding a client attachment"),
    "submit": _("Sending the request to the hotline"),
    "cancel": _("Cancelling the request"),
    "save_analysis": _("Saving the specification"),
    "add_support_file": _("Adding a support attachment"),
    "plan": _("Setting the planned date"),
    "save_dpo_review": _("Saving the DPO review"),
    "validate_dpo": _("Validating the DPO review"),
    "validate": _("Validating the specification"),
    "add_task": _("Adding a task"),
    "edit_task": _("Changing a task"),
    "record_check": _("Recording a unit, functional or integration check"),
    "record_gdpr_check": _("Recording the GDPR check"),
    "deliver": _("Delivering"),
    "accept": _("Accepting the delivery"),
    "refuse": _("Refusing the delivery"),
}

# Steps in order; a tab is reached once the request got to its step.
ORDER = [S.DRAFT, S.ANALYSIS, S.DPO_REVIEW, S.CLIENT_DECISION, S.DEVELOPMENT, S.DELIVERED, S.CLOSED]

# Notifications: the DPO is emailed only when the request reaches the DPO step.
DPO_NOTIFIED_STATES = frozenset({S.DPO_REVIEW})


@dataclass(frozen=True)
class TabSpec:
    key: str
    label: str
    reached_at: str
    actions: tuple[str, ...]


TABS = (
    TabSpec("request", _("Request"), S.DRAFT, ("edit_request", "submit", "cancel")),
    TabSpec("client_files", _("Client attachments"), S.DRAFT, ("add_client_file",)),
    TabSpec("specification", _("Specification"), S.ANALYSIS, ("save_analysis", "plan")),
    TabSpec("support_files", _("Support attachments"), S.ANALYSIS, ("add_support_file",)),
    TabSpec("dpo", _("DPO"), S.DPO_REVIEW, ("save_dpo_review", "validate_dpo")),
    TabSpec("decision", _("Client decision"), S.CLIENT_DECISION, ("validate", "cancel")),
    TabSpec("development", _("Development"), S.DEVELOPMENT, ("add_task", "edit_task", "deliver")),
    TabSpec("checks", _("Checks"), S.DEVELOPMENT, ("record_check", "record_gdpr_check")),
    TabSpec("acceptance", _("Acceptance"), S.DELIVERED, ("accept", "refuse")),
)
TAB_KEYS = tuple(tab.key for tab in TABS)

BADGE_CLASSES = {
    S.DRAFT: "text-bg-secondary",
    S.ANALYSIS: "text-bg-primary",
    S.DPO_REVIEW: "text-bg-info",
    S.CLIENT_DECISION: "text-bg-warning",
    S.DEVELOPMENT: "cdc-badge-dev",
    S.DELIVERED: "cdc-badge-delivered",
    S.CLOSED: "text-bg-success",
    S.CANCELLED: "text-bg-dark",
}


def next_state(state: str, action: str, roles) -> str | None:
    """The state after action, or None when it is not allowed for these roles in state."""
    entry = TRANSITIONS.get((state, action))
    if entry is None or not (entry[1] & set(roles)):
        return None
    return entry[0]


def allowed_actions(state: str, roles) -> set[str]:
    return {a for (s, a), (_n, who) in TRANSITIONS.items() if s == state and who & set(roles)}


def is_reached(tab: TabSpec, state: str, last_active_state: str) -> bool:
    """Cancelled requests keep the tabs they had reached before being cancelled."""
    current = last_active_state if state == S.CANCELLED else state
    if current == S.CANCELLED:
        current = S.DRAFT
    return ORDER.index(tab.reached_at) <= ORDER.index(current)


def _editable(tab: TabSpec, state: str, allowed: set[str]) -> bool:
    """A tab is worked in at its own step only: "cancel" is both the draft's action (request
    tab) and the decision's (decision tab), and at the decision step the request is read-only."""
    return tab.reached_at == state and bool(allowed & set(tab.actions))


def can_edit_tab(state: str, tab_key: str, roles) -> bool:
    tab = next(t for t in TABS if t.key == tab_key)
    return _editable(tab, state, allowed_actions(state, roles))


@dataclass(frozen=True)
class TabView:
    key: str
    label: str
    reached: bool
    editable: bool

    @property
    def greyed(self):
        return not self.editable


def tabs_for(roles, state: str, last_active_state: str = S.DRAFT) -> list[TabView]:
    """Every tab, with whether it is reached and editable for these roles."""
    allowed = allowed_actions(state, roles)
    views = []
    for tab in TABS:
        reached = is_reached(tab, state, last_active_state)
        editable = _editable(tab, state, allowed)
        views.append(TabView(key=tab.key, label=tab.label, reached=reached, editable=editable))
    return views

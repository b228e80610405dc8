"""Every change to a change request goes through here, one function per verb.

Each verb locks the row, asks cdc.workflow (via access.workflow_roles) whether the action is
allowed in the current step for the acting person, refuses with a domain error otherwise and
changes nothing, writes a HistoryEntry in the same transaction, and queues the step emails
with transaction.on_commit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core import locking
from core.files import store_file
from tickets.access import visible_tickets
from tickets.services.numbering import next_number

from . import access, hooks, tasks, workflow
from .errors import InvalidDates, NotReady, StaleVersion, TransitionRefused
from .models import Attachment, ChangeRequest, Check, HistoryEntry, Task
from .workflow import State


def _lock(cr: ChangeRequest) -> ChangeRequest:
    return locking.lock(cr)


def _check_version(cr: ChangeRequest, version: int | None) -> None:
    locking.check_version(
        cr,
        version,
        StaleVersion,
        _("Someone else changed this request meanwhile; reload the page."),
    )


def _fire(actor: User, cr: ChangeRequest, action: str) -> str:
    """The next state of cr after action by actor, or TransitionRefused."""
    target = workflow.next_state(cr.state, action, access.workflow_roles(actor, cr))
    if target is None:
        raise TransitionRefused(
            _("%(action)s is not open to you at the step “%(state)s”.")
            % {"action": workflow.ACTION_NAMES.get(action, action), "state": cr.get_state_display()}
        )
    return target


def _apply(actor, cr, action, target, changes=None, comment="", fields=()) -> HistoryEntry:
    from_state = cr.state
    cr.state = target
    cr.version += 1
    cr.save(update_fields=["state", "version", "updated_at", *fields])
    entry = HistoryEntry.objects.create(
        change_request=cr,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=target,
        changes=changes or {},
        comment=comment,
    )
    if target != from_state:
        hooks.step_changed(
            actor=actor,
            cr=cr,
            action=action,
            from_state=from_state,
            to_state=target,
            comment=comment,
        )
        # Robust: the step is saved; an email that cannot be queued is logged, and the person
        # who acted gets their answer (jobs run inline without a broker).
        transaction.on_commit(partial(tasks.notify_step.delay, entry.pk), robust=True)
    return entry


def _set(cr, **values) -> tuple[dict, list[str]]:
    """Assign values; returns ({field: [old, new]} for those that changed, field names)."""
    changes = {}
    for field, new in values.items():
        old = getattr(cr, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(cr, field, new)
    return changes, list(values)


def _plain(value):
    if isinstance(value, (date, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _ticket_for(actor: User, organization: Organization, number: int | None):
    """The ticket a request refers to: one of the organization's that actor may see."""
    if number is None:
        return None
    ticket = visible_tickets(actor).filter(number=number, organization_id=organization.pk).first()
    if ticket is None:
        raise TransitionRefused(
            _("Ticket #%(number)s is not a ticket of this organization that you can see.")
            % {"number": number}
        )
    return ticket


@transaction.atomic
def create_change_request(
    *,
    actor: User,
    organization: Organization,
    requester: User,
    kind: str,
    title: str,
    description: str,
    client_deadline: date | None = None,
    ticket_number: int | None = None,
) -> ChangeRequest:
    """Step 1: client admin, GDPR auditor, DPO or admin opens a draft. Writes history."""
    if not access.can_create_change_request(actor):
        raise TransitionRefused(_("You may not open change requests."))
    if not access.can_create_for(actor, organization):
        raise TransitionRefused(_("You may not open change requests for this organization."))
    if requester.organization_id != organization.pk:
        raise TransitionRefused(_("The requester must belong to the organization."))
    cr = ChangeRequest.objects.create(
        number=next_number("cdc", ChangeRequest.objects.all()),
        organization=organization,
        requester=requester,
        created_by=actor,
        kind=kind,
        title=title,
        description=description,
        client_deadline=client_deadline,
        ticket=_ticket_for(actor, organization, ticket_number),
    )
    HistoryEntry.objects.create(
        change_request=cr,
        actor=actor,
        action="create",
        from_state=State.DRAFT,
        to_state=State.DRAFT,
    )
    return cr


@transaction.atomic
def edit_request(
    *,
    actor: User,
    cr: ChangeRequest,
    kind: str,
    title: str,
    description: str,
    client_deadline: date | None,
    requester: User,
    ticket_number: int | None = None,
    version: int | None = None,
) -> ChangeRequest:
    """The client edits their draft (the request tab)."""
    cr = _lock(cr)
    target = _fire(actor, cr, "edit_request")
    _check_version(cr, version)
    if requester.organization_id != cr.organization_id:
        raise TransitionRefused(_("The requester must belong to the organization."))
    changes, fields = _set(
        cr,
        kind=kind,
        title=title,
        description=description,
        client_deadline=client_deadline,
        requester=requester,
        ticket=_ticket_for(actor, cr.organization, ticket_number),
    )
    _apply(actor, cr, "edit_request", target, changes, fields=fields)
    return cr


@transaction.atomic
def add_attachment(*, actor: User, cr: ChangeRequest, side: str, upload, info) -> Attachment:
    """Client files in the draft, support files during the analysis. info: UploadInfo-like."""
    cr = _lock(cr)
    action = "add_client_file" if side == Attachment.Side.CLIENT else "add_support_file"
    target = _fire(actor, cr, action)
    attachment = Attachment(
        change_request=cr,
        side=side,
        filename=info.filename,
        content_type=info.content_type,
        size=info.size,
        uploaded_by=actor,
    )
    store_file(attachment, upload, info)
    _apply(actor, cr, action, target, {"attachment": [None, info.filename]})

    transaction.on_commit(partial(tasks.convert_preview.delay, attachment.pk))
    return attachment


@transaction.atomic
def submit_change_request(*, actor: User, cr: ChangeRequest) -> ChangeRequest:
    """Step 2, "send to hotline": the client's tabs lock; hotline and requester are emailed."""
    cr = _lock(cr)
    target = _fire(actor, cr, "submit")
    cr.submitted_at = timezone.now()
    _apply(actor, cr, "submit", target, fields=["submitted_at"])
    return cr


@transaction.atomic
def save_analysis(
    *,
    actor: User,
    cr: ChangeRequest,
    solution: str,
    planned_date: date | None = None,
    version: int | None = None,
) -> ChangeRequest:
    """Step 3 (support): the specification; setting the planned date moves it to the DPO.
    The quote is a billing Estimate on the request, sent from its quote panel."""
    cr = _lock(cr)
    action = "plan" if planned_date else "save_analysis"
    target = _fire(actor, cr, action)
    _check_version(cr, version)
    if planned_date and cr.submitted_at and planned_date < cr.submitted_at.date():
        raise InvalidDates(_("The planned date cannot be before the request was sent."))
    changes, fields = _set(cr, solution=solution, planned_date=planned_date)
    _apply(actor, cr, action, target, changes, fields=fields)
    return cr


@transaction.atomic
def save_dpo_review(
    *,
    actor: User,
    cr: ChangeRequest,
    gdpr_impact: bool | None,
    conclusions: str,
    validated_on: date | None = None,
    version: int | None = None,
) -> ChangeRequest:
    """Step 4 (DPO): GDPR impact and conclusions; the validation date moves it to the client."""
    cr = _lock(cr)
    action = "validate_dpo" if validated_on else "save_dpo_review"
    target = _fire(actor, cr, action)
    _check_version(cr, version)
    if validated_on and gdpr_impact is None:
        raise NotReady(_("Say whether the request has a GDPR impact before validating."))
    if validated_on and cr.submitted_at and validated_on < cr.submitted_at.date():
        raise InvalidDates(_("The validation date cannot be before the request was sent."))
    changes, fields = _set(
        cr, gdpr_impact=gdpr_impact, dpo_conclusions=conclusions, dpo_validated_on=validated_on
    )
    _apply(actor, cr, action, target, changes, fields=fields)
    return cr


@transaction.atomic
def decide(*, actor: User, cr: ChangeRequest, validate: bool, comment: str = "") -> ChangeRequest:
    """Step 5 (client): validate (development starts) or cancel (the request ends)."""
    cr = _lock(cr)
    action = "validate" if validate else "cancel"
    target = _fire(actor, cr, action)
    if cr.state == State.CLIENT_DECISION:
        cr.decision = cr.Decision.VALIDATED if validate else cr.Decision.CANCELLED
        cr.decision_comment = comment
        fields = ["decision", "decision_comment"]
    else:
        fields = []
    _apply(actor, cr, action, target, comment=comment, fields=fields)
    return cr


def cancel_change_request(*, actor: User, cr: ChangeRequest, comment: str = "") -> ChangeRequest:
    """The client drops a draft or cancels at the decision step."""
    return decide(actor=actor, cr=cr, validate=False, comment=comment)


def _check_dates(start: date | None, end: date | None) -> None:
    if end and not start:
        raise InvalidDates(_("Give a start date before an end date."))
    if start and end and end < start:
        raise InvalidDates(_("The end date cannot be before the start date."))


@transaction.atomic
def add_task(
    *,
    actor: User,
    cr: ChangeRequest,
    title: str,
    description: str = "",
    developers=(),
    start_date: date | None = None,
    end_date: date | None = None,
) -> Task:
    """Step 6 (development manager): split the request into tasks for developers."""
    cr = _lock(cr)
    target = _fire(actor, cr, "add_task")
    _check_dates(start_date, end_date)
    task = Task.objects.create(
        change_request=cr,
        title=title,
        description=description,
        start_date=start_date,
        end_date=end_date,
    )
    task.developers.set(developers)
    _apply(actor, cr, "add_task", target, {"task": [None, title]})
    return task


@transaction.atomic
def edit_task(
    *,
    actor: User,
    task: Task,
    start_date: date | None,
    end_date: date | None,
    description: str | None = None,
) -> Task:
    """Manager or developer sets the dates (the end date lets controllers start)."""
    cr = _lock(task.change_request)
    target = _fire(actor, cr, "edit_task")
    _check_dates(start_date, end_date)
    task = Task.objects.select_for_update().get(pk=task.pk, change_request=cr)
    changes = {}
    for field, new in (("start_date", start_date), ("end_date", end_date)):
        if getattr(task, field) != new:
            changes[f"task {task.pk} {field}"] = [_plain(getattr(task, field)), _plain(new)]
            setattr(task, field, new)
    if description is not None:
        task.description = description
    task.save()
    _apply(actor, cr, "edit_task", target, changes)
    return task


def required_checks(cr: ChangeRequest) -> tuple[str, ...]:
    return cr.required_checks


def task_is_green(task: Task, cr: ChangeRequest) -> bool:
    """All required checks recorded and passed (reads prefetched checks)."""
    passed = {c.kind for c in task.checks.all() if c.passed}
    return set(required_checks(cr)) <= passed


@transaction.atomic
def record_check(*, actor: User, task: Task, kind: str, passed: bool, comment: str = "") -> Check:
    """Controllers record unit/functional/integration checks; the DPO the GDPR one.

    Only once the task has an end date; a new result replaces the previous one of its kind.
    """
    cr = _lock(task.change_request)
    action = "record_gdpr_check" if kind == Check.Kind.GDPR else "record_check"
    target = _fire(actor, cr, action)
    task = Task.objects.get(pk=task.pk, change_request=cr)
    if kind not in required_checks(cr):
        raise NotReady(_("This request has no GDPR impact: no GDPR check is needed."))
    if not task.end_date:
        raise NotReady(_("Checks start once the task has an end date."))
    if not passed and not comment.strip():
        raise NotReady(_("Say what failed in the comment."))
    check, _created = Check.objects.update_or_create(
        task=task,
        kind=kind,
        defaults={"passed": passed, "comment": comment, "checked_by": actor},
    )
    if not _created:
        check.checked_at = timezone.now()
        check.save(update_fields=["checked_at"])
    _apply(
        actor,
        cr,
        action,
        target,
        {f"task {task.pk} {kind}": "passed" if passed else "failed"},
        comment=comment,
    )
    return check


@transaction.atomic
def deliver(*, actor: User, cr: ChangeRequest) -> ChangeRequest:
    """Step 6 end (manager): only when every task is green."""
    cr = _lock(cr)
    target = _fire(actor, cr, "deliver")
    tasks = list(cr.tasks.prefetch_related("checks"))
    if not tasks:
        raise NotReady(_("Add at least one development task before delivering."))
    if not all(task_is_green(task, cr) for task in tasks):
        raise NotReady(_("Every task must pass all its checks before delivery."))
    cr.delivered_at = timezone.now()
    _apply(actor, cr, "deliver", target, fields=["delivered_at"])
    return cr


@transaction.atomic
def accept_delivery(*, actor: User, cr: ChangeRequest, comment: str = "") -> ChangeRequest:
    """Step 7 (client): accept; the request closes."""
    cr = _lock(cr)
    target = _fire(actor, cr, "accept")
    cr.acceptance_comment = comment
    cr.closed_at = timezone.now()
    _apply(actor, cr, "accept", target, comment=comment, fields=["acceptance_comment", "closed_at"])
    return cr


@transaction.atomic
def refuse_delivery(*, actor: User, cr: ChangeRequest, comment: str) -> ChangeRequest:
    """Step 7 (client): refuse with a comment; back to development (checks are kept)."""
    cr = _lock(cr)
    target = _fire(actor, cr, "refuse")
    if not comment.strip():
        raise NotReady(_("Say why the delivery is refused."))
    cr.acceptance_comment = comment
    cr.delivered_at = None
    _apply(
        actor, cr, "refuse", target, comment=comment, fields=["acceptance_comment", "delivered_at"]
    )
    return cr

"""The whole workflow through services, with each role; refusals change nothing."""

from datetime import date, timedelta

import pytest
from django.core import mail

from cdc import services
from cdc.errors import InvalidDates, NotReady, StaleVersion, TransitionRefused
from cdc.models import ChangeRequest, Check, HistoryEntry
from cdc.workflow import State

TODAY = date.today()


def _snapshot(cr):
    fresh = ChangeRequest.objects.get(pk=cr.pk)
    return (fresh.state, fresh.version, HistoryEntry.objects.filter(change_request=cr).count())


def test_whole_workflow_with_gdpr_impact_failed_check_and_refused_acceptance(
    build,
    client_admin_a,
    agent,
    dpo,
    admin,
    developer,
    controller,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        cr = build.draft()
    assert cr.number == 1 and cr.state == State.DRAFT
    cr = services.submit_change_request(actor=client_admin_a, cr=cr)
    assert cr.state == State.ANALYSIS and cr.submitted_at
    # Saving without a planned date keeps it at the support step.
    cr = services.save_analysis(actor=agent, cr=cr, solution="Draft spec")
    assert cr.state == State.ANALYSIS
    cr = services.save_analysis(
        actor=agent, cr=cr, solution="Spec", planned_date=TODAY + timedelta(9)
    )
    assert cr.state == State.DPO_REVIEW
    cr = services.save_dpo_review(actor=dpo, cr=cr, gdpr_impact=True, conclusions="Personal data")
    assert cr.state == State.DPO_REVIEW
    cr = services.save_dpo_review(
        actor=dpo, cr=cr, gdpr_impact=True, conclusions="Pseudonymise", validated_on=TODAY
    )
    assert cr.state == State.CLIENT_DECISION
    cr = services.decide(actor=client_admin_a, cr=cr, validate=True, comment="Go ahead")
    assert cr.state == State.DEVELOPMENT and cr.decision == "validated"

    task = services.add_task(
        actor=admin, cr=cr, title="Export", developers=[developer], start_date=TODAY
    )
    # No checks before the end date.
    with pytest.raises(NotReady):
        services.record_check(actor=controller, task=task, kind=Check.Kind.UNIT, passed=True)
    task = services.edit_task(
        actor=developer, task=task, start_date=TODAY, end_date=TODAY + timedelta(3)
    )
    for kind in (Check.Kind.UNIT, Check.Kind.FUNCTIONAL, Check.Kind.INTEGRATION):
        services.record_check(actor=controller, task=task, kind=kind, passed=True)
    # Three checks are not enough with a GDPR impact, and a controller may not do the 4th.
    with pytest.raises(NotReady):
        services.deliver(actor=admin, cr=cr)
    with pytest.raises(TransitionRefused):
        services.record_check(actor=controller, task=task, kind=Check.Kind.GDPR, passed=True)
    services.record_check(
        actor=dpo, task=task, kind=Check.Kind.GDPR, passed=False, comment="Logs keep emails"
    )
    with pytest.raises(NotReady):
        services.deliver(actor=admin, cr=cr)
    services.record_check(actor=dpo, task=task, kind=Check.Kind.GDPR, passed=True)
    cr = services.deliver(actor=admin, cr=cr)
    assert cr.state == State.DELIVERED

    with pytest.raises(NotReady):
        services.refuse_delivery(actor=client_admin_a, cr=cr, comment=" ")
    cr = services.refuse_delivery(actor=client_admin_a, cr=cr, comment="Missing column")
    assert cr.state == State.DEVELOPMENT
    cr = services.deliver(actor=developer, cr=cr)
    cr = services.accept_delivery(actor=client_admin_a, cr=cr, comment="Thanks")
    assert cr.state == State.CLOSED and cr.closed_at

    actions = list(cr.history.values_list("action", flat=True))
    assert actions[:3] == ["create", "submit", "save_analysis"]
    assert actions[-4:] == ["deliver", "refuse", "deliver", "accept"]
    assert all(h.actor_id for h in cr.history.all())
    plan = cr.history.get(action="plan")
    assert plan.changes["planned_date"][1] == str(TODAY + timedelta(9))


def test_client_cancels_at_decision_and_nothing_moves_afterwards(build, client_admin_a, admin):
    cr = build.at_decision()
    cr = services.decide(actor=client_admin_a, cr=cr, validate=False, comment="Too expensive")
    assert cr.state == State.CANCELLED and cr.decision == "cancelled"
    before = _snapshot(cr)
    with pytest.raises(TransitionRefused):
        services.decide(actor=client_admin_a, cr=cr, validate=True)
    with pytest.raises(TransitionRefused):
        services.add_task(actor=admin, cr=cr, title="x")
    assert _snapshot(cr) == before


def test_gdpr_auditor_can_open_and_send(build, gdpr_auditor_a):
    cr = build.draft(actor=gdpr_auditor_a, requester=gdpr_auditor_a)
    cr = services.submit_change_request(actor=gdpr_auditor_a, cr=cr)
    assert cr.state == State.ANALYSIS


@pytest.mark.parametrize(
    "persona", ["client_a", "agent", "sales", "developer", "controller", "reseller", "client_b"]
)
def test_only_client_admins_auditors_dpo_and_admins_open_requests(
    persona, request, org_a, client_a
):
    user = request.getfixturevalue(persona)
    with pytest.raises(TransitionRefused):
        services.create_change_request(
            actor=user,
            organization=org_a,
            requester=client_a,
            kind="new",
            title="t",
            description="d",
        )
    assert not ChangeRequest.objects.exists()


def test_client_admin_cannot_open_for_another_organization(client_admin_a, org_b, client_b):
    with pytest.raises(TransitionRefused):
        services.create_change_request(
            actor=client_admin_a,
            organization=org_b,
            requester=client_b,
            kind="new",
            title="t",
            description="d",
        )


def test_wrong_role_and_wrong_state_are_refused_and_change_nothing(
    build, client_admin_a, client_a, agent, dpo, controller
):
    cr = build.submitted()
    before = _snapshot(cr)
    # The client's tab is locked once sent to the hotline.
    with pytest.raises(TransitionRefused):
        services.edit_request(
            actor=client_admin_a,
            cr=cr,
            kind="fix",
            title="forged",
            description="forged",
            client_deadline=None,
            requester=client_admin_a,
        )
    # The DPO cannot review before the support analysis is done.
    with pytest.raises(TransitionRefused):
        services.save_dpo_review(
            actor=dpo, cr=cr, gdpr_impact=False, conclusions="x", validated_on=TODAY
        )
    # A plain client user or a controller cannot write the specification.
    for who in (client_a, controller, client_admin_a):
        with pytest.raises(TransitionRefused):
            services.save_analysis(actor=who, cr=cr, solution="x", planned_date=TODAY)
    assert _snapshot(cr) == before
    assert ChangeRequest.objects.get(pk=cr.pk).title == "Export the invoices as CSV"


def test_dates_in_the_wrong_order_are_refused(build, admin, agent):
    cr = build.in_development()
    before = _snapshot(cr)
    with pytest.raises(InvalidDates):
        services.add_task(
            actor=admin, cr=cr, title="t", start_date=TODAY, end_date=TODAY - timedelta(1)
        )
    with pytest.raises(InvalidDates):
        services.add_task(actor=admin, cr=cr, title="t", end_date=TODAY)
    assert _snapshot(cr) == before and not cr.tasks.exists()
    task = services.add_task(actor=admin, cr=cr, title="t", start_date=TODAY)
    with pytest.raises(InvalidDates):
        services.edit_task(actor=admin, task=task, start_date=TODAY, end_date=TODAY - timedelta(2))
    task.refresh_from_db()
    assert task.end_date is None
    other = build.submitted()
    with pytest.raises(InvalidDates):
        services.save_analysis(
            actor=agent, cr=other, solution="s", planned_date=TODAY - timedelta(5)
        )
    assert ChangeRequest.objects.get(pk=other.pk).state == State.ANALYSIS


def test_stale_version_is_refused(build, client_admin_a):
    cr = build.draft()
    with pytest.raises(StaleVersion):
        services.edit_request(
            actor=client_admin_a,
            cr=cr,
            kind="fix",
            title="new",
            description="d",
            client_deadline=None,
            requester=client_admin_a,
            version=cr.version + 5,
        )


def test_failed_check_needs_a_comment_and_blocks_delivery(build, admin, controller):
    cr = build.in_development()
    task = build.green_task(cr)
    with pytest.raises(NotReady):
        services.record_check(actor=controller, task=task, kind=Check.Kind.UNIT, passed=False)
    services.record_check(
        actor=controller, task=task, kind=Check.Kind.UNIT, passed=False, comment="Red"
    )
    with pytest.raises(NotReady):
        services.deliver(actor=admin, cr=cr)
    assert ChangeRequest.objects.get(pk=cr.pk).state == State.DEVELOPMENT


def test_no_gdpr_check_without_gdpr_impact(build, dpo):
    cr = build.in_development(gdpr=False)
    task = build.green_task(cr)
    with pytest.raises(NotReady):
        services.record_check(actor=dpo, task=task, kind=Check.Kind.GDPR, passed=True)


def _addresses(message):
    return sorted(message.to)


def test_emails_at_each_step_go_to_hotline_and_requester_dpo_only_at_its_step(
    build, client_admin_a, agent, dpo, admin, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    hotline = ["helpdesk@support.test", "infos@support.test"]
    with django_capture_on_commit_callbacks(execute=True):
        cr = build.draft()
        services.add_attachment(
            actor=client_admin_a,
            cr=cr,
            side="client",
            upload=SimpleUploadedFile("spec.pdf", b"%PDF-1.4 test"),
            info=SimpleNamespace(filename="spec.pdf", content_type="application/pdf", size=13),
        )
    assert mail.outbox == []  # drafts and edits email nobody
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_change_request(actor=client_admin_a, cr=cr)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([*hotline, client_admin_a.email])
    assert all(m.attachments[0][0] == "spec.pdf" for m in mail.outbox)
    assert "CDC-1" in mail.outbox[0].subject
    html = mail.outbox[0].alternatives[0][0]
    assert "CDC-1" in html

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_analysis(actor=agent, cr=cr, solution="s", planned_date=TODAY + timedelta(3))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [*hotline, client_admin_a.email, dpo.email]
    )
    assert all(not m.attachments for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_dpo_review(
            actor=dpo, cr=cr, gdpr_impact=False, conclusions="ok", validated_on=TODAY
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([*hotline, client_admin_a.email])


def test_email_is_in_the_requester_language(
    build, client_admin_a, django_capture_on_commit_callbacks
):
    client_admin_a.language = "en"
    client_admin_a.save(update_fields=["language"])
    cr = build.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_change_request(actor=client_admin_a, cr=cr)
    to_requester = next(m for m in mail.outbox if m.to == [client_admin_a.email])
    assert "is now at the step" in to_requester.body


def test_plain_text_email_keeps_apostrophes_and_markup_as_typed(
    build, client_admin_a, django_capture_on_commit_callbacks
):
    """The text part is not HTML: "l'annuaire" must not arrive as "l&#x27;annuaire". The HTML
    part still escapes what the client typed."""
    cr = build.draft(
        title="Export de l'annuaire & des <contacts>",
        description='Besoin d\'un fichier "CSV" & <script>alert(1)</script>',
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_change_request(actor=client_admin_a, cr=cr)
    message = next(m for m in mail.outbox if m.to == [client_admin_a.email])
    assert "Export de l'annuaire & des <contacts>" in message.subject
    assert 'Besoin d\'un fichier "CSV" & <script>alert(1)</script>' in message.body
    assert "&#x27;" not in message.body + message.subject and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

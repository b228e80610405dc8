"""Every ticket verb through services, with who may and who may not call it."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tickets import access, events, services
from tickets.errors import InvalidInput, StaleVersion, TransitionRefused
from tickets.models import Attachment, Event, Priority, Status, Ticket

from .conftest import png_file

ALL = [
    "admin",
    "agent",
    "agent_l2",
    "sales",
    "dpo",
    "developer",
    "controller",
    "client_a",
    "client_a2",
    "client_admin_a",
    "client_b",
    "reseller",
]


def persona(request, name):
    return request.getfixturevalue(name)


# --- create ---

CREATE = {
    "admin": True,
    "agent": True,
    "agent_l2": True,
    "sales": True,
    "dpo": False,
    "developer": False,
    "controller": False,
    "client_a": True,
    "client_a2": True,
    "client_admin_a": True,
    "client_b": True,
    "reseller": True,
}


@pytest.mark.parametrize("name", ALL)
def test_who_may_file_a_ticket(name, request, ref, org_a, client_a, make_ticket):
    user = persona(request, name)
    kwargs = {}
    if access.can_file_for_client(user):
        kwargs = {"organization": org_a, "requester": client_a}
    if CREATE[name]:
        ticket = make_ticket(user, **kwargs)
        assert ticket.number >= 1
        assert ticket.events.filter(kind=Event.Kind.CREATED).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            make_ticket(user, organization=org_a)
        assert not Ticket.objects.exists()


def test_client_ticket_is_in_their_organization_with_default_status_priority_and_sla(
    ticket_a, client_a, org_a, ref
):
    assert ticket_a.organization == org_a
    assert ticket_a.requester == client_a
    assert ticket_a.reporter == client_a
    assert ticket_a.status == ref.status["ouvert"]
    assert ticket_a.priority == ref.priority["normale"]
    assert ticket_a.channel == Ticket.Channel.WEB
    assert ticket_a.resolution_due_at > ticket_a.first_response_due_at > ticket_a.created_at


def test_client_cannot_choose_organization_priority_assignee_or_note(
    make_ticket, client_a, org_b, ref, agent
):
    ticket = make_ticket(
        client_a,
        organization=org_b,
        priority=ref.priority["urgente"],
        assignees=[agent],
        internal_note="psst",
    )
    assert ticket.organization == client_a.organization
    assert ticket.priority == ref.priority["normale"]
    assert not ticket.assignees.exists()
    assert not ticket.events.filter(is_internal=True).exists()


def test_numbers_are_sequential(make_ticket, client_a):
    numbers = [make_ticket(client_a).number for _ in range(3)]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_sales_rep_files_only_for_their_clients(make_ticket, sales, org_a, org_b, client_b):
    assert make_ticket(sales, organization=org_a).organization == org_a
    with pytest.raises(PermissionDenied):
        make_ticket(sales, organization=org_b, requester=client_b)


def test_only_admins_assign_on_creation(make_ticket, admin, agent, org_a, client_a):
    ticket = make_ticket(admin, organization=org_a, requester=client_a, assignees=[agent])
    assert list(ticket.assignees.all()) == [agent]
    with pytest.raises(PermissionDenied):
        make_ticket(agent, organization=org_a, requester=client_a, assignees=[agent])


def test_contact_must_belong_to_the_organization(make_ticket, agent, org_a, client_b):
    with pytest.raises(InvalidInput):
        make_ticket(agent, organization=org_a, requester=client_b)


def test_phone_intake_files_for_the_caller_with_backdated_call(make_ticket, agent, org_a, client_a):
    called = timezone.now() - dt.timedelta(hours=2)
    ticket = make_ticket(
        agent,
        organization=org_a,
        requester=client_a,
        channel=Ticket.Channel.PHONE,
        internal_note="Appel de Chloé, très pressée",
        reported_at=called,
    )
    assert ticket.channel == "phone"
    assert ticket.requester == client_a
    assert ticket.reporter == agent
    created = ticket.events.get(kind=Event.Kind.CREATED)
    assert created.action_at == called
    assert ticket.events.get(kind=Event.Kind.NOTE).is_internal


def test_sales_rep_cannot_take_phone_calls(make_ticket, sales, org_a, client_a):
    with pytest.raises(PermissionDenied):
        make_ticket(sales, organization=org_a, requester=client_a, channel=Ticket.Channel.PHONE)


def test_new_tickets_take_the_default_status_and_priority_an_admin_just_chose(
    make_ticket, client_a, ref, django_admin, django_capture_on_commit_callbacks
):
    """Creation reads the defaults from the per-process reference copy: a change made in the
    Django admin, where they are edited, applies to the very next ticket."""
    first = make_ticket(client_a)
    assert (first.status, first.priority) == (ref.status["ouvert"], ref.priority["normale"])
    with django_capture_on_commit_callbacks(execute=True):
        django_admin(Status, ref.status["ouvert"].pk, is_default="")
        django_admin(Status, ref.status["pris-en-charge"].pk, is_default="on")
        django_admin(Priority, ref.priority["normale"].pk, is_default="")
        django_admin(Priority, ref.priority["haute"].pk, is_default="on")
    second = make_ticket(client_a)
    assert (second.status, second.priority) == (ref.status["pris-en-charge"], ref.priority["haute"])
    # Due dates follow the new priority: 4 business hours to a first answer instead of 8.
    assert second.first_response_due_at < first.first_response_due_at


def test_creation_stores_attachments_and_publishes_after_commit(
    make_ticket, client_a, django_capture_on_commit_callbacks
):
    seen = []

    def listener(**kwargs):
        seen.append(kwargs["name"])

    events.subscribe(events.TICKET_CREATED, listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(client_a, attachments=[png_file()])
    finally:
        events.unsubscribe(events.TICKET_CREATED, listener)
    assert seen == ["ticket_created"]
    attachment = ticket.attachments.get()
    assert attachment.is_image and attachment.thumbnail
    assert attachment.event.kind == Event.Kind.CREATED


def test_fake_image_refuses_the_whole_ticket(make_ticket, client_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    with pytest.raises(InvalidInput, match="not a valid image"):
        make_ticket(client_a, attachments=[fake])
    assert not Ticket.objects.exists()


# --- reply and notes ---

REPLY = {
    "admin": True,
    "agent": True,
    "agent_l2": True,
    "sales": True,
    "dpo": False,
    "developer": False,
    "controller": False,
    "client_a": True,
    "client_a2": True,
    "client_admin_a": True,
    "client_b": False,
    "reseller": True,
}
NOTE = {
    "admin": True,
    "agent": True,
    "agent_l2": True,
    "sales": True,
    "dpo": False,
    "developer": True,
    "controller": False,
    "client_a": False,
    "client_a2": False,
    "client_admin_a": False,
    "client_b": False,
    "reseller": False,
}


@pytest.mark.parametrize("name", ALL)
def test_who_may_reply_and_write_internal_notes(name, request, ticket_a):
    user = persona(request, name)
    for internal, table in ((False, REPLY), (True, NOTE)):
        if table[name]:
            event = services.reply(actor=user, ticket=ticket_a, body="Merci", internal=internal)
            assert event.is_internal is internal
        else:
            with pytest.raises(PermissionDenied):
                services.reply(actor=user, ticket=ticket_a, body="Merci", internal=internal)


def test_client_who_sees_only_own_tickets_cannot_reply_to_colleague(ticket_a, client_a2, org_a):
    org_a.clients_see_all_tickets = False
    org_a.save()
    with pytest.raises(PermissionDenied):
        services.reply(actor=client_a2, ticket=ticket_a, body="?")


def test_empty_reply_is_refused(ticket_a, agent):
    with pytest.raises(InvalidInput):
        services.reply(actor=agent, ticket=ticket_a, body="   ")


def test_first_staff_reply_records_first_response(ticket_a, agent):
    services.reply(actor=agent, ticket=ticket_a, body="Bonjour")
    ticket_a.refresh_from_db()
    assert ticket_a.first_response_at is not None


def test_only_staff_may_backdate(ticket_a, agent, client_a):
    past = timezone.now() - dt.timedelta(days=1)
    assert services.reply(actor=agent, ticket=ticket_a, body="x", action_at=past).action_at == past
    assert (
        services.reply(actor=client_a, ticket=ticket_a, body="x", action_at=past).action_at > past
    )


# --- status ---

STAFF_RUN = {
    "admin": True,
    "agent": True,
    "agent_l2": True,
    "sales": False,
    "dpo": False,
    "developer": False,
    "controller": False,
    "client_a": False,
    "client_a2": False,
    "client_admin_a": False,
    "client_b": False,
    "reseller": False,
}


@pytest.mark.parametrize("name", ALL)
def test_who_may_change_status(name, request, ticket_a, ref):
    user = persona(request, name)
    target = ref.status["en-cours"]
    if STAFF_RUN[name]:
        event = services.change_status(actor=user, ticket=ticket_a, status=target)
        assert event.data == {"old": ref.status["ouvert"].pk, "new": target.pk}
    else:
        with pytest.raises(PermissionDenied):
            services.change_status(actor=user, ticket=ticket_a, status=target)
        ticket_a.refresh_from_db()
        assert ticket_a.status == ref.status["ouvert"]


def test_invalid_status_changes_are_refused(ticket_a, agent, ref):
    with pytest.raises(TransitionRefused, match="already has"):
        services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ouvert"])
    retired = ref.status["un-instant"]
    retired.is_active = False
    retired.save()
    with pytest.raises(TransitionRefused, match="retired"):
        services.change_status(actor=agent, ticket=ticket_a, status=retired)
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    with pytest.raises(TransitionRefused, match="reopen"):
        services.change_status(actor=agent, ticket=ticket_a, status=ref.status["en-cours"])


def test_closing_and_resolving_set_dates(ticket_a, agent, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["resolu"])
    ticket_a.refresh_from_db()
    assert ticket_a.resolved_at and not ticket_a.closed_at
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    ticket_a.refresh_from_db()
    assert ticket_a.closed_at


def test_stale_version_is_refused(ticket_a, agent, admin, ref):
    seen = ticket_a.version
    services.change_status(actor=admin, ticket=ticket_a, status=ref.status["en-cours"])
    with pytest.raises(StaleVersion, match="Someone else changed"):
        services.change_status(
            actor=agent, ticket=ticket_a, status=ref.status["resolu"], version=seen
        )
    with pytest.raises(StaleVersion):
        services.update_ticket(
            actor=agent, ticket=ticket_a, version=seen, changes={"title": "Mine"}
        )
    ticket_a.refresh_from_db()
    assert ticket_a.title != "Mine"


def test_status_in_use_is_protected(ticket_a, ref):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ref.status["ouvert"].delete()


# --- priority and fields ---


@pytest.mark.parametrize("name", ALL)
def test_who_may_change_priority(name, request, ticket_a, ref):
    user = persona(request, name)
    if STAFF_RUN[name]:
        old_due = ticket_a.resolution_due_at
        services.change_priority(actor=user, ticket=ticket_a, priority=ref.priority["urgente"])
        ticket_a.refresh_from_db()
        assert ticket_a.resolution_due_at < old_due
    else:
        with pytest.raises(PermissionDenied):
            services.change_priority(actor=user, ticket=ticket_a, priority=ref.priority["haute"])


EDIT_TEXT = {**STAFF_RUN, "client_a": True}  # the requester, while the ticket is new


@pytest.mark.parametrize("name", ALL)
def test_who_may_edit_title_and_description(name, request, ticket_a):
    user = persona(request, name)
    changes = {"title": "Nouveau titre", "description": "Plus de détails"}
    if EDIT_TEXT[name]:
        written = services.update_ticket(
            actor=user, ticket=ticket_a, version=ticket_a.version, changes=changes
        )
        assert [e.data["field"] for e in written] == ["title", "description"]
        assert written[0].data["old"] == "Impossible d'imprimer les factures"
    else:
        with pytest.raises(PermissionDenied):
            services.update_ticket(
                actor=user, ticket=ticket_a, version=ticket_a.version, changes=changes
            )


def test_requester_cannot_edit_once_taken(ticket_a, agent, client_a):
    services.claim(actor=agent, ticket=ticket_a)
    ticket_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.update_ticket(
            actor=client_a, ticket=ticket_a, version=ticket_a.version, changes={"title": "x"}
        )


def test_fields_and_followers_change_with_events(ticket_a, agent, ref, client_a2):
    written = services.update_ticket(
        actor=agent,
        ticket=ticket_a,
        version=ticket_a.version,
        changes={"type": ref.type["bogue"], "support_level": 2},
        followers=[client_a2],
    )
    assert {e.data["field"] for e in written} == {"type", "support_level", "followers"}
    ticket_a.refresh_from_db()
    assert ticket_a.support_level == 2 and list(ticket_a.followers.all()) == [client_a2]


# --- assignment, claim, escalation ---


@pytest.mark.parametrize("name", ALL)
def test_who_may_assign(name, request, ticket_a, agent_l2):
    user = persona(request, name)
    if STAFF_RUN[name]:
        event = services.assign(actor=user, ticket=ticket_a, assignees=[agent_l2])
        assert event.data["added"] == [str(agent_l2)]
    else:
        with pytest.raises(PermissionDenied):
            services.assign(actor=user, ticket=ticket_a, assignees=[agent_l2])


def test_only_agents_and_admins_can_be_assigned(ticket_a, admin, client_a):
    with pytest.raises(InvalidInput):
        services.assign(actor=admin, ticket=ticket_a, assignees=[client_a])


@pytest.mark.parametrize("name", ALL)
def test_who_may_claim(name, request, ticket_a, ref):
    user = persona(request, name)
    if STAFF_RUN[name]:
        services.claim(actor=user, ticket=ticket_a)
        ticket_a.refresh_from_db()
        assert user in ticket_a.assignees.all()
        assert ticket_a.status == ref.status["pris-en-charge"]
        with pytest.raises(PermissionDenied):
            services.claim(actor=user, ticket=ticket_a)  # already theirs
    else:
        with pytest.raises(PermissionDenied):
            services.claim(actor=user, ticket=ticket_a)


@pytest.mark.parametrize("name", ALL)
def test_who_may_escalate(name, request, ticket_a, agent):
    services.claim(actor=agent, ticket=ticket_a)
    user = persona(request, name)
    if STAFF_RUN[name]:
        event = services.escalate(actor=user, ticket=ticket_a, reason="Besoin du niveau 2")
        ticket_a.refresh_from_db()
        assert ticket_a.support_level == 2
        assert not ticket_a.assignees.exists()
        assert event.is_internal and event.data["removed"] == [str(agent)]
    else:
        with pytest.raises(PermissionDenied):
            services.escalate(actor=user, ticket=ticket_a, reason="x")


def test_escalation_needs_a_reason_and_stops_at_level_3(ticket_a, agent):
    with pytest.raises(InvalidInput):
        services.escalate(actor=agent, ticket=ticket_a, reason=" ")
    services.escalate(actor=agent, ticket=ticket_a, reason="n2")
    services.escalate(actor=agent, ticket=ticket_a, reason="n3")
    with pytest.raises(PermissionDenied):
        services.escalate(actor=agent, ticket=ticket_a, reason="n4")


# --- reopen ---

REOPEN_CLOSED = {
    "admin": True,
    "agent": False,
    "agent_l2": False,
    "sales": False,
    "dpo": False,
    "developer": False,
    "controller": False,
    "client_a": True,
    "client_a2": True,
    "client_admin_a": True,
    "client_b": False,
    "reseller": True,
}


@pytest.mark.parametrize("name", ALL)
def test_who_may_reopen_a_closed_ticket(name, request, ticket_a, agent, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["en-cours"])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    user = persona(request, name)
    if REOPEN_CLOSED[name]:
        services.reopen(actor=user, ticket=ticket_a, reason="Toujours en panne")
        ticket_a.refresh_from_db()
        assert ticket_a.status == ref.status["en-cours"]
        assert ticket_a.closed_at is None
    else:
        with pytest.raises(PermissionDenied):
            services.reopen(actor=user, ticket=ticket_a)


def test_agents_reopen_closed_tickets_when_the_setting_allows(
    ticket_a, agent, client_a, ref, settings, django_capture_on_commit_callbacks
):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["en-cours"])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    settings.TICKETS_AGENTS_MAY_REOPEN_CLOSED = False
    with pytest.raises(PermissionDenied):
        services.reopen(actor=agent, ticket=ticket_a)
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status["ferme"]
    assert not ticket_a.events.filter(kind=Event.Kind.REOPEN).exists()

    settings.TICKETS_AGENTS_MAY_REOPEN_CLOSED = True
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event = services.reopen(actor=agent, ticket=ticket_a, reason="Le client rappelle")
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status["en-cours"]  # the working status it had before
    assert ticket_a.closed_at is None
    assert (event.kind, event.actor, event.body) == (Event.Kind.REOPEN, agent, "Le client rappelle")
    assert event.data == {"old": ref.status["ferme"].pk, "new": ref.status["en-cours"].pk}
    assert list(ticket_a.events.filter(kind=Event.Kind.REOPEN)) == [event]
    # The client hears of it; the agent who reopened it does not.
    assert [m.extra_headers["X-Helpdesk-Notification"] for m in mail.outbox] == ["ticket_status"]
    assert mail.outbox[0].to == [client_a.email]


def test_agents_may_reopen_a_resolved_ticket(
    ticket_a, agent, client_a, ref, django_capture_on_commit_callbacks
):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["pris-en-charge"])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["resolu"])
    ticket_a.refresh_from_db()
    assert ticket_a.resolved_at is not None
    assert access.can_reopen(agent, ticket_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event = services.reopen(actor=agent, ticket=ticket_a)
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status["pris-en-charge"]
    assert not ticket_a.status.is_final
    assert (event.kind, event.actor, event.body) == (Event.Kind.REOPEN, agent, "")
    assert event.data["new"] == ref.status["pris-en-charge"].pk
    assert [m.to for m in mail.outbox] == [[client_a.email]]
    # Reopened, it cannot be reopened again until it is resolved or closed.
    with pytest.raises(PermissionDenied):
        services.reopen(actor=agent, ticket=ticket_a)


def test_open_ticket_cannot_be_reopened(ticket_a, admin):
    with pytest.raises(PermissionDenied):
        services.reopen(actor=admin, ticket=ticket_a)


@pytest.mark.parametrize("before", ["pris-en-charge", "en-cours"])
def test_client_reply_on_closed_ticket_reopens_to_previous_status(
    before, ticket_a, agent, client_a, ref, django_capture_on_commit_callbacks
):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status[before])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    seen = []

    def listener(**kwargs):
        seen.append(kwargs["name"])

    events.subscribe(events.TICKET_REOPENED, listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.reply(actor=client_a, ticket=ticket_a, body="Ça ne marche toujours pas")
    finally:
        events.unsubscribe(events.TICKET_REOPENED, listener)
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status[before]
    assert seen == ["ticket_reopened"]
    assert ticket_a.events.filter(kind=Event.Kind.REOPEN).exists()


def test_staff_reply_does_not_reopen(ticket_a, agent, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    services.reply(actor=agent, ticket=ticket_a, body="Pour information")
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status["ferme"]


def test_client_reply_while_waiting_moves_back_to_work(ticket_a, agent, client_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["en-cours"])
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    services.reply(actor=client_a, ticket=ticket_a, body="Voici la copie d'écran")
    ticket_a.refresh_from_db()
    assert ticket_a.status == ref.status["en-cours"]
    assert ticket_a.waiting_since is None and ticket_a.sla_paused_at is None


# --- attachments ---


@pytest.mark.parametrize("name", ALL)
def test_who_may_attach_files(name, request, ticket_a):
    user = persona(request, name)
    if REPLY[name]:
        attachment = services.add_attachment(actor=user, ticket=ticket_a, uploaded_file=png_file())
        assert attachment.event.kind == Event.Kind.ATTACHMENT
    else:
        with pytest.raises(PermissionDenied):
            services.add_attachment(actor=user, ticket=ticket_a, uploaded_file=png_file())


def test_note_files_are_hidden_from_clients(ticket_a, agent, client_a):
    event = services.reply(
        actor=agent, ticket=ticket_a, body="log", internal=True, attachments=[png_file("log.png")]
    )
    attachment = event.attachments.get()
    assert access.can_download_attachment(agent, attachment)
    assert not access.can_download_attachment(client_a, attachment)


# --- transfer to development ---


@pytest.mark.parametrize("name", ALL)
def test_who_may_transfer_to_development(name, request, make_ticket, client_a, ref):
    ticket = make_ticket(client_a, attachments=[png_file()])
    user = persona(request, name)
    if STAFF_RUN[name]:
        dev = services.transfer_to_development(actor=user, ticket=ticket, type=ref.type["bogue"])
        assert dev.transferred_from == ticket
        assert dev.type == ref.type["bogue"]
        assert dev.component.is_development
        assert not dev.assignees.exists()
        assert (dev.title, dev.description) == (ticket.title, ticket.description)
        copied = dev.attachments.get()
        assert copied.filename == "capture.png" and copied.is_image and copied.thumbnail
        with copied.file.open("rb") as fh, ticket.attachments.get().file.open("rb") as orig:
            assert fh.read() == orig.read()
        assert ticket.events.get(kind=Event.Kind.LINK).data["number"] == dev.number
        assert dev.events.get(kind=Event.Kind.LINK).data["number"] == ticket.number
        # The client does not see the development copy.
        assert not access.visible_tickets(client_a).filter(pk=dev.pk).exists()
        with pytest.raises(PermissionDenied):
            services.transfer_to_development(actor=user, ticket=dev, type=ref.type["story"])
    else:
        with pytest.raises(PermissionDenied):
            services.transfer_to_development(actor=user, ticket=ticket, type=ref.type["bogue"])


def test_transfer_needs_a_development_type(ticket_a, agent, ref):
    with pytest.raises(InvalidInput):
        services.transfer_to_development(actor=agent, ticket=ticket_a, type=ref.type["aide"])


# --- auto-close, SLA flag ---


def test_waiting_ticket_is_warned_a_day_before_then_closed(
    ticket_a, agent, ref, settings, django_capture_on_commit_callbacks
):
    settings.TICKETS_AUTO_CLOSE_DAYS = 5
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    start = Ticket.objects.get(pk=ticket_a.pk).waiting_since
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(days=3)) == (0, 0)
    seen = []

    def listener(**kwargs):
        seen.append(kwargs["name"])

    events.subscribe(events.TICKET_AUTO_CLOSE_WARNING, listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.auto_close_waiting_tickets(
                now=start + dt.timedelta(days=4, hours=1)
            ) == (1, 0)
    finally:
        events.unsubscribe(events.TICKET_AUTO_CLOSE_WARNING, listener)
    assert seen == ["ticket_auto_close_warning"]
    # Idempotent: a second pass warns nobody again.
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(days=4, hours=2)) == (0, 0)
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(days=5, hours=1)) == (0, 1)
    ticket_a.refresh_from_db()
    assert ticket_a.status.category == Status.Category.CLOSED
    closing = ticket_a.events.filter(kind=Event.Kind.STATUS).last()
    assert closing.actor is None and closing.data["auto"] is True


def test_client_answer_stops_auto_close(ticket_a, agent, client_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    services.reply(actor=client_a, ticket=ticket_a, body="Je regarde")
    later = timezone.now() + dt.timedelta(days=30)
    assert services.auto_close_waiting_tickets(now=later) == (0, 0)


def test_overdue_tickets_are_flagged(ticket_a, agent, ref):
    later = ticket_a.resolution_due_at + dt.timedelta(minutes=1)
    assert services.flag_overdue_tickets(now=later) == 1
    assert Ticket.objects.get(pk=ticket_a.pk).is_overdue
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["resolu"])
    assert not Ticket.objects.get(pk=ticket_a.pk).is_overdue
    assert Attachment.objects.count() == 0

"""The audit log: what is recorded (roles, activation, 2FA resets, mailboxes, webhooks, reference
data, exports), from which address (never a forged X-Forwarded-For), the admins' page with its
filters and bounded queries, and the CSV export safe from formulas."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts.models import User
from intake.models import Mailbox
from notifications.models import ChatWebhook
from tests.factories import make_user
from tests.tickets.conftest import _english  # noqa: F401
from tickets.models import Status


def entries_about(obj, action=None):
    rows = LogEntry.objects.get_for_object(obj).order_by("timestamp", "id")
    if action:
        rows = rows.filter(additional_data__action=action)
    return list(rows)


@pytest.mark.django_db
def test_role_change_is_recorded_with_who_when_address_and_before_after(login, admin, agent):
    client = login(admin)
    response = client.post(
        f"/users/{agent.pk}/edit/",
        {
            "email": agent.email,
            "first_name": agent.first_name,
            "last_name": agent.last_name,
            "language": "en",
            "role_codes": ["agent", "developer"],
            "support_level": "3",
        },
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert response.status_code == 302
    [entry] = entries_about(agent, "roles_changed")
    assert entry.actor == admin
    assert entry.remote_addr == "203.0.113.7"  # the forged header is not believed
    assert entry.changes["roles"] == [["agent"], ["agent", "developer"]]
    assert entry.changes["support_level"] == [1, 3]
    assert entry.timestamp is not None


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_the_proxy_saw_is_kept(login, admin, client_b, settings):
    settings.HELPDESK_TRUSTED_PROXY_COUNT = 1
    login(admin).post(
        f"/users/{client_b.pk}/deactivate/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9",
    )
    [entry] = entries_about(client_b, "deactivated")
    assert entry.remote_addr == "198.51.100.9"  # the client's own first entry is not trusted


@pytest.mark.django_db
def test_deactivation_reactivation_and_2fa_reset_are_recorded(login, admin, client_b):
    client = login(admin)
    client.post(f"/users/{client_b.pk}/deactivate/")
    client.post(f"/users/{client_b.pk}/reactivate/")
    client.post(f"/users/{client_b.pk}/reset-2fa/")
    actions = [e.additional_data["action"] for e in entries_about(client_b) if e.additional_data]
    assert actions[-3:] == ["deactivated", "reactivated", "two_factor_reset"]
    deactivated = entries_about(client_b, "deactivated")[0]
    assert deactivated.changes == {"deactivated": [True, False]}
    assert all(e.actor == admin for e in entries_about(client_b, "two_factor_reset"))


@pytest.mark.django_db
def test_mailbox_and_webhook_edits_are_recorded_without_their_secrets(admin):
    from core import audit  # noqa: F401  (registration happens in AdministrationConfig.ready)

    box = Mailbox.objects.create(
        name="Support",
        email_address="support@help.test",
        host="imap.help.test",
        username="support",
        password="hunter2-very-secret",
    )
    box.password = "another-secret-42"
    box.interval_minutes = 10
    box.save()
    [created, changed] = entries_about(box)
    assert changed.changes["interval_minutes"][1] == "10"
    assert "secret" not in str(created.changes) + str(changed.changes)
    hook = ChatWebhook.objects.create(
        name="Team", url="https://hooks.chat.test/T0/s3cretTOKEN", events=["created"]
    )
    hook.url = "https://hooks.chat.test/T0/OTHERtoken"
    hook.save()
    text = str([e.changes for e in entries_about(hook)])
    assert "s3cretTOKEN" not in text and "OTHERtoken" not in text


@pytest.mark.django_db
def test_reference_data_edits_are_recorded(ref):
    status = Status.objects.first()
    status.colour = "#123456"
    status.save()
    [entry] = [e for e in entries_about(status) if e.action == LogEntry.Action.UPDATE]
    assert entry.changes["colour"][1] == "#123456"


@pytest.mark.django_db
def test_a_login_is_recorded_with_its_address(client, agent):
    agent.set_password("a-long-password-1")
    agent.save()
    response = client.post(
        reverse("account_login"),
        {"login": agent.email, "password": "a-long-password-1"},
        REMOTE_ADDR="192.0.2.44",
    )
    assert response.status_code == 302
    [entry] = entries_about(agent, "login")
    assert entry.remote_addr == "192.0.2.44" and entry.actor == agent


@pytest.mark.django_db
def test_admin_filters_the_log_by_person_action_type_and_dates(login, admin, client_b, agent):
    client = login(admin)
    client.post(f"/users/{client_b.pk}/deactivate/")
    client.post(f"/users/{agent.pk}/reset-2fa/")
    page = client.get(reverse("administration:audit"), {"action": "deactivated"})
    assert page.status_code == 200
    html = page.content.decode()
    assert str(client_b) in html and html.count('class="audit-row"') == 1
    page = client.get(reverse("administration:audit"), {"actor": "nobody-like-this"})
    assert "No entry matches these filters." in page.content.decode()
    page = client.get(reverse("administration:audit"), {"since": "2999-01-01"})
    assert "audit-row" not in page.content.decode()
    # Dates the wrong way round: a message, the typed values kept.
    page = client.get(
        reverse("administration:audit"), {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert "The end date is before the start date." in page.content.decode()
    assert 'value="2026-02-01"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 40])
def test_the_log_page_queries_do_not_grow_with_rows(
    login, admin, rows, django_assert_max_num_queries
):
    people = [make_user("client_user", email=f"p{i}@x.test") for i in range(rows)]
    client = login(admin)
    for person in people:
        client.post(f"/users/{person.pk}/reset-2fa/")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("administration:audit"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_csv_export_is_filtered_recorded_and_safe_from_formulas(login, admin, org_a):
    hostile = make_user(
        "client_user", organization=org_a, email="evil@alpha.test", first_name="=HYPERLINK(1)"
    )
    client = login(admin)
    client.post(f"/users/{hostile.pk}/deactivate/")
    response = client.post(reverse("administration:audit-export"), {"action": "deactivated"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["timestamp", "actor", "ip", "action"]
    assert len(rows) == 2 and rows[1][3] == "deactivated"
    assert rows[1][6].startswith("'=HYPERLINK")  # a formula is shown as text
    assert LogEntry.objects.filter(additional_data__action="audit_exported").exists()
    # A GET does not export (nor write to the log).
    assert client.get(reverse("administration:audit-export")).status_code == 405


@pytest.mark.django_db
def test_hostile_filters_are_refused_with_a_message(login, admin):
    client = login(admin)
    response = client.get(
        reverse("administration:audit"),
        {"actor": "<script>x</script>\x00", "object_type": "99999", "since": "not-a-date"},
    )
    assert response.status_code == 200
    assert "<script>x</script>" not in response.content.decode()


@pytest.mark.django_db
def test_user_fields_that_change_are_diffed(admin):
    person = User.objects.create_user("diff@x.test", first_name="Avant")
    person.first_name = "Après"
    person.save()
    entry = entries_about(person)[-1]
    assert entry.changes["first_name"] == ["Avant", "Après"]
    assert "password" not in entry.changes


@pytest.mark.django_db
def test_an_approved_sign_up_and_a_webhook_made_on_its_page_are_recorded_with_the_admin(
    login, admin, org_a
):
    person = User.objects.create_user("newcomer@alpha.test", is_active=False)
    User.objects.filter(pk=person.pk).update(awaiting_approval=True)
    client = login(admin)
    client.post(
        f"/users/{person.pk}/approve/",
        {"organization": org_a.pk, "role_codes": ["client_user"]},
        REMOTE_ADDR="198.51.100.20",
    )
    [approved] = entries_about(person, "signup_approved")
    assert approved.actor == admin and approved.remote_addr == "198.51.100.20"
    assert approved.changes["is_active"] == [False, True]
    client.post(
        reverse("administration:webhook-new"),
        {
            "name": "Support",
            "url": "https://hooks.chat.test/services/T0/SECRET99",
            "events": ["ticket_created"],
            "language": "en",
        },
    )
    hook = ChatWebhook.objects.get()
    [created] = entries_about(hook)
    assert created.action == LogEntry.Action.CREATE and created.actor == admin
    assert created.changes["name"][1] == "Support"
    assert "SECRET99" not in str(created.changes)


@pytest.mark.django_db
def test_switching_a_mailbox_or_a_webhook_off_is_recorded_with_the_admin(login, admin):
    box = Mailbox.objects.create(
        name="Support", email_address="support@help.test", host="imap.help.test", username="s"
    )
    hook = ChatWebhook.objects.create(name="Team", url="https://hooks.chat.test/T0", events=[])
    client = login(admin)
    client.post(reverse("intake:mailbox-toggle", args=[box.pk]))
    client.post(reverse("administration:webhook-toggle", args=[hook.pk]))
    for obj in (box, hook):
        obj.refresh_from_db()
        assert obj.is_active is False
        [switched] = [e for e in entries_about(obj) if e.action == LogEntry.Action.UPDATE]
        assert switched.actor == admin and switched.changes["is_active"] == ["True", "False"]


@pytest.mark.django_db
def test_reordering_a_new_default_and_imported_holidays_are_recorded(ref, admin):
    from tickets.models import BusinessCalendar, Holiday
    from tickets.services import reference

    _first, second = list(Status.objects.order_by("order", "pk")[:2])
    reference.move_entry(actor=admin, row=second, direction="up")
    moved = [e for e in entries_about(second) if e.action == LogEntry.Action.UPDATE]
    assert moved and "order" in moved[-1].changes
    old_default = Status.objects.get(is_default=True)
    other = Status.objects.exclude(pk=old_default.pk).first()
    seen = reference.fingerprint(other)
    other.is_default = True
    reference.save_entry(actor=admin, row=other, seen=seen)
    dropped = [e for e in entries_about(old_default) if e.action == LogEntry.Action.UPDATE]
    assert dropped and dropped[-1].changes["is_default"] == ["True", "False"]
    BusinessCalendar.objects.get_or_create()
    added = reference.import_public_holidays(actor=admin, year=2031)
    created = LogEntry.objects.filter(
        content_type__model="holiday", action=LogEntry.Action.CREATE
    ).count()
    assert added == Holiday.objects.filter(date__year=2031).count() == created

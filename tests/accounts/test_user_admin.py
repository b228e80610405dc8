"""Admins manage people in the app: create + invite, edit, deactivate, approve sign-ups."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from accounts import roles
from accounts.models import Organization, User
from tests.conftest import verified_login
from tests.factories import make_user


@pytest.mark.django_db
def test_admin_creates_a_client_user_who_is_invited_to_choose_a_password(
    login, admin, org_a, django_capture_on_commit_callbacks
):
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/users/new/",
            {
                "email": "New.Person@Alpha.test",
                "first_name": "Nina",
                "last_name": "New",
                "language": "fr",
                "organization": org_a.pk,
                "role_codes": ["client_user"],
            },
        )
    person = User.objects.get(email="new.person@alpha.test")
    assert response.status_code == 302 and response["Location"] == f"/users/{person.pk}/"
    assert person.organization == org_a
    assert roles.role_codes(person) == {"client_user"}
    assert not person.has_usable_password()

    invitation = mail.outbox[-1]
    assert invitation.to == ["new.person@alpha.test"]
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", invitation.body).group(0)
    path = link.split("8000", 1)[1]
    anonymous = Client()
    form_page = anonymous.get(path, follow=True)
    assert form_page.status_code == 200
    done = anonymous.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a long new passphrase 42", "password2": "a long new passphrase 42"},
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a long new passphrase 42")


@pytest.mark.django_db
def test_the_user_form_keeps_what_was_typed_and_explains_the_problem(login, admin, client_a):
    client = login(admin)
    response = client.post(
        "/users/new/",
        {
            "email": client_a.email.upper(),
            "first_name": "Typed first name",
            "last_name": "Typed last name",
            "language": "fr",
            "role_codes": ["client_user"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Typed first name" in page and "Typed last name" in page
    assert "already exists" in page or "existe déjà" in page
    assert User.objects.filter(first_name="Typed first name").count() == 0


@pytest.mark.django_db
def test_an_agent_needs_a_support_level_and_a_client_needs_an_organization(login, admin):
    client = login(admin)
    agent = client.post(
        "/users/new/",
        {"email": "a@staff.test", "language": "fr", "role_codes": ["agent"]},
    )
    assert (
        "support level" in agent.content.decode() or "niveau de support" in agent.content.decode()
    )
    customer = client.post(
        "/users/new/",
        {"email": "c@x.test", "language": "fr", "role_codes": ["client_user"]},
    )
    assert "belong to an organization" in customer.content.decode() or "organisation" in (
        customer.content.decode()
    )
    assert not User.objects.filter(email__in=["a@staff.test", "c@x.test"]).exists()


@pytest.mark.django_db
def test_admin_edits_roles_and_level(login, admin, agent):
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
    )
    assert response.status_code == 302
    agent = User.objects.get(pk=agent.pk)
    assert roles.role_codes(agent) == {"agent", "developer"}
    assert roles.support_level(agent) == 3
    assert agent.language == "en"


@pytest.mark.django_db
def test_a_deactivated_user_is_logged_out_at_once_and_keeps_their_history(login, admin, client_a):
    their_browser = verified_login(Client(), client_a)
    assert their_browser.get("/").status_code == 200
    their_session = their_browser.session.session_key

    client = login(admin)
    response = client.post(f"/users/{client_a.pk}/deactivate/")
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.is_active is False
    assert User.objects.filter(pk=client_a.pk).exists()

    assert not Session.objects.filter(session_key=their_session).exists()
    assert their_browser.get("/")["Location"].startswith("/accounts/login/")
    again = Client().post(
        "/accounts/login/", {"login": client_a.email, "password": "correct horse battery"}
    )
    assert again.status_code == 302 and "inactive" in again["Location"]

    client.post(f"/users/{client_a.pk}/reactivate/")
    client_a.refresh_from_db()
    assert client_a.is_active is True


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_themselves(login, admin):
    client = login(admin)
    client.post(f"/users/{admin.pk}/deactivate/")
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.django_db
def test_sign_up_waits_for_approval_then_the_person_is_told_and_can_log_in(
    client, admin, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "newcomer@alpha.test",
                "password1": "a long passphrase 77",
                "password2": "a long passphrase 77",
            },
        )
    person = User.objects.get(email="newcomer@alpha.test")
    assert person.awaiting_approval and not person.is_active
    subjects = [m.subject for m in mail.outbox]
    assert any(admin.email in m.to for m in mail.outbox), subjects  # admins are told
    confirmation = next(m for m in mail.outbox if m.to == ["newcomer@alpha.test"])
    confirm_path = re.search(r"/accounts/confirm-email/\S+/", confirmation.body).group(0)
    Client().post(confirm_path)

    blocked = Client().post(
        "/accounts/login/", {"login": "newcomer@alpha.test", "password": "a long passphrase 77"}
    )
    assert blocked.status_code == 302 and "inactive" in blocked["Location"]

    admin_client = verified_login(Client(), admin)
    listing = admin_client.get("/users/?status=awaiting")
    assert "newcomer@alpha.test" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/users/{person.pk}/approve/",
            {"organization": org_a.pk, "role_codes": ["client_user"]},
        )
    person.refresh_from_db()
    assert person.is_active and not person.awaiting_approval and person.organization == org_a
    assert mail.outbox[-1].to == ["newcomer@alpha.test"]

    ok = Client().post(
        "/accounts/login/", {"login": "newcomer@alpha.test", "password": "a long passphrase 77"}
    )
    assert ok.status_code == 302 and "inactive" not in ok["Location"]


@pytest.mark.django_db
def test_reset_2fa_forgets_the_devices(login, admin, client_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=client_a, name="app", confirmed=True)
    login(admin).post(f"/users/{client_a.pk}/reset-2fa/")
    assert not TOTPDevice.objects.filter(user=client_a).exists()


@pytest.mark.django_db
def test_admin_assigns_sales_reps_to_an_organization(login, admin, org_b):
    rep = make_user("sales", email="rep2@staff.test")
    response = login(admin).post(
        f"/organizations/{org_b.pk}/edit/",
        {
            "name": org_b.name,
            "kind": "client",
            "country": "France",
            "sales_reps": [rep.pk],
            "clients_see_all_tickets": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert list(org_b.sales_reps.all()) == [rep]
    assert org_b.pk in roles.visible_organization_ids(User.objects.get(pk=rep.pk))


@pytest.mark.django_db
def test_a_non_sales_rep_cannot_be_assigned_by_a_forged_post(login, admin, org_b, client_b):
    response = login(admin).post(
        f"/organizations/{org_b.pk}/edit/",
        {"name": org_b.name, "kind": "client", "sales_reps": [client_b.pk], "is_active": "on"},
    )
    assert response.status_code == 200
    assert not org_b.sales_reps.exists()


@pytest.mark.django_db
def test_hostile_names_render_inert(login, admin, org_a):
    make_user(
        "client_user",
        organization=org_a,
        first_name="<script>alert(1)</script>",
        last_name="<img src=x onerror=alert(2)>",
    )
    page = login(admin).get("/users/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_user_list_query_count_does_not_grow_with_rows(
    login, admin, org_a, count, django_assert_max_num_queries
):
    for i in range(count):
        make_user("client_user", "client_admin", organization=org_a, email=f"p{i}@alpha.test")
        User.objects.create_user(
            email=f"signup{i}@example.test", is_active=False, awaiting_approval=True
        )
    client = login(admin)
    with django_assert_max_num_queries(14):  # 12, the sign-ups waiting, the timers (cold)
        response = client.get("/users/")
    assert response.status_code == 200
    pending = response.content.decode().split('id="pending-title">')[1]
    assert pending.startswith(f"{count} ")  # "30 sign-ups waiting…", 20 of them listed


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_organization_pages_query_count_does_not_grow(
    login, admin, count, django_assert_max_num_queries
):
    parent = Organization.objects.create(name="Parent", kind="reseller")
    for i in range(count):
        org = Organization.objects.create(name=f"Org {i}", parent=parent)
        make_user("client_user", organization=parent if i % 2 else org, email=f"m{i}@org.test")
    client = login(admin)
    with django_assert_max_num_queries(12):
        assert client.get("/organizations/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/organizations/{parent.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_periodic_purge_ends_sessions_of_inactive_people(client_a, client_b):
    from accounts.tasks import purge_expired_sessions

    inactive_browser = verified_login(Client(), client_a)
    active_browser = verified_login(Client(), client_b)
    User.objects.filter(pk=client_a.pk).update(is_active=False)

    assert purge_expired_sessions.delay().get() == 1
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert inactive_browser.session.session_key not in keys
    assert active_browser.session.session_key in keys
    assert purge_expired_sessions.delay().get() == 0


@pytest.mark.django_db
def test_the_django_admin_lists_people_and_organizations_for_a_superuser(org_a):
    root = User.objects.create_superuser("root@staff.test", "pw", is_demo=True)
    client = Client()
    client.force_login(root)
    assert client.get("/django-admin/accounts/user/").status_code == 200
    assert client.get("/django-admin/accounts/organization/").status_code == 200
    assert client.get(f"/django-admin/accounts/organization/{org_a.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_the_invitation_text_keeps_an_apostrophe_in_the_name(
    login, admin, org_a, django_capture_on_commit_callbacks
):
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/users/new/",
            {
                "email": "jeanne@alpha.test",
                "first_name": "Jeanne d'Arc & <i>Cie</i>",
                "last_name": "Lorraine",
                "language": "fr",
                "organization": org_a.pk,
                "role_codes": ["client_user"],
            },
        )
    invitation = mail.outbox[-1]
    assert invitation.to == ["jeanne@alpha.test"]
    assert "Bonjour Jeanne d'Arc & <i>Cie</i>," in invitation.body
    assert "&lt;i&gt;" in invitation.alternatives[0][0]  # the HTML part still escapes it

"""Django's admin (/django-admin/) has no login form of its own: its login sends to the app's
login (rate limits, second factor), and only superusers who passed the second factor enter."""

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import verified_login

PASSWORD = "a long root passphrase"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root@staff.test", PASSWORD)


@pytest.mark.django_db
def test_guessing_passwords_on_the_admin_login_logs_nobody_in(root):
    browser = Client()
    for attempt in range(30):
        browser.post(
            "/django-admin/login/?next=/django-admin/",
            {"username": root.email, "password": f"wrong {attempt}"},
        )
    right = browser.post(
        "/django-admin/login/?next=/django-admin/",
        {"username": root.email, "password": PASSWORD},
    )
    # No form there: the app's login, with the way back to the admin.
    assert right.status_code == 302
    assert right["Location"] == "/accounts/login/?next=/django-admin/"
    assert "_auth_user_id" not in browser.session
    assert browser.get("/django-admin/")["Location"].startswith("/django-admin/login/")


@pytest.mark.django_db
def test_the_admin_login_page_sends_to_the_app_login(client):
    response = client.get("/django-admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302
    assert login["Location"] == "/accounts/login/?next=/django-admin/"
    # An outside address is not followed back.
    away = client.get("/django-admin/login/", {"next": "https://evil.test/"})
    assert away["Location"] == "/accounts/login/?next=/django-admin/"


@pytest.mark.django_db
def test_a_superuser_who_passed_the_second_factor_reaches_the_admin(root):
    browser = verified_login(Client(), root)
    assert browser.get("/django-admin/").status_code == 200
    assert browser.get("/django-admin/accounts/user/").status_code == 200
    back = browser.get("/django-admin/login/", {"next": "/django-admin/accounts/user/"})
    assert back["Location"] == "/django-admin/accounts/user/"


@pytest.mark.django_db
def test_a_superuser_without_the_second_factor_is_sent_to_the_code_page(root):
    browser = Client()
    browser.force_login(root)
    response = browser.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    assert browser.get("/django-admin/accounts/user/").status_code == 302


@pytest.mark.django_db
def test_staff_who_are_not_superusers_get_a_404(admin, agent):
    admin.is_staff = True  # the Django flag alone opens nothing
    admin.save(update_fields=["is_staff"])
    for person in (admin, agent):
        browser = verified_login(Client(), person)
        for path in ("/django-admin/", "/django-admin/accounts/user/", "/django-admin/login/"):
            response = browser.get(path, follow=True)
            assert response.status_code == 404, path  # by way of the admin's login page

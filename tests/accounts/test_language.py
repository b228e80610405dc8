"""Which language a person gets: logged in, their profile's (the switch writes it); a visitor,
the switch's choice, else their browser's among French and English, else French."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import verified_login

PASSWORD = "correct horse battery"


def lang(response) -> str:
    """The language a page is written in (base.html's <html lang>)."""
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr"),
        ("de-DE,de;q=0.9,en;q=0.7", "en"),  # German is not offered: the next one asked
        ("de-DE,es;q=0.8", "fr"),  # neither French nor English: French
        ("", "fr"),
    ],
)
def test_a_visitor_gets_their_browser_language_among_french_and_english(accept, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE=accept) if accept else Client()
    page = client.get(reverse("account_login"))
    assert page.status_code == 200 and lang(page) == expected


@pytest.mark.django_db
def test_a_visitor_keeps_the_language_they_switched_to(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert lang(page) == "en" and "Sign In" in page.content.decode()


@pytest.mark.django_db
def test_the_login_applies_the_profile_language_whatever_the_browser_says(client_a):
    client_a.language = "en"
    client_a.save(update_fields=["language"])
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # left by an earlier visit
    assert lang(browser.get(reverse("account_login"))) == "fr"  # still a visitor

    response = browser.post(
        reverse("account_login"), {"login": client_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    code_page = browser.get(response.url, follow=True)  # the second factor's, in English
    assert lang(code_page) == "en" and "6-digit code" in code_page.content.decode()

    verified_login(browser, client_a)
    dashboard = browser.get("/")
    assert lang(dashboard) == "en" and "Waiting for your answer" in dashboard.content.decode()


@pytest.mark.django_db
def test_the_top_bar_switch_updates_the_profile(client_a, agent):
    browser = verified_login(Client(HTTP_ACCEPT_LANGUAGE="fr"), client_a)
    assert lang(browser.get("/")) == "fr"

    switched = browser.post(reverse("set_language"), {"language": "en", "next": "/tickets/"})
    assert switched.status_code == 302 and switched.url == "/tickets/"
    client_a.refresh_from_db()
    assert client_a.language == "en"
    assert lang(browser.get("/")) == "en"

    # Another browser, without the cookie: the profile decides.
    elsewhere = verified_login(Client(HTTP_ACCEPT_LANGUAGE="fr"), client_a)
    assert lang(elsewhere.get("/")) == "en"

    # An unknown language changes nothing; someone else's profile is not touched.
    browser.post(reverse("set_language"), {"language": "de", "next": "/"})
    client_a.refresh_from_db()
    agent.refresh_from_db()
    assert client_a.language == "en" and agent.language == "fr"


@pytest.mark.django_db
def test_the_profile_page_language_applies_at_once(client_a):
    browser = verified_login(Client(), client_a)
    saved = browser.post(
        reverse("accounts:profile"),
        {"first_name": "Chloé", "last_name": "Alpha", "language": "en"},
    )
    assert saved.status_code == 302
    # Even if the cookie the profile page set is lost, the pages follow the profile.
    browser.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    assert lang(browser.get(reverse("accounts:profile"))) == "en"


@pytest.mark.django_db
def test_the_switch_read_by_get_changes_nothing(client_a):
    browser = verified_login(Client(), client_a)
    browser.get(reverse("set_language") + "?language=en&next=/")
    client_a.refresh_from_db()
    assert client_a.language == "fr"

"""Web forms for clients' websites: admins make them; anyone submits; the email identifies the
contact; honeypot and rate limit; framing only from the listed origins."""

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from integrations import webforms
from integrations.models import WebForm, WebFormSubmission
from tickets.models import Ticket

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_form(ref):
    return webforms.save_web_form(
        form=None,
        name="Support Alpha",
        fields=["description", "criticality"],
        default_type=ref.type["incident"],
        allowed_origins="https://www.alpha.fr\nhttp://127.0.0.1:8099",
        is_active=True,
    )


def form_url(web_form):
    return reverse("integrations:web-form", args=[web_form.public_id])


def submission(**fields):
    data = {
        "email": "client@alpha.test",
        "name": "",
        "title": "Le site ne répond plus",
        "description": "Depuis 9 h.",
        "criticality": "high",
        "website": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("who", PERSONAS)
def test_only_admins_manage_web_forms(who, request, login, web_form):
    client = login(request.getfixturevalue(who))
    expected = 200 if who == "admin" else 404
    assert client.get(reverse("integrations:web-form-list")).status_code == expected
    assert client.get(reverse("integrations:web-form-new")).status_code == expected
    edit = reverse("integrations:web-form-edit", args=[web_form.pk])
    assert client.get(edit).status_code == expected
    posted = client.post(edit, {"name": "Hacked", "allowed_origins": "https://evil.test"})
    assert posted.status_code == (302 if who == "admin" else 404)
    web_form.refresh_from_db()
    assert (web_form.name == "Hacked") == (who == "admin")


def test_an_admin_creates_a_form_and_gets_its_snippet(login, admin, ref):
    client = login(admin)
    response = client.post(
        reverse("integrations:web-form-new"),
        {
            "name": "Formulaire du site",
            "fields_shown": ["description", "type"],
            "default_type": ref.type["aide"].pk,
            "allowed_origins": "https://www.client.fr/\nhttps://www.client.fr\n",
            "is_active": "on",
        },
    )
    web_form = WebForm.objects.get()
    assert response["Location"] == reverse("integrations:web-form-edit", args=[web_form.pk])
    assert web_form.origins == ["https://www.client.fr"]
    assert web_form.fields == ["description", "type"]
    page = client.get(response["Location"]).content.decode()
    assert f"/forms/{web_form.public_id}/" in page and "&lt;iframe src=" in page
    listed = client.get(reverse("integrations:web-form-list")).content.decode()
    assert "Formulaire du site" in listed and "https://www.client.fr" in listed


def test_bad_origins_are_refused_and_the_form_keeps_what_was_typed(login, admin):
    client = login(admin)
    response = client.post(
        reverse("integrations:web-form-new"),
        {"name": "Mon formulaire", "allowed_origins": "https://ok.fr\n*.evil.com\njavascript:x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "*.evil.com" in page and "Mon formulaire" in page
    assert not WebForm.objects.exists()


def confirm_link(message) -> str:
    [link] = re.findall(r"https?://\S+/forms/confirm/[\w-]+/", message.body)
    return urlsplit(link).path


def test_a_known_address_is_held_until_its_contact_confirms_from_the_email(
    client, client_a, web_form, django_capture_on_commit_callbacks
):
    """Anyone may type a client's address: the request waits for that person's confirmation,
    and becomes a ticket in their name only then (as mail from an unverified sender)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(web_form), submission(email="CLIENT@alpha.test"))
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:web-form-sent", args=[web_form.public_id])
    assert not Ticket.objects.exists()  # held
    [message] = mail.outbox
    assert message.to == [client_a.email] and "Le site ne répond plus" in message.subject
    link = confirm_link(message)
    # Opening the link (or a mail client's preview of it) files nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Le site ne répond plus" in page.content.decode()
    assert not Ticket.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(link)
    ticket = Ticket.objects.get()
    assert confirmed.context["number"] == ticket.number
    assert ticket.requester == client_a and ticket.organization == client_a.organization
    assert ticket.channel == Ticket.Channel.WEB and ticket.criticality_id == "high"
    assert ticket.type.code == "incident"
    assert f"/tickets/{ticket.number}/" in mail.outbox[-1].body  # the usual confirmation
    # Single use: a second confirmation files nothing more.
    client.post(link)
    assert Ticket.objects.count() == 1
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200


def test_the_thank_you_page_does_not_tell_whether_an_address_is_known(client, client_a, web_form):
    known = client.post(form_url(web_form), submission(email=client_a.email), follow=True)
    unknown = client.post(form_url(web_form), submission(email="x@prospect.test"), follow=True)
    assert known.content == unknown.content


def test_an_expired_or_forged_link_files_nothing(
    client, client_a, web_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_url(web_form), submission(email=client_a.email))
    link = confirm_link(mail.outbox[0])
    forged = reverse("integrations:web-form-confirm", args=["forged-token"])
    assert client.get(forged).status_code == 404
    assert client.get(link[:-5] + "xxxx/").status_code == 404
    assert client.post(link[:-5] + "xxxx/").status_code == 404
    WebFormSubmission.objects.update(created_at=timezone.now() - dt.timedelta(days=4))
    expired = client.post(link)
    assert "expir" in expired.content.decode() and not Ticket.objects.exists()
    assert webforms.purge_submissions(now=timezone.now() + dt.timedelta(days=4)) == 1


def test_a_staff_address_gives_an_unidentified_ticket(
    client, agent, web_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_url(web_form), submission(email=agent.email))
    ticket = Ticket.objects.get()
    assert ticket.requester is None and ticket.organization is None
    assert ticket.contact_email == agent.email


def test_a_strangers_flood_sends_a_contact_three_links_an_hour(
    client, client_a, web_form, django_capture_on_commit_callbacks
):
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(form_url(web_form), submission(email=client_a.email, title=f"Spam {n}"))
    assert len(mail.outbox) == webforms.CONFIRMATIONS_PER_HOUR
    assert not Ticket.objects.exists()


def test_an_unknown_address_gives_an_unidentified_ticket(
    client, web_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_url(web_form), submission(email="new@prospect.test", name="Ana Nova"))
    ticket = Ticket.objects.get()
    assert ticket.organization is None and ticket.requester is None
    assert ticket.contact_email == "new@prospect.test"
    assert "Ana Nova" in ticket.description
    assert [message.to for message in mail.outbox] == [["new@prospect.test"]]


def test_the_honeypot_thanks_the_robot_and_files_nothing(client, web_form):
    response = client.post(form_url(web_form), submission(website="http://spam.test"))
    assert response.status_code == 302
    assert "/sent/" in response["Location"]
    assert not Ticket.objects.exists()


def test_too_many_submissions_from_one_address_are_refused(client, web_form):
    for _ in range(webforms.SUBMISSIONS_PER_HOUR):
        assert client.post(form_url(web_form), submission()).status_code == 302
    refused = client.post(form_url(web_form), submission(title="Encore"))
    assert refused.status_code == 429
    assert 'value="Encore"' in refused.content.decode()  # what was typed is kept
    assert Ticket.objects.count() == webforms.SUBMISSIONS_PER_HOUR


def test_invalid_or_hostile_input_is_refused_with_what_was_typed_kept(client, web_form):
    for data in (
        submission(email="not an email"),
        submission(title=""),
        submission(title="a\x00b"),
        submission(title="x" * 201),
        submission(description="d" * 100_001),
        submission(criticality="extreme"),
    ):
        response = client.post(form_url(web_form), data)
        assert response.status_code == 200, data
        assert 'id="web-form"' in response.content.decode()
    response = client.post(
        form_url(web_form), submission(title="<script>alert(1)</script>", email="x")
    )
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()
    assert not Ticket.objects.exists()


def test_only_the_chosen_fields_are_asked(client, web_form):
    page = client.get(form_url(web_form)).content.decode()
    assert 'name="description"' in page and 'name="criticality"' in page
    assert 'name="type"' not in page


def test_the_form_may_be_framed_by_its_origins_only_and_other_pages_by_nobody(client, web_form):
    response = client.get(form_url(web_form))
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://www.alpha.fr http://127.0.0.1:8099" in policy
    assert "X-Frame-Options" not in response
    sent = client.get(reverse("integrations:web-form-sent", args=[web_form.public_id]))
    assert "frame-ancestors https://www.alpha.fr" in sent["Content-Security-Policy"]
    login_page = client.get(reverse("account_login"))
    assert "frame-ancestors 'none'" in login_page["Content-Security-Policy"]
    assert login_page["X-Frame-Options"] == "DENY"


def test_a_form_without_origins_may_not_be_framed(client, web_form):
    web_form.allowed_origins = ""
    web_form.save()
    policy = client.get(form_url(web_form))["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy


def test_an_inactive_or_unknown_form_answers_404(client, web_form):
    assert client.get(f"/forms/{uuid.uuid4()}/").status_code == 404
    web_form.is_active = False
    web_form.save()
    assert client.get(form_url(web_form)).status_code == 404
    assert client.post(form_url(web_form), submission()).status_code == 404
    assert (
        client.get(reverse("integrations:web-form-sent", args=[web_form.public_id])).status_code
        == 404
    )
    assert not Ticket.objects.exists()


def test_web_form_pages_read_a_fixed_number_of_queries(
    client, login, admin, web_form, django_assert_max_num_queries
):
    # + the criticalities offered, read once per process from the reference copy (here, and
    # after an admin edits reference data): the bound does not grow with anything.
    with django_assert_max_num_queries(5):
        client.get(form_url(web_form))
    staff = login(admin)
    with django_assert_max_num_queries(12):
        staff.get(reverse("integrations:web-form-list"))
    for n in range(10):
        webforms.save_web_form(form=None, name=f"F{n}", fields=[], allowed_origins="")
    with django_assert_max_num_queries(12):
        staff.get(reverse("integrations:web-form-list"))

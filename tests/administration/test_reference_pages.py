"""The Administration area (/administration/): who may open it (admins only, 404 for everyone
else), reference data lists with bounded queries, create/edit/reorder/retire/refused delete,
the status colour reaching the queue's badge at once, the calendar and France's holidays, the
canned reply preview, and the settings that replace environment variables."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import caching as account_caching
from accounts import policies
from accounts.models import SiteSettings
from tests.tickets.conftest import _english  # noqa: F401
from tickets import caching
from tickets.models import Asset, CannedReply, Holiday, Project, Status, TicketType
from tickets.services import reference as reference_services

KINDS = [
    "statuses",
    "types",
    "priorities",
    "criticalities",
    "components",
    "canned-replies",
    "equipment",
    "projects",
]


@pytest.fixture
def asset(org_a):
    return Asset.objects.create(organization=org_a, name="Imprimante 2e étage", reference="HP-42")


@pytest.fixture
def project(org_a):
    return Project.objects.create(organization=org_a, name="Migration paie")


def _every_url(asset, project, ref):
    status = ref.status["ouvert"]
    holiday = Holiday.objects.create(
        calendar=reference_services.calendar(), date=dt.date(2031, 7, 14), name="Fête"
    )
    gets = [
        reverse("administration:home"),
        reverse("administration:settings"),
        reverse("administration:calendar"),
        reverse("administration:canned-preview"),
    ]
    posts = [
        reverse("administration:holiday-add"),
        reverse("administration:holiday-import"),
        reverse("administration:holiday-delete", args=[holiday.pk]),
    ]
    for kind in KINDS:
        pk = {"equipment": asset.pk, "projects": project.pk}.get(kind)
        if pk is None:
            pk = {
                "statuses": status.pk,
                "types": ref.type["incident"].pk,
                "priorities": ref.priority["normale"].pk,
                "criticalities": ref.criticality["high"].pk,
                "components": reference_services.Component.objects.first().pk,
                "canned-replies": CannedReply.objects.first().pk,
            }[kind]
        gets += [
            reverse("administration:reference-list", args=[kind]),
            reverse("administration:reference-new", args=[kind]),
            reverse("administration:reference-edit", args=[kind, pk]),
        ]
        posts += [
            reverse(f"administration:reference-{verb}", args=[kind, pk])
            for verb in ("move", "retire", "delete")
        ]
    return gets, posts


@pytest.mark.parametrize(
    "persona",
    [
        "agent",
        "agent_l2",
        "sales",
        "dpo",
        "developer",
        "controller",
        "client_a",
        "client_admin_a",
        "client_b",
        "reseller",
    ],
)
def test_nobody_but_admins_finds_the_area(request, login, persona, ref, asset, project):
    """Every URL of the area answers 404 to every other role, and changes nothing."""
    login(request.getfixturevalue(persona))
    gets, posts = _every_url(asset, project, ref)
    before = list(Status.objects.values_list("pk", "order", "is_active"))
    for url in gets:
        assert request.getfixturevalue("client").get(url).status_code == 404, url
    for url in posts:
        response = request.getfixturevalue("client").post(url, {"direction": "up"})
        assert response.status_code == 404, url
    assert list(Status.objects.values_list("pk", "order", "is_active")) == before
    assert Asset.objects.filter(pk=asset.pk).exists()


def test_admin_opens_every_page(client, login, admin, ref, asset, project):
    login(admin)
    gets, _ = _every_url(asset, project, ref)
    for url in gets:
        assert client.get(url).status_code == 200, url
    home = client.get(reverse("dashboard")).content.decode()
    assert reverse("administration:home") in home  # the top bar's entry


def test_anonymous_is_sent_to_login(client, ref):
    response = client.get(reverse("administration:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_forged_ids_and_unknown_kinds_are_404(client, login, admin, ref):
    login(admin)
    assert client.get("/administration/nothing/").status_code == 404
    assert (
        client.get(reverse("administration:reference-edit", args=["types", 999999])).status_code
        == 404
    )
    url = reverse("administration:reference-move", args=["statuses", ref.status["ouvert"].pk])
    assert client.post(url, {"direction": "sideways"}).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_lists_cost_the_same_whatever_the_rows(
    client, login, admin, ref, org_a, kind, django_assert_max_num_queries
):
    login(admin)
    url = reverse("administration:reference-list", args=[kind])
    client.get(url)
    for i in range(30):
        Asset.objects.create(organization=org_a, name=f"Poste {i}")
        Project.objects.create(organization=org_a, name=f"Projet {i}")
        TicketType.objects.create(name_fr=f"Type {i}", code=f"type-{i}")
        CannedReply.objects.create(title=f"Réponse {i}", body="Bonjour {client_name}")
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200


def test_create_edit_reorder_retire_and_refused_delete(
    client, login, admin, ref, make_ticket, client_a
):
    login(admin)
    # Create: the code is made from the French name; it goes last.
    response = client.post(
        reverse("administration:reference-new", args=["statuses"]),
        {
            "name_fr": "En test chez le client",
            "name_en": "Client testing",
            "code": "",
            "category": "waiting_client",
            "colour": "#0AA2C0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    status = Status.objects.get(name_fr="En test chez le client")
    assert status.code == "en-test-chez-le-client" and status.colour == "#0aa2c0"
    assert status.order == max(Status.objects.values_list("order", flat=True))
    # Edit, with the fingerprint of what was shown.
    seen = reference_services.fingerprint(status)
    url = reverse("administration:reference-edit", args=["statuses", status.pk])
    data = {
        "name_fr": "Recette client",
        "name_en": "Client testing",
        "code": status.code,
        "category": "waiting_client",
        "colour": "#0aa2c0",
        "is_active": "on",
        "seen": seen,
    }
    assert client.post(url, data).status_code == 302
    status.refresh_from_db()
    assert status.name_fr == "Recette client"
    # The same form sent again (made on the older copy) is refused and shows the row as it is.
    data["name_fr"] = "Ancien nom"
    response = client.post(url, data, follow=True)
    assert "a modifié cette entrée entre-temps" in response.content.decode()
    status.refresh_from_db()
    assert status.name_fr == "Recette client"
    # Reorder: up one place.
    names = lambda: list(Status.objects.order_by("order", "name_fr").values_list("pk", flat=True))  # noqa: E731
    before = names()
    client.post(
        reverse("administration:reference-move", args=["statuses", status.pk]), {"direction": "up"}
    )
    after = names()
    assert after.index(status.pk) == before.index(status.pk) - 1
    # Refused delete: a ticket uses it.
    ticket = make_ticket(client_a)
    ticket_status = ticket.status
    response = client.post(
        reverse("administration:reference-delete", args=["statuses", ticket_status.pk]), follow=True
    )
    assert "cannot be deleted" in response.content.decode()
    assert "Retire it instead" in response.content.decode()
    assert Status.objects.filter(pk=ticket_status.pk).exists()
    # The default status cannot be retired either.
    assert ticket_status.is_default
    response = client.post(
        reverse("administration:reference-retire", args=["statuses", ticket_status.pk]), follow=True
    )
    assert "make another status the default" in response.content.decode()
    # Retire one in use: not offered any more, old tickets still show it.
    taken = ref.status["pris-en-charge"]
    ticket.status = taken
    ticket.save(update_fields=["status"])
    client.post(reverse("administration:reference-retire", args=["statuses", taken.pk]))
    taken.refresh_from_db()
    assert not taken.is_active
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert taken.name in page
    assert f'value="{taken.pk}"' not in page.split('name="status"', 1)[-1].split("</select>", 1)[0]
    # Unused: deleted.
    response = client.post(
        reverse("administration:reference-delete", args=["statuses", status.pk]), follow=True
    )
    assert not Status.objects.filter(pk=status.pk).exists()
    assert "deleted" in response.content.decode()


def test_a_new_default_status_replaces_the_old_one(client, login, admin, ref):
    login(admin)
    new = ref.status["pris-en-charge"]
    url = reverse("administration:reference-edit", args=["statuses", new.pk])
    data = {
        "name_fr": new.name_fr,
        "name_en": new.name_en,
        "code": new.code,
        "category": new.category,
        "colour": new.colour,
        "is_active": "on",
        "is_default": "on",
    }
    assert client.post(url, data).status_code == 302
    assert list(Status.objects.filter(is_default=True)) == [new]


def test_hostile_input_is_refused_and_kept(client, login, admin, ref):
    login(admin)
    url = reverse("administration:reference-new", args=["types"])
    response = client.post(url, {"name_fr": "Bad\x00name", "code": "", "is_active": "on"})
    assert response.status_code == 200
    assert "cannot be saved" in response.content.decode()
    response = client.post(url, {"name_fr": "x" * 500, "code": ""})
    assert (
        response.status_code == 200
        and not TicketType.objects.filter(name_fr__startswith="xxx").exists()
    )
    response = client.post(
        url, {"name_fr": "<script>alert(1)</script>", "code": "", "is_active": "on"}
    )
    assert response.status_code == 302
    page = client.get(reverse("administration:reference-list", args=["types"])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    colour = client.post(
        reverse("administration:reference-new", args=["statuses"]),
        {"name_fr": "Couleur", "category": "open", "colour": "#zz;}{x", "is_active": "on"},
    )
    assert colour.status_code == 200 and "#rrggbb" in colour.content.decode()


def test_status_colour_reaches_the_queue_badge_at_once(
    client, login, admin, agent, ref, make_ticket, client_a
):
    """The queue's badge takes the colour from a style sheet whose URL carries the reference
    version: after an admin's change, another worker (its own copy of the rows, kept while the
    shared version is unchanged) serves the new colour at once."""
    make_ticket(client_a)
    status = ref.status["ouvert"]
    login(agent)
    queue = client.get(reverse("tickets:list")).content.decode()
    assert f"st-{status.pk}" in queue
    css_url = queue.split('href="/tickets/status-colours.css', 1)[1].split('"', 1)[0]
    before = client.get(
        "/tickets/status-colours.css" + css_url.replace("&amp;", "&")
    ).content.decode()
    assert f".ticket-status.st-{status.pk}" in before
    # "Another worker": a copy of the rows loaded now, under the current shared version.
    caching.reference()
    other_worker_copy = caching._reference_copy
    login(admin)
    url = reverse("administration:reference-edit", args=["statuses", status.pk])
    data = {
        "name_fr": status.name_fr,
        "name_en": status.name_en,
        "code": status.code,
        "category": status.category,
        "colour": "#aa0000",
        "is_active": "on",
        "is_default": "on",
    }
    assert client.post(url, data).status_code == 302
    caching._reference_copy = other_worker_copy  # that worker never saw the change itself
    login(agent)
    queue = client.get(reverse("tickets:list")).content.decode()
    new_url = queue.split('href="/tickets/status-colours.css', 1)[1].split('"', 1)[0]
    assert new_url != css_url
    after = client.get("/tickets/status-colours.css" + new_url.replace("&amp;", "&"))
    assert after["Content-Type"].startswith("text/css")
    rule = next(line for line in after.content.decode().splitlines() if f"st-{status.pk} " in line)
    assert "#" in rule and rule != next(
        line for line in before.splitlines() if f"st-{status.pk} " in line
    )


def test_badge_text_is_readable_on_its_tint():
    from tickets import colours

    for colour in ("#ffc107", "#0d6efd", "#adb5bd", "#000000", "#ffffff", "not-a-colour"):
        background, text = colours.badge(colour)
        assert colours.contrast(colours._rgb(text), colours._rgb(background)) >= 4.5


def test_equipment_lists_its_tickets_and_the_queue_filters_by_it(
    client, login, admin, agent, client_a, client_b, asset, make_ticket
):
    with_asset = make_ticket(client_a, title="Bourrage papier")
    with_asset.asset = asset
    with_asset.save(update_fields=["asset"])
    make_ticket(client_a, title="Autre chose")
    login(admin)
    card = client.get(reverse("tickets:related", args=["asset", asset.pk])).content.decode()
    assert "Bourrage papier" in card and "Autre chose" not in card
    assert f"?asset={asset.pk}" in card
    login(agent)
    queue = client.get(reverse("tickets:list") + f"?asset={asset.pk}").content.decode()
    assert "Bourrage papier" in queue and "Autre chose" not in queue
    # A client of another organization: neither the card nor the filter tells anything.
    login(client_b)
    assert client.get(reverse("tickets:related", args=["asset", asset.pk])).status_code == 404
    queue = client.get(reverse("tickets:list") + f"?asset={asset.pk}").content.decode()
    assert "Bourrage papier" not in queue and "Imprimante" not in queue


def test_equipment_in_use_is_not_deleted(
    client, login, admin, client_a, asset, project, make_ticket
):
    ticket = make_ticket(client_a)
    ticket.asset, ticket.project = asset, project
    ticket.save(update_fields=["asset", "project"])
    login(admin)
    for kind, row in (("equipment", asset), ("projects", project)):
        response = client.post(
            reverse("administration:reference-delete", args=[kind, row.pk]), follow=True
        )
        assert "cannot be deleted" in response.content.decode()
        assert type(row).objects.filter(pk=row.pk).exists()


def test_canned_reply_preview_on_a_chosen_ticket(client, login, admin, client_a, make_ticket):
    ticket = make_ticket(client_a)
    login(admin)
    url = reverse("administration:canned-preview")
    body = "Bonjour {client_name},\n\nVotre demande {ticket_number}.\n\n{agent_name}"
    html = client.post(url, {"body": body, "ticket": ticket.number}).content.decode()
    assert "Chloé Alpha" in html and f"#{ticket.number}" in html and "Ada Admin" in html
    html = client.post(url, {"body": body, "ticket": 999999}).content.decode()
    assert "No ticket #999999" in html
    html = client.post(url, {"body": "<script>alert(1)</script>"}).content.decode()
    assert "<script>" not in html
    page = client.get(
        reverse("administration:reference-new", args=["canned-replies"])
    ).content.decode()
    for placeholder in ("{client_name}", "{ticket_number}", "{agent_name}"):
        assert placeholder in page


def test_calendar_hours_and_france_holidays_in_one_click(client, login, admin, ref):
    login(admin)
    url = reverse("administration:holiday-import")
    response = client.post(url, {"year": 2031}, follow=True)
    dates = set(Holiday.objects.filter(date__year=2031).values_list("date", flat=True))
    assert dt.date(2031, 7, 14) in dates and dt.date(2031, 12, 25) in dates and len(dates) == 11
    assert "11 public holidays" in response.content.decode()
    client.post(url, {"year": 2031})
    assert Holiday.objects.filter(date__year=2031).count() == 11  # twice: no duplicate
    response = client.post(
        reverse("administration:holiday-add"), {"date": "2031-07-14", "name": "x"}
    )
    assert response.status_code == 400 and "already a public holiday" in response.content.decode()
    cal = reference_services.calendar()
    response = client.post(
        reverse("administration:calendar"),
        {
            "working_days": ["1", "2", "3", "4"],
            "day_start": "08:30",
            "day_end": "08:00",
            "time_zone": "Europe/Paris",
            "seen": reference_services.fingerprint(cal),
        },
    )
    assert "must end after it starts" in response.content.decode()
    assert 'value="08:30"' in response.content.decode()  # what was typed is kept
    client.post(
        reverse("administration:calendar"),
        {
            "working_days": ["1", "2", "3", "4"],
            "day_start": "08:30",
            "day_end": "17:00",
            "time_zone": "Europe/Paris",
            "seen": reference_services.fingerprint(cal),
        },
    )
    cal.refresh_from_db()
    assert cal.weekdays == {1, 2, 3, 4} and cal.day_start == dt.time(8, 30)
    assert caching.reference().calendar.weekdays == frozenset({1, 2, 3, 4})


def test_settings_override_the_environment_at_once(client, login, admin, settings):
    settings.TICKETS_AUTO_CLOSE_DAYS = 7
    settings.HOTLINE_EMAILS = ["hotline@env.test"]
    settings.HELPDESK_SIGNUP_OPEN = True
    assert policies.current().auto_close_days == 7
    login(admin)
    page = client.get(reverse("administration:settings")).content.decode()
    assert "hotline@env.test" in page and 'placeholder="7"' in page
    other_worker_copy = account_caching._site_settings_copy
    response = client.post(
        reverse("administration:settings"),
        {
            "version": 0,
            "auto_close_days": "10",
            "auto_close_warning_days": "2",
            "hotline_emails": "Hotline@Company.test\nsecond@company.test",
            "signup_open": "no",
            "signup_requires_approval": "",
            "two_factor": "roles",
            "two_factor_roles": ["admin", "agent"],
        },
    )
    assert response.status_code == 302
    account_caching._site_settings_copy = other_worker_copy  # another worker's copy: reloaded
    now = policies.current()
    assert now.auto_close_days == 10 and now.auto_close_warning_days == 2
    assert now.hotline_emails == ("hotline@company.test", "second@company.test")
    assert now.signup_open is False and now.signup_requires_approval is True
    assert now.two_factor_roles == ("admin", "agent")
    from tickets.services import auto_close_days

    assert auto_close_days() == 10
    # The sign-up page is closed now.
    client.logout()
    assert "closed" in client.get(reverse("account_signup")).content.decode().lower()
    # A form made on the older version is refused.
    login(admin)
    response = client.post(
        reverse("administration:settings"),
        {"version": 1, "auto_close_days": "3", "two_factor": ""},
        follow=True,
    )
    assert "Someone else changed the settings" in response.content.decode()
    assert SiteSettings.objects.get().auto_close_days == 10


def test_settings_refuse_what_does_not_fit(client, login, admin):
    login(admin)
    response = client.post(
        reverse("administration:settings"),
        {
            "auto_close_days": "3",
            "auto_close_warning_days": "5",
            "hotline_emails": "not an email",
            "two_factor": "roles",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "fewer days than the delay" in page and "not an email address" in page
    assert "Tick at least one role" in page and "not an email" in page
    assert not SiteSettings.objects.exists()


def test_cache_version_reloads_after_cache_loss(admin):
    """An emptied shared cache makes every worker reload (no copy claims a new number)."""
    reference_services.calendar()
    policies.current()
    cache.clear()
    SiteSettings.objects.create(pk=1, auto_close_days=4)
    assert policies.current().auto_close_days == 4


def test_the_auto_close_job_follows_the_settings_page(
    client, login, admin, agent, ticket_a_waiting, settings
):
    """An admin's delay and warning replace TICKETS_AUTO_CLOSE_DAYS at the job's next run."""
    from tickets import services
    from tickets.models import Ticket

    settings.TICKETS_AUTO_CLOSE_DAYS = 7
    login(admin)
    client.post(
        reverse("administration:settings"),
        {"version": 0, "auto_close_days": "3", "auto_close_warning_days": "2", "two_factor": ""},
    )
    start = Ticket.objects.get(pk=ticket_a_waiting.pk).waiting_since
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(hours=12)) == (0, 0)
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(days=1, hours=1)) == (1, 0)
    assert services.auto_close_waiting_tickets(now=start + dt.timedelta(days=3, hours=1)) == (0, 1)


def test_hotline_addresses_from_the_settings_page(client, login, admin, settings):
    """CDC notifications and intake (which never takes the hotline for a client) read them."""
    from intake.services.ingest import own_addresses

    settings.HOTLINE_EMAILS = ["old@env.test"]
    assert "old@env.test" in own_addresses()
    login(admin)
    client.post(
        reverse("administration:settings"),
        {"version": 0, "hotline_emails": "hotline@company.test", "two_factor": ""},
    )
    addresses = own_addresses()
    assert "hotline@company.test" in addresses and "old@env.test" not in addresses


@pytest.fixture
def ticket_a_waiting(make_ticket, client_a, agent, ref):
    from tickets import services

    ticket_a = make_ticket(client_a)
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    return ticket_a


def test_the_default_priority_is_not_retired(client, login, admin, ref):
    login(admin)
    default = ref.priority["normale"]
    assert default.is_default
    url = reverse("administration:reference-retire", args=["priorities", default.pk])
    response = client.post(url, follow=True)
    assert "cannot be retired" in response.content.decode()
    default.refresh_from_db()
    assert default.is_active

"""The queue: filters and sorts in the URL, saved views for staff, visibility kept."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from tickets import services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def numbers(response):
    return [t.number for t in response.context["tickets"]]


@pytest.fixture
def queue(make_ticket, agent, client_a, client_b, ref):
    mine = make_ticket(client_a, title="Imprimante en panne")
    services.claim(actor=agent, ticket=mine)
    unassigned = make_ticket(client_a, title="Export comptable vide")
    other_org = make_ticket(client_b, title="Beta export secret")
    return {"mine": mine, "unassigned": unassigned, "other": other_org}


def test_assignee_filters_and_saved_views(login, agent, queue):
    client = login(agent)
    mine = client.get(reverse("tickets:list"), {"assignee": "me"})
    assert numbers(mine) == [queue["mine"].number]
    unassigned = client.get(reverse("tickets:list"), {"view": "unassigned"})
    assert set(numbers(unassigned)) == {queue["unassigned"].number, queue["other"].number}
    saved = client.get(reverse("tickets:list"), {"view": "mine"})
    assert numbers(saved) == [queue["mine"].number]


def test_every_column_sorts_both_ways(login, agent, queue):
    client = login(agent)
    ascending = numbers(client.get(reverse("tickets:list"), {"sort": "number"}))
    descending = numbers(client.get(reverse("tickets:list"), {"sort": "-number"}))
    assert ascending == sorted(ascending) and descending == ascending[::-1]
    for column in ("title", "client", "status", "priority", "created", "updated"):
        for sort in (column, f"-{column}"):
            assert client.get(reverse("tickets:list"), {"sort": sort}).status_code == 200
    titles = [
        t.title for t in client.get(reverse("tickets:list"), {"sort": "title"}).context["tickets"]
    ]
    assert titles == sorted(titles)


def test_default_order_is_last_activity_first(login, agent, queue):
    client = login(agent)
    services.reply(actor=agent, ticket=queue["unassigned"], body="Nous regardons.")
    assert numbers(client.get(reverse("tickets:list")))[0] == queue["unassigned"].number


def test_search_finds_by_word_and_by_number_within_visibility(login, client_a, queue):
    client = login(client_a)
    by_word = client.get(reverse("tickets:list"), {"q": "export"})
    assert numbers(by_word) == [queue["unassigned"].number]  # not Beta's ticket
    by_number = client.get(reverse("tickets:list"), {"q": f"#{queue['other'].number}"})
    assert numbers(by_number) == []


def test_a_client_forging_another_organization_filter_sees_nothing_of_it(
    login, client_a, queue, org_b
):
    response = login(client_a).get(reverse("tickets:list"), {"organization": org_b.pk})
    assert queue["other"].number not in numbers(response)
    assert "Beta" not in response.content.decode()


def test_clients_get_no_saved_views(login, client_a, queue):
    response = login(client_a).get(reverse("tickets:list"), {"view": "mine"})
    assert response.context["saved_views"] == {}
    assert set(numbers(response)) == {queue["mine"].number, queue["unassigned"].number}


def test_filters_stay_in_the_sort_links(login, agent, queue):
    response = login(agent).get(reverse("tickets:list"), {"assignee": "me", "sort": "-number"})
    column = next(c for c in response.context["columns"] if c.get("url") and "number" in c["url"])
    assert "assignee=me" in column["url"] and "sort=number" in column["url"]


def test_filtered_list_queries_do_not_grow(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    params = {"assignee": "any", "category": ["new", "open"], "q": "panne", "sort": "-priority"}
    for _ in range(3):
        services.claim(actor=agent, ticket=make_ticket(client_a, title="Panne réseau"))
    client.get(reverse("tickets:list"), params)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("tickets:list"), params)
    for _ in range(30):
        services.claim(actor=agent, ticket=make_ticket(client_a, title="Panne réseau"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("tickets:list"), params)
    assert len(response.context["tickets"]) == 25
    assert Ticket.objects.count() == 33


# The queue's rows as Django's engine writes them (tickets.templatetags.queue_rows uses Jinja2).
ROW_TEMPLATE = """{% load i18n tickets %}{% for ticket in tickets %}
<tr class="q-row{% if ticket.is_overdue %} ticket-overdue{% endif %}">
  {% if bulk_form %}<td class="bulk-cell q-select"><input class="form-check-input bulk-select" type="checkbox" form="bulk-form" name="tickets" value="{{ ticket.number }}" aria-label="{% blocktranslate with number=ticket.number %}Select ticket #{{ number }}{% endblocktranslate %}"></td>{% endif %}
  <td class="q-number text-nowrap"><a class="fw-semibold" href="{% url 'tickets:detail' ticket.number %}">#{{ ticket.number }}</a></td>
  <td class="q-title ticket-title-cell"><div class="q-line" title="{{ ticket.title }}{% if ticket.type %} · {{ ticket.type.name }}{% endif %}">
    <span class="q-head"><a class="q-open link-body-emphasis text-decoration-none" href="{% url 'tickets:detail' ticket.number %}">{{ ticket.title }}</a>{% if ticket.is_overdue %} <span class="badge text-bg-danger">{% translate "Overdue" %}</span>{% endif %}</span>
    {% if ticket.type %}<span class="q-secondary">{{ ticket.type.name }}</span>{% endif %}
  </div></td>
  <td class="q-client"><div class="q-line"{% if ticket.requester %} title="{% if ticket.organization_id %}{{ ticket.organization.name }}{% else %}{{ ticket.contact_email }}{% endif %} · {{ ticket.requester.get_full_name|default:ticket.requester.email }}"{% endif %}><span class="q-head">{% if ticket.organization_id %}<span class="q-main">{{ ticket.organization.name }}</span>{% else %}<span class="badge text-bg-warning">{% translate "Unidentified" %}</span> <span class="q-main small">{{ ticket.contact_email }}</span>{% endif %}</span>{% if ticket.requester %}<span class="q-secondary">{{ ticket.requester.get_full_name|default:ticket.requester.email }}</span>{% endif %}</div></td>
  <td class="q-status">{{ ticket.status|status_badge }}</td>
  <td class="q-priority">{{ ticket.priority|priority_badge }}</td>
  <td class="q-assignees small">{% for person in ticket.assignees.all %}{{ person.get_full_name|default:person.email }}{% if not forloop.last %}, {% endif %}{% empty %}<span class="text-body-secondary">{% translate "Unassigned" %}</span>{% endfor %}</td>
  <td class="q-created small text-nowrap">{{ ticket.created_at|date:"SHORT_DATETIME_FORMAT" }}</td>
  <td class="q-updated small text-nowrap"><div class="q-line"{% if ticket.last_activity_by %} title="{{ ticket.last_activity_by.get_full_name|default:ticket.last_activity_by.email }}"{% endif %}><span class="q-main">{{ ticket.last_activity_at|date:"SHORT_DATETIME_FORMAT" }}</span>{% if ticket.last_activity_by %}<span class="q-secondary">{{ ticket.last_activity_by.get_full_name|default:ticket.last_activity_by.email }}</span>{% endif %}</div></td>
</tr>
{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["fr", "en"])
def test_queue_rows_are_written_as_the_template_wrote_them(
    language, login, agent, agent_l2, make_ticket, client_a, queue
):
    from django.template import Context, Template
    from django.utils import translation

    odd = make_ticket(client_a, title='<b>"Imprimante" & co</b>', description="…")
    services.assign(actor=agent, ticket=odd, assignees=[agent, agent_l2])
    Ticket.objects.filter(pk=odd.pk).update(
        resolution_due_at=timezone.now() - timedelta(minutes=1),
        organization=None,
        requester=None,
        contact_email="x@unknown.test",
    )
    agent.language = language  # a logged-in person's pages are in their profile's language
    agent.save(update_fields=["language"])
    client = login(agent)
    with translation.override(language):
        for bulk in (True, False):
            response = client.get(reverse("tickets:list"))
            tickets = response.context["tickets"]
            html = response.content.decode()
            written = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
            if not bulk:
                from tickets.templatetags.tickets import queue_rows

                written = queue_rows(tickets, None)
            expected = Template(ROW_TEMPLATE).render(
                Context({"tickets": tickets, "bulk_form": bulk})
            )
            squeeze = lambda text: re.sub(r">\s+<", "><", text).strip()  # noqa: E731
            assert squeeze(written) == squeeze(expected)
            assert "ticket-overdue" in written and "&lt;b&gt;&quot;Imprimante" in written
            assert ("Non identifié" if language == "fr" else "Unidentified") in written


def test_a_renamed_status_shows_on_the_list_at_once(login, agent, queue, ref, django_admin):
    """Rows take their status from the cached reference data; renaming one (in the Django
    admin, where statuses are edited) drops the cache."""
    client = login(agent)
    assert "Sur le feu" not in client.get(reverse("tickets:list")).content.decode()
    status = queue["mine"].status
    django_admin(Status, status.pk, name_fr="Sur le feu", name_en="Sur le feu")
    page = client.get(reverse("tickets:list")).content.decode()
    assert "Sur le feu" in page


def test_each_process_keeps_the_reference_rows_until_their_version_moves(
    ref, django_assert_num_queries
):
    """Pages read the rows from this process's copy (no query); a save anywhere moves the
    shared version, and the next read reloads. A write no signal announces (update()) shows
    once the version moves or the copy expires."""
    from tickets import caching

    copy = caching.reference()
    with django_assert_num_queries(0):
        assert caching.reference() is copy
    status = next(iter(ref.status.values()))
    Status.objects.filter(pk=status.pk).update(name_fr="Sur le feu", name_en="Sur le feu")
    assert caching.reference().statuses[status.pk].name_fr != "Sur le feu"
    caching.reference_changed()  # what saving a status does, in this process or another one
    assert caching.reference().statuses[status.pk].name_fr == "Sur le feu"


def test_status_priority_and_type_filters_show_their_options_without_a_query(
    login, agent, queue, ref
):
    """Their checkboxes come from the reference data; a chosen one stays ticked, and a value
    that is not a priority is refused by the form, which the page says."""
    client = login(agent)
    client.get(reverse("tickets:list"))
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("tickets:list")).content.decode()
    assert not [q for q in page.captured_queries if "tickets_priority" in q["sql"]]
    for priority in ref.priority.values():
        assert re.search(
            rf'name="priority" value="{priority.pk}" id="qf-priority-{priority.pk}">'
            rf"<label[^>]*>{priority.name}<",
            html,
        )
    high = max(ref.priority.values(), key=lambda p: p.order)
    status = queue["mine"].status
    chosen = client.get(reverse("tickets:list"), {"priority": high.pk, "status": status.pk})
    html = chosen.content.decode()
    assert re.search(rf'name="priority" value="{high.pk}" id="[^"]+" checked>', html)
    assert re.search(rf'name="status" value="{status.pk}" id="[^"]+" checked>', html)
    forged = client.get(reverse("tickets:list"), {"priority": 999999})
    assert forged.context["filter"].form.errors["priority"]
    assert 'class="alert alert-warning py-2 queue-filter-errors"' in forged.content.decode()


def test_the_page_count_is_kept_until_the_next_ticket_change(
    login, agent, client_a, make_ticket, settings, queue
):
    """The capped count behind "Page n of m" is cached like the dashboard counters: per
    person and filters, until a ticket changes."""
    settings.HELPDESK_COUNTERS_CACHE_SECONDS = 60
    client = login(agent)
    url = reverse("tickets:list")
    first = client.get(url).context["page"].paginator.count
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).context["page"].paginator.count == first == 3
    assert not [q for q in again.captured_queries if "COUNT(*)" in q["sql"]]
    make_ticket(client_a, title="Une de plus")
    assert client.get(url).context["page"].paginator.count == 4
    assert client.get(url, {"q": "export"}).context["page"].paginator.count == 2
    assert login(client_a).get(url).context["page"].paginator.count == 3  # their own


def test_page_links_keep_every_value_of_every_filter(login, agent, client_a, make_ticket, ref):
    """Two status categories chosen: "Next" and "Previous" keep both (not only the last)."""
    for n in range(30):
        make_ticket(client_a, title=f"Demande {n}")
    client = login(agent)
    params = {"category": ["new", "open"], "q": "demande"}
    first = client.get(reverse("tickets:list"), params).content.decode()
    link = re.search(r'<a class="page-link" href="([^"]+)">(?:Next|Suivant)', first).group(1)
    assert link == "?category=new&amp;category=open&amp;q=demande&amp;page=2"
    second = client.get(reverse("tickets:list") + link.replace("&amp;", "&"))
    assert second.context["filter"].form.cleaned_data["category"] == ["new", "open"]
    back = re.search(
        r'<a class="page-link" href="([^"]+)">(?:Previous|Précédent)', second.content.decode()
    )
    assert back.group(1) == "?category=new&amp;category=open&amp;q=demande&amp;page=1"


def test_unassigned_follows_every_way_the_assignees_change(login, agent, admin, queue):
    """The services keep the "assigned" flag behind the Unassigned view and counter with the
    assignees, whatever verb changes them; a person holding a ticket cannot be deleted from
    under it, and the admin shows the assignees read-only (tests/tickets/test_assigned_flag.py
    goes through every path)."""
    from django.db.models import ProtectedError

    ticket = queue["unassigned"]

    def unassigned():
        return set(numbers(login(agent).get(reverse("tickets:list"), {"view": "unassigned"})))

    def flag():
        return Ticket.objects.get(pk=ticket.pk).is_assigned

    assert ticket.number in unassigned() and not flag()
    services.claim(actor=agent, ticket=ticket)
    assert ticket.number not in unassigned() and flag()
    services.escalate(actor=agent, ticket=ticket, reason="Niveau 2")
    assert ticket.number in unassigned() and not flag()
    services.assign(actor=admin, ticket=ticket, assignees=[agent, admin])
    services.assign(actor=admin, ticket=ticket, assignees=[admin])  # one of two removed
    assert flag()
    services.assign(actor=admin, ticket=ticket, assignees=[])
    assert not flag()
    services.assign(actor=admin, ticket=ticket, assignees=[admin])
    assert flag() and ticket.number not in unassigned()
    with pytest.raises(ProtectedError):
        admin.delete()  # the last assignee: refused, the ticket keeps them
    assert flag() and ticket.number not in unassigned()
    services.assign(actor=agent, ticket=ticket, assignees=[])
    assert not flag() and ticket.number in unassigned()
    # "Anyone" is the complement.
    anyone = numbers(login(agent).get(reverse("tickets:list"), {"assignee": "any"}))
    assert anyone == [queue["mine"].number]


def test_organizations_renamed_in_the_django_admin_show_in_the_client_filter_at_once(
    org_a, django_admin, django_capture_on_commit_callbacks
):
    from accounts.selectors import organization_names

    assert (org_a.pk, "Alpha Industries") in organization_names()  # now in the cache
    with django_capture_on_commit_callbacks(execute=True):
        django_admin(Organization, org_a.pk, name="Alpha Renommée")
    assert (org_a.pk, "Alpha Renommée") in organization_names()


def test_a_saved_view_keeps_its_rows_first_and_yields_to_the_filters_set(login, agent, queue):
    client = login(agent)
    unassigned = client.get(reverse("tickets:list"), {"view": "unassigned"})
    html = unassigned.content.decode()
    # The view's filters (assignee, open) are the view's tab, not chips the person set; the
    # "More filters" panel stays unbuilt until opened.
    assert unassigned.context["chips"] == []
    assert re.search(r'class="nav-link active" href="\?view=unassigned" aria-current="page"', html)
    assert 'name="support_level"' not in html
    # Picking another assignee in the form wins over the view's.
    mine = client.get(reverse("tickets:list"), {"view": "unassigned", "assignee": "me"})
    assert numbers(mine) == [queue["mine"].number]
    assert [chip.url for chip in mine.context["chips"]] == ["?view=unassigned"]


def test_a_date_range_filters_on_its_own(login, agent, queue):
    Ticket.objects.filter(pk=queue["other"].pk).update(created_at="2024-01-10T10:00:00Z")
    client = login(agent)
    recent = client.get(reverse("tickets:list"), {"created_after": "2025-01-01"})
    assert set(numbers(recent)) == {queue["mine"].number, queue["unassigned"].number}
    old = client.get(reverse("tickets:list"), {"created_before": "2024-12-31"})
    assert numbers(old) == [queue["other"].number]
    # The panel that holds it is built with the page, and the filter is a chip that removes it.
    html = old.content.decode()
    assert 'name="created_before"' in html
    (chip,) = old.context["chips"]
    assert "2024" in chip.value and chip.url == "?"


def test_the_client_filter_of_staff_searches_organizations_and_lists_none(
    login,
    admin,
    agent,
    reseller,
    org_a,
    org_b,
    queue,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    """Hundreds of client organizations must not weigh on every queue page: staff search them
    (the accounts:pick-organizations picker), so the page reads no organization; a chosen one
    is checked against what the person may see and shown by name. Customers tick among their
    own organizations."""
    from accounts import services as account_services
    from tests.factories import OrganizationFactory

    client = login(agent)
    client.get(reverse("tickets:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("tickets:list"))
    bound = len(few.captured_queries)  # read now: the next request resets the query log
    with django_capture_on_commit_callbacks(execute=True):
        for organization in OrganizationFactory.build_batch(40):
            account_services.save_organization(actor=admin, organization=organization)
    with django_assert_max_num_queries(bound) as many:
        html = client.get(reverse("tickets:list")).content.decode()
    assert not [q for q in many.captured_queries if 'FROM "accounts_organization"' in q["sql"]]
    assert f'hx-get="{reverse("accounts:pick-organizations")}"' in html
    assert 'name="organization"' in html and 'name="organization" value=' not in html
    # A chosen organization is still checked against what the person may see.
    filtered = client.get(reverse("tickets:list"), {"organization": org_a.pk})
    assert set(numbers(filtered)) == {queue["mine"].number, queue["unassigned"].number}
    chosen = filtered.content.decode()
    assert f'<option value="{org_a.pk}" selected>Alpha Industries</option>' in chosen
    assert [chip.value for chip in filtered.context["chips"]] == ["Alpha Industries"]
    # A reseller ticks among the organizations they see: theirs and their clients'.
    theirs = login(reseller).get(reverse("tickets:list"))
    offered = {option.label for option in theirs.context["menus"]["organization"]}
    assert "Beta Corp" not in offered and len(offered) >= 2


# --- The default view, the status tabs, the filter menus and chips, the row density -----------


@pytest.fixture
def states(queue, admin, ref):
    """The queue's tickets, plus one closed, one cancelled and one resolved."""
    made = dict(queue)
    for key, code in (("closed", "ferme"), ("cancelled", "annule"), ("resolved", "resolu")):
        ticket = services.create_ticket(
            actor=admin,
            title=f"Ticket {key}",
            description="…",
            type=ref.type["incident"],
            organization=queue["mine"].organization,
        )
        services.change_status(actor=admin, ticket=ticket, status=ref.status[code])
        made[key] = ticket
    return made


def test_the_queue_opens_on_open_tickets_and_shows_the_others_when_asked(
    login, agent, client_a, states
):
    """Closed and cancelled tickets only in the Closed and All tabs, or when a status filter
    asks for them; the Open tab is the one lit by default."""
    client = login(agent)
    default = client.get(reverse("tickets:list"))
    open_ones = {"mine", "unassigned", "other", "resolved"}
    assert set(numbers(default)) == {states[key].number for key in open_ones}
    active = [tab["key"] for tab in default.context["tabs"] if tab["active"]]
    assert active == ["open"]
    closed = client.get(reverse("tickets:list"), {"state": "closed"})
    assert set(numbers(closed)) == {states["closed"].number, states["cancelled"].number}
    assert [tab["key"] for tab in closed.context["tabs"] if tab["active"]] == ["closed"]
    everything = client.get(reverse("tickets:list"), {"state": "all"})
    assert len(numbers(everything)) == 6
    # A status category chosen in the menu is not narrowed to the open ones.
    cancelled = client.get(reverse("tickets:list"), {"category": "cancelled"})
    assert numbers(cancelled) == [states["cancelled"].number]
    # A search in the default view says closed tickets are left out, and links to all.
    searched = client.get(reverse("tickets:list"), {"q": "ticket"}).content.decode()
    assert 'href="?q=ticket&amp;state=all"' in searched
    # Clients get the same tabs, within their organization.
    theirs = login(client_a).get(reverse("tickets:list"))
    assert states["closed"].number not in numbers(theirs)
    assert states["other"].number not in numbers(theirs)
    assert 'href="?state=closed"' in theirs.content.decode()


def test_filters_combine_values_and_each_chip_removes_one(
    login, agent, admin, org_a, org_b, states, ref
):
    """Several values of one filter are either one; the chips say which filters are set (their
    names, not ids) and each links to the queue without that one value."""
    services.assign(actor=admin, ticket=states["other"], assignees=[admin])
    client = login(agent)
    params = {
        "organization": [org_a.pk, org_b.pk],
        "assignee": ["me", str(admin.pk)],
        "priority": ref.priority["normale"].pk,
    }
    response = client.get(reverse("tickets:list"), params)
    assert set(numbers(response)) == {states["mine"].number, states["other"].number}
    chips = {(chip.name, chip.value): chip.url for chip in response.context["chips"]}
    assert set(chips) == {
        ("Priority", "Normal"),
        ("Client", "Alpha Industries"),
        ("Client", "Beta Corp"),
        ("Assignee", "Me"),
        ("Assignee", "Ada Admin"),
    }
    without_admin = client.get(reverse("tickets:list") + chips[("Assignee", "Ada Admin")])
    assert numbers(without_admin) == [states["mine"].number]
    assert [c.value for c in without_admin.context["chips"]].count("Beta Corp") == 1
    # The assignee picker shows the person chosen by id, by name.
    assert (str(admin.pk), "Ada Admin") in response.context["chosen_people"]
    # Unassigned or mine: either one.
    either = client.get(reverse("tickets:list"), {"assignee": ["me", "none"]})
    assert set(numbers(either)) == {
        states["mine"].number,
        states["unassigned"].number,
        states["resolved"].number,
    }
    # Clearing every filter keeps the tab and the sort.
    sorted_closed = client.get(
        reverse("tickets:list"), {"state": "closed", "sort": "number", "priority": 1}
    )
    assert sorted_closed.context["clear_url"] == "?state=closed&sort=number"


def test_customers_have_no_assignee_filter_and_cannot_name_an_agent(login, agent, client_a, queue):
    response = login(client_a).get(reverse("tickets:list"), {"assignee": str(agent.pk)})
    html = response.content.decode()
    assert 'id="qf-assignee-toggle"' not in html
    assert reverse("accounts:pick-agents") not in html
    assert response.context["chosen_people"] == [] and response.context["chips"] == []


def test_filter_menus_and_chips_keep_the_page_queries_bounded(
    login, agent, admin, client_a, make_ticket, org_a, ref, django_assert_max_num_queries
):
    """Every menu, a client and two people chosen: the same queries for 5 and 30 tickets."""
    client = login(agent)
    params = {
        "organization": org_a.pk,
        "assignee": ["me", "none", str(admin.pk)],
        "category": ["new", "open"],
        "type": ref.type["incident"].pk,
        "created_after": "2020-01-01",
    }
    for _ in range(5):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    client.get(reverse("tickets:list"), params)
    with django_assert_max_num_queries(22) as few:
        response = client.get(reverse("tickets:list"), params)
    assert len(response.context["chips"]) == 8  # created_after is one
    bound = len(few.captured_queries)
    for _ in range(25):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    with django_assert_max_num_queries(bound):
        response = client.get(reverse("tickets:list"), params)
    assert len(response.context["tickets"]) == 25


@pytest.mark.parametrize(
    "who", ["admin", "agent", "sales", "dpo", "developer", "client_a", "reseller", "client_b"]
)
def test_each_person_keeps_their_row_density(who, request, login):
    """Compact by default; anyone may choose comfortable rows for themselves, kept on their
    account (another session finds it); a value that is not a density is refused."""
    from accounts.models import User

    person = request.getfixturevalue(who)
    client = login(person)
    page = client.get(reverse("tickets:list"))
    assert page.context["density"] == "compact" and "queue queue-compact" in page.content.decode()
    back = reverse("tickets:list") + "?state=all&sort=number"
    moved = client.post(reverse("tickets:queue-density"), {"density": "comfortable", "next": back})
    assert moved.status_code == 302 and moved["Location"] == back
    assert User.objects.get(pk=person.pk).queue_density == "comfortable"
    assert "queue queue-comfortable" in client.get(back).content.decode()
    refused = client.post(
        reverse("tickets:queue-density"), {"density": "huge", "next": "https://evil.test/"}
    )
    assert refused["Location"] == reverse("tickets:list")  # not elsewhere
    assert User.objects.get(pk=person.pk).queue_density == "comfortable"

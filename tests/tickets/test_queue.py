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


# The queue's rows as the template wrote them before tickets.templatetags.queue_rows.
ROW_TEMPLATE = """{% load i18n tickets %}{% for ticket in tickets %}
<tr{% if ticket.is_overdue %} class="ticket-overdue"{% endif %}>
  {% if bulk_form %}<td class="bulk-cell"><input class="form-check-input bulk-select" type="checkbox" form="bulk-form" name="tickets" value="{{ ticket.number }}" aria-label="{% blocktranslate with number=ticket.number %}Select ticket #{{ number }}{% endblocktranslate %}"></td>{% endif %}
  <td class="text-nowrap"><a class="fw-semibold" href="{% url 'tickets:detail' ticket.number %}">#{{ ticket.number }}</a></td>
  <td class="ticket-title-cell">
    <a class="link-body-emphasis text-decoration-none" href="{% url 'tickets:detail' ticket.number %}">{{ ticket.title }}</a>
    {% if ticket.is_overdue %}<span class="badge text-bg-danger ms-1">{% translate "Overdue" %}</span>{% endif %}
    {% if ticket.type %}<div class="small text-body-secondary">{{ ticket.type.name }}</div>{% endif %}
  </td>
  <td>{% if ticket.organization_id %}{{ ticket.organization.name }}{% else %}<span class="badge text-bg-warning">{% translate "Unidentified" %}</span> <span class="small">{{ ticket.contact_email }}</span>{% endif %}{% if ticket.requester %}<div class="small text-body-secondary">{{ ticket.requester.get_full_name|default:ticket.requester.email }}</div>{% endif %}</td>
  <td>{{ ticket.status|status_badge }}</td>
  <td>{{ ticket.priority|priority_badge }}</td>
  <td class="small">{% for person in ticket.assignees.all %}{{ person.get_full_name|default:person.email }}{% if not forloop.last %}, {% endif %}{% empty %}<span class="text-body-secondary">{% translate "Unassigned" %}</span>{% endfor %}</td>
  <td class="small text-nowrap">{{ ticket.created_at|date:"SHORT_DATETIME_FORMAT" }}</td>
  <td class="small text-nowrap">{{ ticket.last_activity_at|date:"SHORT_DATETIME_FORMAT" }}{% if ticket.last_activity_by %}<div class="text-body-secondary">{{ ticket.last_activity_by.get_full_name|default:ticket.last_activity_by.email }}</div>{% endif %}</td>
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
    """Their options come from the reference data; a chosen one stays selected, and a value
    that is not a priority is refused by the form as before."""
    client = login(agent)
    client.get(reverse("tickets:list"))
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("tickets:list")).content.decode()
    assert not [q for q in page.captured_queries if "tickets_priority" in q["sql"]]
    for priority in ref.priority.values():
        assert re.search(rf'<option value="{priority.pk}"\s*>{priority.name}<', html)
    high = max(ref.priority.values(), key=lambda p: p.order)
    status = queue["mine"].status
    chosen = client.get(reverse("tickets:list"), {"priority": high.pk, "status": status.pk})
    html = chosen.content.decode()
    assert re.search(rf'<option value="{high.pk}" selected\s*>', html)
    assert re.search(rf'<option value="{status.pk}" selected\s*>', html)
    forged = client.get(reverse("tickets:list"), {"priority": 999999})
    assert forged.context["filter"].form.errors["priority"]


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
    # The view's two filters (assignee, open) are counted, the panel stays closed and unbuilt.
    assert re.search(r"<details class=\"mt-2\">\s*<summary[^>]*>[^<]*<span[^>]*>2 active", html)
    assert 'name="assignee"' not in html
    # Picking another assignee in the form wins over the view's.
    mine = client.get(reverse("tickets:list"), {"view": "unassigned", "assignee": "me"})
    assert numbers(mine) == [queue["mine"].number]
    assert '<details class="mt-2" open>' in mine.content.decode()


def test_a_date_range_filters_on_its_own(login, agent, queue):
    Ticket.objects.filter(pk=queue["other"].pk).update(created_at="2024-01-10T10:00:00Z")
    client = login(agent)
    recent = client.get(reverse("tickets:list"), {"created_after": "2025-01-01"})
    assert set(numbers(recent)) == {queue["mine"].number, queue["unassigned"].number}
    old = client.get(reverse("tickets:list"), {"created_before": "2024-12-31"})
    assert numbers(old) == [queue["other"].number]
    assert '<details class="mt-2" open>' in old.content.decode()


def test_the_client_filter_of_staff_lists_every_organization_from_the_cache(
    login,
    admin,
    agent,
    client_a,
    org_a,
    org_b,
    queue,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    """Hundreds of client organizations must not weigh on every queue page: the names come
    from the cache, organizations renamed or added (accounts.services) show at once, a client
    still sees theirs."""
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
        org_b.name = "Beta <Renommée> & Cie"
        account_services.save_organization(actor=admin, organization=org_b)
    client.get(reverse("tickets:list"))  # the list changed: read once
    with django_assert_max_num_queries(bound) as cached:
        html = client.get(reverse("tickets:list")).content.decode()
    assert not [q for q in cached.captured_queries if 'FROM "accounts_organization"' in q["sql"]]
    options = re.findall(
        r'<option value="(\d+)"\s*>([^<]*)</option>',
        html.split('name="organization"')[1].split("</select>")[0],
    )
    assert len(options) == Organization.objects.count()
    assert (str(org_b.pk), "Beta &lt;Renommée&gt; &amp; Cie") in options
    # A chosen organization is still checked against what the person may see.
    filtered = client.get(reverse("tickets:list"), {"organization": org_a.pk})
    assert set(numbers(filtered)) == {queue["mine"].number, queue["unassigned"].number}
    mine = login(client_a).get(reverse("tickets:list")).content.decode()
    theirs = mine.split('name="organization"')[1].split("</select>")[0]
    assert "Beta" not in theirs

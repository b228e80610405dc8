"""Filter sets a staff member saves under a name: their own tabs of the queue."""

import re

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import SavedFilter, Ticket

pytestmark = pytest.mark.django_db

SAVE = reverse("tickets:saved-filter-save")
LIST = reverse("tickets:list")


def numbers(response):
    return [t.number for t in response.context["tickets"]]


@pytest.fixture
def queue(make_ticket, agent, client_a, client_b, ref):
    urgent = make_ticket(client_a, title="Export comptable vide")
    make_ticket(client_a, title="Imprimante en panne")
    beta = make_ticket(client_b, title="Export Beta")
    Ticket.objects.filter(pk__in=[urgent.pk, beta.pk]).update(priority=ref.priority["urgente"])
    return {"urgent": urgent}


def test_an_agent_saves_filters_and_finds_them_as_a_tab(login, agent, queue, ref, org_a):
    client = login(agent)
    urgent = ref.priority["urgente"].pk
    query = f"q=export&priority={urgent}&organization={org_a.pk}&sort=title"
    response = client.post(SAVE, {"name": "  Exports   urgents ", "query": query + "&page=3"})
    saved = SavedFilter.objects.get(owner=agent)
    assert saved.name == "Exports urgents"
    # Stored in a stable order, without the page.
    assert saved.query == (f"organization={org_a.pk}&priority={urgent}&q=export&sort=title")
    assert response.status_code == 302 and response["Location"] == f"{LIST}?{saved.query}"

    page = client.get(f"{LIST}?{saved.query}")
    html = page.content.decode()
    assert numbers(page) == [queue["urgent"].number]
    tab = re.search(r'<a class="nav-link saved-filter active" href="\?([^"]+)"', html)
    assert tab and tab.group(1).replace("&amp;", "&") == saved.query
    assert "Exports urgents" in html
    # On every other queue page it is a tab, not active; the delete button only when shown.
    other = client.get(LIST).content.decode()
    assert 'class="nav-link saved-filter"' in other and "Delete “Exports urgents”" not in other
    assert "Delete “Exports urgents”" in html


def test_a_name_already_used_gets_the_new_filters(login, agent, queue):
    client = login(agent)
    client.post(SAVE, {"name": "Mes exports", "query": "q=export"})
    client.post(SAVE, {"name": "Mes exports", "query": "q=imprimante"})
    assert list(SavedFilter.objects.values_list("name", "query")) == [
        ("Mes exports", "q=imprimante")
    ]


def test_refusals_explain_and_keep_what_was_typed(login, agent, queue, settings):
    client = login(agent)
    # Without htmx: a message, back to the same filters.
    response = client.post(SAVE, {"name": "   ", "query": "q=export"}, follow=True)
    assert "Give the view a name." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{LIST}?q=export"
    # With htmx: the form comes back with the error and the name as typed.
    nothing = client.post(SAVE, {"name": "Tout", "query": "page=2"}, HTTP_HX_REQUEST="true")
    html = nothing.content.decode()
    assert nothing.status_code == 200 and "Choose some filters first" in html
    assert 'value="Tout"' in html and 'aria-invalid="true"' in html
    too_long = client.post(SAVE, {"name": "x" * 61, "query": "q=a"}, HTTP_HX_REQUEST="true")
    assert "too long" in too_long.content.decode()
    for i in range(services.SAVED_FILTER_LIMIT):
        services.save_filter(actor=agent, name=f"Vue {i}", params=_params(f"q=mot{i}"))
    full = client.post(SAVE, {"name": "Une de plus", "query": "q=plus"}, HTTP_HX_REQUEST="true")
    assert "delete one first" in full.content.decode()
    assert SavedFilter.objects.filter(owner=agent).count() == services.SAVED_FILTER_LIMIT
    # Success with htmx: the browser is sent to the saved view.
    ok = client.post(SAVE, {"name": "Vue 0", "query": "q=neuf"}, HTTP_HX_REQUEST="true")
    assert ok["HX-Redirect"] == f"{LIST}?q=neuf"


def _params(query):
    from django.http import QueryDict

    return QueryDict(query)


def test_unknown_parameters_are_not_stored_and_names_render_inert(login, agent, queue):
    client = login(agent)
    client.post(
        SAVE,
        {"name": "<script>alert(1)</script>", "query": "evil=<b>&q=export&next=//x.test"},
    )
    saved = SavedFilter.objects.get(owner=agent)
    assert saved.query == "q=export"
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_saved_filters_are_their_owners_alone(login, agent, agent_l2, client_a, queue):
    saved, _created = services.save_filter(actor=agent, name="A moi", params=_params("q=export"))
    other = login(agent_l2)
    assert "A moi" not in other.get(LIST).content.decode()
    delete = reverse("tickets:saved-filter-delete", args=[saved.pk])
    assert other.post(delete).status_code == 404  # forged id: not theirs
    assert other.post(reverse("tickets:saved-filter-delete", args=[99999])).status_code == 404
    customer = login(client_a)
    assert customer.post(SAVE, {"name": "X", "query": "q=export"}).status_code == 404
    assert customer.post(delete).status_code == 404
    assert "Save this view" not in customer.get(f"{LIST}?q=export").content.decode()
    assert SavedFilter.objects.count() == 1
    owner = login(agent)
    assert owner.get(delete).status_code == 405  # a link cannot delete
    response = owner.post(delete)
    assert response["Location"] == f"{LIST}?q=export" and not SavedFilter.objects.exists()


def test_the_queue_reads_saved_filters_in_one_query_then_from_the_cache(
    login, agent, queue, django_assert_max_num_queries
):
    client = login(agent)
    client.get(LIST)
    services.save_filter(actor=agent, name="Une", params=_params("q=export"))
    with django_assert_max_num_queries(12) as one:
        client.get(LIST)  # the tabs changed: read again
    bound = len(one.captured_queries)  # read now: the next request resets the query log
    with django_assert_max_num_queries(bound - 1):
        client.get(LIST)  # then from the cache
    for i in range(15):
        services.save_filter(actor=agent, name=f"Vue {i}", params=_params(f"q=mot{i}"))
    with django_assert_max_num_queries(bound):
        page = client.get(LIST)
    assert page.content.decode().count('class="nav-link saved-filter') == 16

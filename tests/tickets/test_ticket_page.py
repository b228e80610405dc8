"""The ticket page as agents and clients see it: newest events under the reply box, the reply
box titled for who writes, only the statuses the workflow lets a ticket move to, action-type
badges only on messages where they say something, the call time of a phone ticket, no
"---------" choice."""

import datetime as dt
import re
from io import StringIO

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tickets import services
from tickets.models import Event, Status, Ticket


def _page(client, ticket) -> str:
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _item(page: str, event: Event) -> str:
    """The markup of one timeline item."""
    item = rf'<li class="timeline-item[^"]*" id="event-{event.pk}">(.*?)</li>'
    match = re.search(item, page, re.S)
    assert match, f"event {event.pk} not in the page"
    return match.group(1)


def _badges(item: str) -> list[str]:
    return re.findall(r'<span class="badge text-bg-light border action-type">([^<]*)</span>', item)


def test_outsider_gets_404_on_the_ticket_page(login, client_b, ticket_a):
    assert login(client_b).get(reverse("tickets:detail", args=[ticket_a.number])).status_code == 404


def test_the_newest_event_comes_first_under_the_reply_box(login, agent, client_a, ticket_a):
    first = services.reply(actor=agent, ticket=ticket_a, body="Première réponse")
    last = services.reply(actor=client_a, ticket=ticket_a, body="Dernière question")
    for user in (agent, client_a):
        page = _page(login(user), ticket_a)
        newest, oldest = page.index(f'id="event-{last.pk}"'), page.index(f'id="event-{first.pk}"')
        assert page.index('id="reply"') < newest < oldest
        # The request itself closes the page, after its "filed the ticket" event.
        created = ticket_a.events.get(kind=Event.Kind.CREATED)
        assert page.index(f'id="event-{created.pk}"') < page.index('id="description"')


def test_a_client_writes_a_message_an_agent_replies_to_the_client(login, agent, client_a, ticket_a):
    client_page = _page(login(client_a), ticket_a)
    assert "Add a message" in client_page
    assert "Reply to the client" not in client_page and "Internal note" not in client_page
    agent_page = _page(login(agent), ticket_a)
    assert "Reply to the client" in agent_page and "Add a message" not in agent_page


def test_notes_and_claims_carry_no_answer_badge(login, agent, client_a, ticket_a):
    claim = services.claim(actor=agent, ticket=ticket_a)
    note = services.reply(actor=agent, ticket=ticket_a, body="Voir le journal", internal=True)
    answer = services.reply(actor=agent, ticket=ticket_a, body="Redémarrez le poste")
    question = services.reply(actor=client_a, ticket=ticket_a, body="Et ensuite ?")
    solution = services.reply(
        actor=agent, ticket=ticket_a, body="Pilote mis à jour", action_type="solution"
    )
    page = _page(login(agent), ticket_a)
    assert _badges(_item(page, claim)) == []
    assert _badges(_item(page, note)) == []
    # "replied · Answer" says it twice; a client's question and a solution say something.
    assert _badges(_item(page, answer)) == []
    assert _badges(_item(page, question)) == ["Question"]
    assert _badges(_item(page, solution)) == ["Solution"]
    created = ticket_a.events.get(kind=Event.Kind.CREATED)
    assert _badges(_item(page, created)) == []


def test_demo_tickets_write_claims_and_notes_with_their_own_action_types(db, ref):
    from django.core.management import call_command

    call_command("seed_demo", "--tickets", "30", "--seed", "3", stdout=StringIO())
    events = Event.objects.all()
    assert events.filter(kind=Event.Kind.CLAIM).exists()
    assert events.filter(kind=Event.Kind.NOTE).exists()
    assert not events.filter(kind__in=[Event.Kind.CLAIM, Event.Kind.NOTE], action_type="answer")
    assert not events.filter(kind=Event.Kind.NOTE).exclude(action_type="information")


def _offered(response) -> list[int]:
    form = response.context.get("status_form")
    if form is None:
        return []
    return [int(value) for value, _label in form.fields["status"].widget.choices]


def test_agents_are_offered_only_the_statuses_they_may_set(
    login, agent, client_a, make_ticket, ticket_a, ref
):
    client = login(agent)
    # Working ticket: its status (shown selected) and every other active status, no empty choice.
    response = client.get(reverse("tickets:detail", args=[ticket_a.number]))
    active = Status.objects.filter(is_active=True).order_by("order")
    assert _offered(response) == [s.pk for s in active]
    assert "---------" not in response.content.decode()
    # On a resolved ticket, each status offered is accepted when chosen: none is refused after
    # submit.
    resolved = ref.status["resolu"]
    services.change_status(actor=agent, ticket=ticket_a, status=resolved)
    offered = _offered(client.get(reverse("tickets:detail", args=[ticket_a.number])))
    assert resolved.pk in offered and len(offered) == active.count()
    for pk in offered:
        if pk == resolved.pk:
            continue
        ticket = make_ticket(client_a)
        services.change_status(actor=agent, ticket=ticket, status=resolved)
        ticket.refresh_from_db()
        response = client.post(
            reverse("tickets:status", args=[ticket.number]),
            {"version": ticket.version, "status": pk},
            follow=True,
        )
        assert "Status changed." in response.content.decode()
        assert Ticket.objects.get(pk=ticket.pk).status_id == pk


def test_a_closed_ticket_offers_no_status_only_reopening(login, agent, admin, ticket_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    url = reverse("tickets:detail", args=[ticket_a.number])
    response = login(agent).get(url)
    page = response.content.decode()
    assert _offered(response) == []
    assert f'action="{reverse("tickets:status", args=[ticket_a.number])}"' not in page
    assert "only reopening it changes its status" in page
    assert "The client or an administrator may reopen it." in page
    # The status form would have been refused anyway.
    refused = login(agent).post(
        reverse("tickets:status", args=[ticket_a.number]),
        {
            "version": Ticket.objects.get(pk=ticket_a.pk).version,
            "status": ref.status["en-cours"].pk,
        },
        follow=True,
    )
    assert "reopen it before changing its status" in refused.content.decode()
    # An admin may reopen: the button is where the status would be.
    admin_page = login(admin).get(url).content.decode()
    assert f'action="{reverse("tickets:reopen", args=[ticket_a.number])}"' in admin_page
    assert "The client or an administrator may reopen it." not in admin_page


def test_hand_over_shows_a_placeholder_not_dashes(login, agent, ticket_a):
    client = login(agent)
    page = _page(client, ticket_a)
    assert "Choose a development type…" in page
    assert "---------" not in page
    # Nor the classification form, loaded when opened: an empty choice reads "—" (none).
    form = client.get(reverse("tickets:classification", args=[ticket_a.number]))
    html = form.content.decode()
    assert "---------" not in html
    assert len(re.findall(r'<option value=""[^>]*>—</option>', html)) == 4


def test_a_phone_ticket_shows_the_call_time_in_the_timeline_and_the_description(
    login, agent, client_a, org_a, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    call = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3, minutes=7)
    ticket = services.create_ticket(
        actor=agent,
        organization=org_a,
        requester=client_a,
        title="Appel : imprimante",
        description="Le client appelle.",
        channel="phone",
        reported_at=call,
    )
    created = ticket.events.get(kind=Event.Kind.CREATED)
    assert created.action_at == call and ticket.created_at > call
    for user in (agent, client_a):
        page = _page(login(user), ticket)
        shown = re.search(
            r'<time class="timeline-time" datetime="[^"]*">([^<]*)</time>', _item(page, created)
        ).group(1)
        header = re.search(r'<span class="[^"]*filed-at">([^<]*)</span>', page).group(1)
        assert shown.strip() in header, (shown, header)
        assert date_format(timezone.localtime(call), "SHORT_DATETIME_FORMAT") in header


def _selected(page: str, select_name: str) -> list[str]:
    """The chosen options' values of the <select name=...> in page."""
    match = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no <select name={select_name}>"
    return re.findall(r'<option value="([^"]*)"[^>]*selected', match.group(1))


def test_cached_side_forms_follow_every_change_of_the_ticket(login, agent, ticket_a, ref):
    """The side forms' fields are cached as template fragments (issue 19): whoever changes the
    priority, the assignees, the status or the title, the next page shows the new value chosen,
    and a refused form comes back with what was typed rather than the cached fields."""
    client = login(agent)
    first = _page(client, ticket_a)
    assert _selected(first, "priority") == [str(ticket_a.priority_id)]
    assert _selected(first, "assignees") == []

    services.change_priority(actor=agent, ticket=ticket_a, priority=ref.priority["haute"])
    services.assign(actor=agent, ticket=ticket_a, assignees=[agent])
    ticket_a.refresh_from_db()
    services.update_ticket(
        actor=agent,
        ticket=ticket_a,
        version=ticket_a.version,
        changes={"title": "Imprimante du 2e étage"},
    )
    ticket_a.refresh_from_db()
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["resolu"])
    page = _page(client, ticket_a)
    assert _selected(page, "priority") == [str(ref.priority["haute"].pk)]
    assert _selected(page, "assignees") == [str(agent.pk)]
    assert "Alan Agent" in page
    assert _selected(page, "status") == [str(ref.status["resolu"].pk)]
    assert 'value="Imprimante du 2e étage"' in page

    typed = "x" * 300  # too long a title: refused, the page again with the text as typed
    response = client.post(
        reverse("tickets:edit", args=[ticket_a.number]),
        {"version": ticket_a.version + 1, "title": typed, "description": "Encore"},
    )
    assert response.status_code == 400
    assert f'value="{typed}"' in response.content.decode()
    assert 'value="Imprimante du 2e étage"' in _page(client, ticket_a)


def test_a_rewritten_past_event_shows_once_timelines_are_dropped(login, agent, ticket_a):
    """Timeline items are cached a day (they never change through the ticket verbs); a write
    that rewrites past events, as an erasure does, calls timelines_changed() and the next page
    shows the new text."""
    from tickets import caching

    client = login(agent)
    event = services.reply(actor=agent, ticket=ticket_a, body="Appelez Jean Dupont au 0601020304")
    assert "Jean Dupont" in _page(client, ticket_a)
    Event.objects.filter(pk=event.pk).update(body="[effacé]")
    assert "Jean Dupont" in _page(client, ticket_a)  # still the cached item
    caching.timelines_changed()
    page = _page(client, ticket_a)
    assert "Jean Dupont" not in page and "[effacé]" in page

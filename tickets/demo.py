"""Demo tickets with timelines for the demo organizations.

seed_tickets (seed_demo --tickets N): rows are written with bulk_create in batches (100,000
tickets and about a million events on PostgreSQL in a few minutes); numbers are reserved from
the ticket counter in one locked step, so tickets filed later through the app continue after
them. Same seed, same data.

seed_showcase_tickets (seed_demo --showcase, what `make run` shows): a few hundred tickets told
step by step through tickets.services, so their events, numbers, assignees and SLA dates are the
ones the app itself writes; each step is then moved back to when it is said to have happened.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User

from . import caching, services, sla
from .models import (
    Component,
    Criticality,
    Event,
    Priority,
    Status,
    Ticket,
    TicketCounter,
    TicketType,
)

BATCH = 2000

SUBJECTS = [
    "Impossible de se connecter à {thing}",
    "Erreur 500 sur {thing}",
    "Lenteurs importantes sur {thing}",
    "Demande de création d'utilisateur pour {who}",
    "Export de {thing} incomplet",
    "Facture introuvable dans {thing}",
    "Mot de passe oublié pour {who}",
    "Ligne téléphonique coupée au site de {city}",
    "Imprimante réseau hors service à {city}",
    "Évolution : ajout d'un champ dans {thing}",
    "Question sur le paramétrage de {thing}",
    "Message d'erreur à l'ouverture de {thing}",
    "Demande de résiliation de la ligne {num}",
    "Synchronisation de {thing} bloquée depuis ce matin",
]
THINGS = [
    "l'espace client",
    "la messagerie",
    "le module de facturation",
    "le portail RH",
    "l'application mobile",
    "le tableau de bord",
    "l'ERP",
    "le standard téléphonique",
    "le VPN",
    "la GED",
]
WHO = ["Fabrice", "Nathalie", "M. Dupont", "l'accueil", "la comptabilité", "Sophie L."]
CITIES = ["Paris", "Lyon", "Bordeaux", "Lille", "Nantes", "Marseille"]
CLIENT_LINES = [
    "Bonjour,\n\nDepuis ce matin nous rencontrons le problème décrit en objet. "
    "Pouvez-vous regarder rapidement ?\n\nCordialement",
    "Bonjour, le souci est revenu après la mise à jour d'hier. Merci de votre aide.",
    "Merci pour votre retour, c'est bien résolu de notre côté.",
    "Nous avons toujours le message d'erreur, capture jointe au ticket.",
]
AGENT_LINES = [
    "Bonjour,\n\nNous avons bien reçu votre demande et la prenons en charge.",
    "Pouvez-vous nous préciser le navigateur utilisé et l'heure de l'incident ?",
    "Le correctif est en place, pouvez-vous confirmer que tout fonctionne ?",
    "Nous avons relancé la synchronisation, les données sont à jour.",
]
NOTES = [
    "Vu avec l'éditeur : bug connu, contournement appliqué.",
    "Client appelé, il rappellera cet après-midi.",
    "Escalade possible en niveau 2 si le problème persiste.",
]


# French contracts "à le" and "de le" once the subject is filled in ("à l'ERP" stays).
CONTRACTIONS = [(" à le ", " au "), (" de le ", " du ")]


def french_title(subject: str, **words: str) -> str:
    """subject filled in, with the contractions French requires ("Impossible de se connecter
    au VPN", not "à le VPN")."""
    title = subject.format(**words)
    for loose, contracted in CONTRACTIONS:
        title = title.replace(loose, contracted)
    return title


def seed_tickets(*, count: int, seed: int = 1, stdout=None) -> int:
    """Create count tickets with 4 to 16 timeline events each; returns the number created."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    cal = sla.load_calendar()
    statuses = list(Status.objects.filter(is_active=True))
    types = list(TicketType.objects.filter(is_active=True, is_development=False))
    priorities = list(Priority.objects.filter(is_active=True))
    criticalities = _criticality_codes()
    components = list(Component.objects.filter(is_active=True, is_development=False))
    organizations = list(Organization.objects.filter(kind=Organization.Kind.CLIENT))
    members: dict[int, list[User]] = {org.pk: [] for org in organizations}
    for user in User.objects.filter(organization__in=organizations, is_active=True):
        members[user.organization_id].append(user)
    organizations = [org for org in organizations if members[org.pk]]
    agents = list(User.objects.filter(user_roles__role__code="agent", is_active=True))
    if not (statuses and organizations and agents):
        raise RuntimeError("seed the demo accounts and reference data first")
    assignee_link = Ticket.assignees.through

    with transaction.atomic():
        counter, _ = TicketCounter.objects.select_for_update().get_or_create(name="ticket")
        highest = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        first_number = max(counter.value, highest or 0) + 1
        counter.value = first_number + count - 1
        counter.save(update_fields=["value"])

    created = 0
    while created < count:
        size = min(BATCH, count - created)
        tickets, timelines = [], []
        for offset in range(size):
            number = first_number + created + offset
            org = rng.choice(organizations)
            requester = rng.choice(members[org.pk])
            agent = rng.choice(agents)
            status = rng.choice(statuses)
            opened = now - timedelta(minutes=rng.randint(30, 60 * 24 * 730))
            title = french_title(
                rng.choice(SUBJECTS),
                thing=rng.choice(THINGS),
                who=rng.choice(WHO),
                city=rng.choice(CITIES),
                num=f"04 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            )
            # A new request waits for an agent: nobody assigned, only the client has written.
            waiting = status.category == Status.Category.NEW
            # Within 20 days of the opening, and in the past (recent tickets, recent events).
            span = min(60 * 24 * 20, int((now - opened).total_seconds() // 60))
            moments = sorted(
                opened + timedelta(minutes=rng.randint(5, span))
                for _ in range(rng.randint(0, 2) if waiting else rng.randint(3, 15))
            )
            last = moments[-1] if moments else opened
            priority = rng.choice(priorities) if priorities else None
            ticket = Ticket(
                number=number,
                title=title,
                description=rng.choice(CLIENT_LINES),
                type=rng.choice(types) if types else None,
                status=status,
                priority=priority,
                criticality_id=rng.choice(criticalities),
                organization=org,
                requester=requester,
                reporter=requester,
                channel=rng.choice(Ticket.Channel.values),
                support_level=rng.choice((1, 1, 1, 2, 2, 3)),
                component=rng.choice(components) if components else None,
                created_at=opened,
                last_activity_at=last,
                last_activity_by=requester if waiting else rng.choice((requester, agent)),
                first_response_due_at=opened + timedelta(hours=4),
                resolution_due_at=opened + timedelta(days=3),
                resolved_at=last if status.is_final else None,
                resolution_seconds=(
                    sla.business_seconds_between(opened, last, cal) if status.is_final else None
                ),
                closed_at=last if status.is_closed else None,
                # Held by the agent linked below (Ticket.is_assigned goes with the assignees).
                is_assigned=not waiting,
            )
            tickets.append(ticket)
            timelines.append((opened, moments, requester, None if waiting else agent))
        Ticket.objects.bulk_create(tickets, batch_size=BATCH)
        if tickets[0].pk is None:  # backends that do not return ids (not PostgreSQL/SQLite)
            by_number = dict(
                Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list(
                    "number", "pk"
                )
            )
            for ticket in tickets:
                ticket.pk = by_number[ticket.number]
        events, links, answered = [], [], []
        for ticket, (opened, moments, requester, agent) in zip(tickets, timelines, strict=True):
            events.append(
                Event(
                    ticket=ticket,
                    kind=Event.Kind.CREATED,
                    actor=requester,
                    action_at=opened,
                    created_at=opened,
                    action_type=Event.ActionType.QUESTION,
                )
            )
            for i, moment in enumerate(moments):
                roll = rng.random()
                if agent is None:
                    kind, actor, body, internal = (
                        Event.Kind.REPLY,
                        requester,
                        rng.choice(CLIENT_LINES),
                        False,
                    )
                elif i == 0:
                    kind, actor, body, internal = Event.Kind.CLAIM, agent, "", False
                elif roll < 0.45:
                    kind, actor, body, internal = (
                        Event.Kind.REPLY,
                        agent,
                        rng.choice(AGENT_LINES),
                        False,
                    )
                elif roll < 0.8:
                    kind, actor, body, internal = (
                        Event.Kind.REPLY,
                        requester,
                        rng.choice(CLIENT_LINES),
                        False,
                    )
                else:
                    kind, actor, body, internal = Event.Kind.NOTE, agent, rng.choice(NOTES), True
                if actor == agent and kind == Event.Kind.REPLY and ticket.first_response_at is None:
                    # The first answer: the moment and business time reports read.
                    ticket.first_response_at = moment
                    ticket.first_response_seconds = sla.business_seconds_between(
                        opened, moment, cal
                    )
                    answered.append(ticket)
                events.append(
                    Event(
                        ticket=ticket,
                        kind=kind,
                        actor=actor,
                        action_at=moment,
                        created_at=moment,
                        body=body,
                        is_internal=internal,
                        action_type=_demo_action_type(kind, actor == agent),
                    )
                )
            if agent is not None:
                links.append(assignee_link(ticket_id=ticket.pk, user_id=agent.pk))
        Event.objects.bulk_create(events, batch_size=5000)
        Ticket.objects.bulk_update(
            answered, ["first_response_at", "first_response_seconds"], batch_size=1000
        )
        assignee_link.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        created += size
        if stdout is not None and (created % 10000 == 0 or created == count):
            stdout.write(f"  {created} tickets")
    caching.tickets_changed()
    return created


# --- The showcase: the first-run demo, written through the services -------------------------

# A ticket's dates that a verb may set to "now"; the story moves them to the step's moment.
STAMPED = ("first_response_at", "sla_paused_at", "waiting_since", "resolved_at", "closed_at")

ASKS = [
    "Pouvez-vous nous envoyer une copie d'écran du message d'erreur ?",
    "Le problème touche-t-il tous les postes ou seulement certains ?",
    "Pouvez-vous nous préciser l'heure de l'incident et le navigateur utilisé ?",
]
ANSWERS = [
    "Voici la copie d'écran demandée. Le message apparaît dès l'ouverture.",
    "Tous les postes du service comptable sont touchés, les autres services non.",
    "C'était vers 9 h 30, sous Firefox. Merci de votre aide.",
]
FIXES = [
    "Le correctif est en place : pouvez-vous vérifier de votre côté ?",
    "Nous avons relancé le service, tout est rentré dans l'ordre.",
    "Les droits du compte ont été corrigés, l'accès fonctionne de nouveau.",
]
THANKS = [
    "C'est bon pour nous, merci beaucoup !",
    "Tout fonctionne, vous pouvez clôturer.",
]
STILL_BROKEN = "Le problème est revenu ce matin, même message d'erreur."
PHONE_NOTES = [
    "Appel de {who} : le poste ne démarre plus depuis la coupure de courant.",
    "Appel de {who} : demande de rappel urgent, la facturation est bloquée.",
]
THIRD_PARTY_NOTE = "Ticket ouvert chez l'éditeur, en attente de leur retour."
REJECT_NOTE = "Demande en doublon d'un ticket déjà ouvert, fermée."
ESCALATION_REASON = "Analyse des journaux serveur nécessaire : niveau 2."

# (share of the tickets, final category of the story), in the order numbers are handed out.
MIX = [
    (0.10, Status.Category.NEW),
    (0.30, Status.Category.OPEN),
    (0.12, Status.Category.WAITING_CLIENT),
    (0.06, Status.Category.WAITING_THIRD_PARTY),
    (0.12, Status.Category.RESOLVED),
    (0.24, Status.Category.CLOSED),
    (0.06, Status.Category.CANCELLED),
]


class Story:
    """One ticket told through the services (numbers, events, statuses and assignees are
    theirs), each step then moved back to the moment it is said to have happened: the services
    stamp "now", so the step's events and the ticket dates it set get the step's moment."""

    def __init__(self, opened):
        self.opened = opened
        self.moment = opened
        self.ticket: Ticket | None = None
        self.stamps: dict = {}

    def file(self, **fields) -> Ticket:
        self.ticket = self._step(self.opened, services.create_ticket, **fields)
        return self.ticket

    def do(self, moment, verb, **fields):
        return self._step(moment, verb, ticket=self.ticket, **fields)

    def _step(self, moment, verb, **fields):
        since = timezone.now()
        result = verb(**fields)
        ticket = self.ticket or result
        Event.objects.filter(ticket=ticket, created_at__gte=since).update(
            created_at=moment, action_at=moment
        )
        row = Ticket.objects.filter(pk=ticket.pk).values("status_id", *STAMPED).get()
        ticket.status_id = row.pop("status_id")
        for name, value in row.items():
            if value is None or value >= since:
                self.stamps[name] = None if value is None else moment
        self.moment = moment
        return result

    def finish(self, cal) -> None:
        """The ticket's own dates follow its timeline; SLA due dates from its opening."""
        ticket = self.ticket
        dates = {"created_at": self.opened, "last_activity_at": self.moment, **self.stamps}
        # The report durations follow the moved dates (the services stamped them from "now").
        for moment, seconds in (
            ("first_response_at", "first_response_seconds"),
            ("resolved_at", "resolution_seconds"),
        ):
            if dates.get(moment):
                dates[seconds] = max(
                    0, sla.business_seconds_between(self.opened, dates[moment], cal)
                )
        if ticket.priority is not None:
            first_due, resolution_due = sla.due_dates(self.opened, ticket.priority, cal)
            dates.update(first_response_due_at=first_due, resolution_due_at=resolution_due)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=self.moment, **dates)


def _criticality_codes() -> list[str]:
    """The codes the demo picks from, in display order (the same list at every run)."""
    codes = Criticality.objects.filter(is_active=True).order_by("order", "code")
    return list(codes.values_list("code", flat=True)) or [caching.default_criticality()]


def _demo_action_type(kind: str, by_agent: bool) -> str:
    """What tickets.services would write: a claim is an event, a note information, an agent's
    reply an answer, a client's a question."""
    if kind == Event.Kind.CLAIM:
        return Event.ActionType.EVENT
    if kind == Event.Kind.NOTE:
        return Event.ActionType.INFORMATION
    return Event.ActionType.ANSWER if by_agent else Event.ActionType.QUESTION


def _categories(count: int) -> list[str]:
    """count story endings in MIX's proportions (rounding goes to the open tickets)."""
    plan = [category for share, category in MIX for _ in range(int(count * share))]
    plan += [Status.Category.OPEN] * (count - len(plan))
    return plan


def _opened(rng: random.Random, category: str, now):
    """When a story starts: waiting and new tickets are recent (the auto-close job would close
    one waiting a week), a fifth of the open ones are weeks old (overdue), final ones spread
    over four months."""
    hours = {
        Status.Category.NEW: (0.2, 30) if rng.random() < 0.85 else (80, 150),
        Status.Category.OPEN: (1, 96) if rng.random() < 0.8 else (200, 600),
        Status.Category.WAITING_CLIENT: (24, 200),
        Status.Category.WAITING_THIRD_PARTY: (24, 300),
    }.get(category, (48, 24 * 120))
    return min(office_hours(now - timedelta(hours=rng.uniform(*hours))), now - timedelta(hours=1))


def seed_showcase_tickets(*, count: int, users: dict[str, User], seed: int = 1) -> int:
    """count tickets in every state, over the demo organizations, agents, priorities, types and
    channels (web, phone, filed by the sales rep), with replies, notes, escalations, reopenings;
    some overdue, some unassigned, some waiting for the client. Written through
    tickets.services in the order they were opened. The caller runs it in one transaction and
    decides what becomes of the notifications the services queue. Returns the tickets written."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    cal = sla.load_calendar()
    statuses = {s.code: s for s in Status.objects.filter(is_active=True)}
    by_category: dict[str, list[Status]] = {}
    for status in statuses.values():
        by_category.setdefault(status.category, []).append(status)
    types = list(TicketType.objects.filter(is_active=True, is_development=False))
    priorities = list(Priority.objects.filter(is_active=True).order_by("order"))
    criticalities = _criticality_codes()
    components = list(Component.objects.filter(is_active=True, is_development=False))
    demo = Organization.objects.get(external_source="demo", external_id="demo")
    other = Organization.objects.get(external_source="demo", external_id="other")
    clients = {
        demo.pk: [users["client@demo.test"], users["user@demo.test"]],
        other.pk: [users["client@other.test"]],
    }
    agents = [users["agent@demo.test"], users["agent2@demo.test"]]
    sales = users["sales@demo.test"]

    plans = sorted(
        ((_opened(rng, category, now), category) for category in _categories(count)),
        key=lambda plan: plan[0],
    )
    for opened, category in plans:
        org = demo if rng.random() < 0.7 else other
        client = rng.choice(clients[org.pk])
        agent = agents[0] if rng.random() < 0.65 else agents[1]
        who = client.get_short_name()
        title = french_title(
            rng.choice(SUBJECTS),
            thing=rng.choice(THINGS),
            who=rng.choice(WHO),
            city=rng.choice(CITIES),
            num=f"04 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        )
        common = {
            "title": title,
            "type": rng.choice(types) if types else None,
            "component": rng.choice(components) if components else None,
            "criticality": rng.choice(criticalities),
            "organization": org,
        }
        story = Story(opened)
        roll = rng.random()
        if roll < 0.2 and category != Status.Category.NEW:
            # A phone call taken by the agent, who works the ticket from the start.
            story.file(
                actor=agent,
                description=rng.choice(PHONE_NOTES).format(who=who),
                requester=client,
                channel=Ticket.Channel.PHONE,
                priority=rng.choice(priorities[1:]),
                **common,
            )
        elif roll < 0.28 and org == demo:
            story.file(
                actor=sales,
                description=rng.choice(CLIENT_LINES),
                requester=client,
                priority=rng.choice(priorities),
                **common,
            )
        else:
            story.file(actor=client, description=rng.choice(CLIENT_LINES), **common)
            if rng.random() < 0.5:
                # The client's own severity is one thing; the agent sets the priority.
                priority = rng.choice(priorities)
                if priority != story.ticket.priority:
                    story.do(
                        _later(rng, story), services.change_priority, actor=agent, priority=priority
                    )
        _tell(story, rng, category, client, agent, agents, by_category, now)
        story.finish(cal)
    return len(plans)


def _later(rng: random.Random, story: Story, *, hours=(0.1, 6)):
    """A moment after the story's last step, never in the future."""
    moment = office_hours(story.moment + timedelta(hours=rng.uniform(*hours)))
    return max(story.moment, min(moment, timezone.now() - timedelta(minutes=1)))


def office_hours(moment):
    """moment, or the next morning when it falls in the evening or at night (local time); when
    that morning is still to come (a demo seeded at night), the afternoon before instead."""
    local = timezone.localtime(moment)
    if 8 <= local.hour < 19:
        return local
    minutes = timedelta(minutes=(local.minute * 3) % 120)
    evening = local.hour >= 19
    morning = local.replace(hour=8, minute=30) + timedelta(days=1 if evening else 0) + minutes
    if morning <= timezone.now():
        return morning
    return local.replace(hour=16, minute=0) - timedelta(days=0 if evening else 1) + minutes


def _tell(story, rng, category, client, agent, agents, by_category, now) -> None:
    """The steps that bring story's ticket to a status of category."""
    cat = Status.Category
    if category == cat.NEW:
        if rng.random() < 0.3:
            story.do(
                _later(rng, story),
                services.reply,
                actor=client,
                body="Une idée du délai de prise en charge ? Merci.",
            )
        return
    story.do(_later(rng, story, hours=(0.05, 2)), services.claim, actor=agent)
    if rng.random() < 0.6:
        story.do(_later(rng, story), services.reply, actor=agent, body=rng.choice(ASKS))
        story.do(_later(rng, story), services.reply, actor=client, body=rng.choice(ANSWERS))
    if rng.random() < 0.35:
        story.do(
            _later(rng, story), services.reply, actor=agent, body=rng.choice(NOTES), internal=True
        )
    if agent == agents[0] and rng.random() < 0.2 and category != cat.WAITING_CLIENT:
        story.do(_later(rng, story), services.escalate, actor=agent, reason=ESCALATION_REASON)
        agent = agents[1]
        story.do(_later(rng, story), services.claim, actor=agent)
    if category == cat.OPEN:
        working = [s for s in by_category[cat.OPEN] if s.pk != story.ticket.status_id]
        if working and rng.random() < 0.5:
            story.do(
                _later(rng, story), services.change_status, actor=agent, status=rng.choice(working)
            )
        if rng.random() < 0.15:
            # Solved, then the client wrote back: their reply reopens it.
            _resolve(story, rng, agent, by_category)
            story.do(
                _later(rng, story, hours=(2, 30)), services.reply, actor=client, body=STILL_BROKEN
            )
        return
    if category == cat.WAITING_CLIENT:
        story.do(_later(rng, story), services.reply, actor=agent, body=rng.choice(FIXES))
        waiting = rng.choice(by_category[cat.WAITING_CLIENT])
        # Waiting since less than five days: the auto-close job leaves it for now.
        moment = max(_later(rng, story), now - timedelta(hours=rng.uniform(1, 110)))
        story.do(
            min(moment, now - timedelta(minutes=1)),
            services.change_status,
            actor=agent,
            status=waiting,
        )
        return
    if category == cat.WAITING_THIRD_PARTY:
        story.do(
            _later(rng, story),
            services.change_status,
            actor=agent,
            status=rng.choice(by_category[cat.WAITING_THIRD_PARTY]),
            note=THIRD_PARTY_NOTE,
        )
        return
    if category == cat.CANCELLED:
        story.do(
            _later(rng, story),
            services.change_status,
            actor=agent,
            status=rng.choice(by_category[cat.CANCELLED]),
            note=REJECT_NOTE,
        )
        return
    # The client thanks before the ticket is resolved: a reply after it would reopen it.
    thanks = client if category == cat.CLOSED and rng.random() < 0.6 else None
    _resolve(story, rng, agent, by_category, thanks=thanks)
    if category == cat.CLOSED:
        story.do(
            _later(rng, story, hours=(2, 48)),
            services.change_status,
            actor=agent,
            status=by_category[cat.CLOSED][0],
        )


def _resolve(story, rng, agent, by_category, *, thanks: User | None = None) -> None:
    story.do(_later(rng, story), services.reply, actor=agent, body=rng.choice(FIXES))
    if thanks is not None:
        story.do(_later(rng, story), services.reply, actor=thanks, body=rng.choice(THANKS))
    story.do(
        _later(rng, story),
        services.change_status,
        actor=agent,
        status=by_category[Status.Category.RESOLVED][0],
    )

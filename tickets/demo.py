"""Demo tickets with timelines for the demo organizations (seed_demo --tickets N).

Rows are written with bulk_create in batches (100,000 tickets and about a million events on
PostgreSQL in a few minutes); numbers are reserved from the ticket counter in one locked step,
so tickets filed later through the app continue after them. Same seed, same data.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User

from . import caching
from .models import Component, Event, Priority, Status, Ticket, TicketCounter, TicketType

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
    statuses = list(Status.objects.filter(is_active=True))
    types = list(TicketType.objects.filter(is_active=True, is_development=False))
    priorities = list(Priority.objects.filter(is_active=True))
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
                criticality=rng.choice(Ticket.Criticality.values),
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
        events, links = [], []
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
                events.append(
                    Event(
                        ticket=ticket,
                        kind=kind,
                        actor=actor,
                        action_at=moment,
                        created_at=moment,
                        body=body,
                        is_internal=internal,
                        action_type=Event.ActionType.ANSWER
                        if actor == agent
                        else Event.ActionType.INFORMATION,
                    )
                )
            if agent is not None:
                links.append(assignee_link(ticket_id=ticket.pk, user_id=agent.pk))
        Event.objects.bulk_create(events, batch_size=5000)
        assignee_link.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        created += size
        if stdout is not None and (created % 10000 == 0 or created == count):
            stdout.write(f"  {created} tickets")
    caching.tickets_changed()
    return created

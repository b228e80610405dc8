"""Demo change requests at every step of the workflow (seed_demo --showcase).

Each request is taken through cdc.services by the person whose step it is (the client
administrator drafts and decides, the agent writes the specification, the DPO reviews, the
developer splits and delivers, the controller and the DPO check), so its history, number and
checks are the app's own. The services stamp "now" and refuse dates before the request was sent;
each step is then moved back to the day it is said to have happened, with its dates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import Organization, User
from tickets.demo import office_hours

from . import services
from .models import ChangeRequest, Check, HistoryEntry, Task
from .workflow import State

Kind = ChangeRequest.Kind

# title, kind, organization key, step reached, days ago it was drafted, description
REQUESTS = [
    (
        "Export comptable au format FEC",
        Kind.NEW,
        "demo",
        State.DRAFT,
        2,
        "Notre expert-comptable demande le fichier des écritures comptables (FEC) chaque "
        "trimestre. Nous souhaitons un export depuis le module de facturation.",
    ),
    (
        "Relances automatiques des factures impayées",
        Kind.NEW,
        "demo",
        State.ANALYSIS,
        6,
        "Envoyer un courriel de relance au client 15 jours puis 30 jours après l'échéance "
        "d'une facture impayée, avec la facture jointe.",
    ),
    (
        "Portail RH : consultation des bulletins de paie par les salariés",
        Kind.NEW,
        "demo",
        State.DPO_REVIEW,
        12,
        "Chaque salarié doit pouvoir consulter et télécharger ses bulletins de paie depuis le "
        "portail RH, avec une authentification forte.",
    ),
    (
        "Ajout du numéro de commande sur les factures",
        Kind.CHANGE,
        "demo",
        State.CLIENT_DECISION,
        20,
        "Nos clients grands comptes exigent leur numéro de bon de commande sur chaque facture.",
    ),
    (
        "Synchronisation des contacts avec le CRM",
        Kind.NEW,
        "demo",
        State.DEVELOPMENT,
        40,
        "Les contacts créés dans l'ERP doivent apparaître dans le CRM sous une heure, avec "
        "leurs coordonnées et leur consentement aux communications commerciales.",
    ),
    (
        "Correction de l'arrondi de TVA sur les avoirs",
        Kind.FIX,
        "demo",
        State.DELIVERED,
        55,
        "Les avoirs de plusieurs lignes présentent un écart d'un centime sur la TVA.",
    ),
    (
        "Tableau de bord des ventes mensuelles",
        Kind.NEW,
        "demo",
        State.CLOSED,
        90,
        "Un tableau de bord des ventes par mois et par commercial, exportable en Excel.",
    ),
    (
        "Module de réservation de salles",
        Kind.NEW,
        "demo",
        State.CANCELLED,
        70,
        "Réserver les salles de réunion depuis l'intranet.",
    ),
    (
        "Connexion unique (SSO) pour l'espace client",
        Kind.CHANGE,
        "other",
        State.ANALYSIS,
        4,
        "Nos utilisateurs veulent se connecter à l'espace client avec leur compte Microsoft.",
    ),
]

SOLUTION = (
    "Développement d'un traitement planifié et d'un écran de paramétrage. Livraison en "
    "recette, puis en production après validation."
)

FAILED = "Le traitement échoue sur les contacts sans adresse."


class CdcStory:
    """One request told through cdc.services, each step moved back to its day."""

    def __init__(self, cr: ChangeRequest, moment: datetime):
        self.cr = cr
        self.moment = moment
        self.dates: dict = {}
        self._settle(timezone.now() - timedelta(minutes=1), moment)

    def do(self, days: float, verb, *, date_field: str = "", **fields):
        """verb on the request, days after the previous step; date_field: a datetime field of
        the request the step sets to now."""
        moment = office_hours(self.moment + timedelta(days=days))
        moment = min(moment, timezone.now() - timedelta(minutes=5))
        since = timezone.now()
        result = verb(**fields)
        self._settle(since, moment)
        if date_field:
            self.dates[date_field] = moment
        return result

    def _settle(self, since, moment) -> None:
        HistoryEntry.objects.filter(change_request=self.cr, created_at__gte=since).update(
            created_at=moment
        )
        Task.objects.filter(change_request=self.cr, created_at__gte=since).update(created_at=moment)
        Check.objects.filter(task__change_request=self.cr, checked_at__gte=since).update(
            checked_at=moment
        )
        self.moment = moment

    def finish(self, created: datetime, **days: date | None) -> None:
        changes = {**self.dates, **{k: v for k, v in days.items() if v is not None}}
        ChangeRequest.objects.filter(pk=self.cr.pk).update(
            created_at=created, updated_at=self.moment, **changes
        )


def seed_showcase_change_requests(*, users: dict[str, User], ticket_numbers=()) -> int:
    """The requests of REQUESTS, each brought to its step; returns how many were written.
    ticket_numbers: tickets of the demo organization a request may refer to."""
    orgs = {
        org.external_id: org
        for org in Organization.objects.filter(
            external_source="demo", external_id__in=["demo", "other"]
        )
    }
    clients = {"demo": users["client@demo.test"], "other": users["client@other.test"]}
    agent, dpo = users["agent@demo.test"], users["dpo@demo.test"]
    dev, dev2 = users["dev@demo.test"], users["agent2@demo.test"]
    controller = users["controller@demo.test"]
    numbers = list(ticket_numbers)
    now = timezone.now()
    for title, kind, org_key, target, days_ago, description in REQUESTS:
        client = clients[org_key]
        drafted = office_hours(now - timedelta(days=days_ago))
        order = [State.DRAFT, State.ANALYSIS, State.DPO_REVIEW, State.CLIENT_DECISION]
        order += [State.DEVELOPMENT, State.DELIVERED, State.CLOSED]
        reach = order.index(target) if target in order else order.index(State.CLIENT_DECISION)
        since = timezone.now()
        cr = services.create_change_request(
            actor=client,
            organization=orgs[org_key],
            requester=client,
            kind=kind,
            title=title,
            description=description,
            client_deadline=(drafted + timedelta(days=60)).date(),
            ticket_number=numbers.pop(0) if numbers and org_key == "demo" else None,
        )
        story = CdcStory(cr, drafted)
        story._settle(since, drafted)
        if reach < 1:
            story.finish(drafted)
            continue
        story.do(
            0.5, services.submit_change_request, actor=client, cr=cr, date_field="submitted_at"
        )
        if reach < 2:
            story.finish(drafted)
            continue
        gdpr = "RH" in title or "contacts" in title
        planned = (story.moment + timedelta(days=30)).date()
        story.do(
            1.5,
            services.save_analysis,
            actor=agent,
            cr=cr,
            solution=SOLUTION,
            # The service refuses a date before the request was sent (now, until finish).
            planned_date=timezone.localdate() + timedelta(days=30),
        )
        if reach < 3:
            story.finish(drafted, planned_date=planned)
            continue
        validated = (story.moment + timedelta(days=2)).date()
        conclusions = (
            "Données personnelles concernées : registre des traitements à mettre à jour, "
            "accès limité aux personnes habilitées."
            if gdpr
            else "Aucune donnée personnelle nouvelle."
        )
        story.do(
            2,
            services.save_dpo_review,
            actor=dpo,
            cr=cr,
            gdpr_impact=gdpr,
            conclusions=conclusions,
            validated_on=timezone.localdate(),
        )
        if reach < 4 and target != State.CANCELLED:
            story.finish(drafted, planned_date=planned, dpo_validated_on=validated)
            continue
        if target == State.CANCELLED:
            story.do(
                3,
                services.decide,
                actor=client,
                cr=cr,
                validate=False,
                comment="Le budget est reporté à l'an prochain.",
            )
            story.finish(drafted, planned_date=planned, dpo_validated_on=validated)
            continue
        story.do(3, services.decide, actor=client, cr=cr, validate=True, comment="Bon pour accord.")
        _develop(story, cr, target, dev, dev2, controller, dpo)
        if target == State.DEVELOPMENT:
            story.finish(drafted, planned_date=planned, dpo_validated_on=validated)
            continue
        story.do(1, services.deliver, actor=dev, cr=cr, date_field="delivered_at")
        if target == State.CLOSED:
            story.do(
                2,
                services.accept_delivery,
                actor=client,
                cr=cr,
                comment="Recette validée, merci.",
                date_field="closed_at",
            )
        story.finish(drafted, planned_date=planned, dpo_validated_on=validated)
    return len(REQUESTS)


def _develop(story: CdcStory, cr, target, dev, dev2, controller, dpo) -> None:
    """Tasks and checks: all green when the request goes on to delivery; otherwise one task
    checked (one check failed), one waiting for its checks, one still being developed."""
    day = timezone.localtime(story.moment).date()
    names = ["Analyse technique et modèle de données", "Développement du traitement"]
    if target == State.DEVELOPMENT:
        names.append("Écran de paramétrage")
    tasks = [
        story.do(
            1,
            services.add_task,
            actor=dev,
            cr=cr,
            title=name,
            developers=[dev] if i != 1 else [dev, dev2],
            start_date=day,
        )
        for i, name in enumerate(names)
    ]
    kinds = list(cr.required_checks)
    finished = tasks if target != State.DEVELOPMENT else tasks[:2]
    for task in finished:
        story.do(
            4,
            services.edit_task,
            actor=dev,
            task=task,
            start_date=day,
            end_date=day + timedelta(days=4),
        )
    checked = finished if target != State.DEVELOPMENT else finished[:1]
    for task in checked:
        for kind in kinds:
            checker = dpo if kind == Check.Kind.GDPR else controller
            failed = target == State.DEVELOPMENT and kind == Check.Kind.INTEGRATION
            story.do(
                0.3,
                services.record_check,
                actor=checker,
                task=task,
                kind=kind,
                passed=not failed,
                comment=FAILED if failed else "",
            )

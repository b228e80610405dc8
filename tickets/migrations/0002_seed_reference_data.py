"""Reference data in French with English translations (seeds 001-003).

Rerunnable: rows are matched by code and only created when missing, so an admin's edits survive.
Reversible: the reverse removes only rows no ticket uses.
"""

from django.db import migrations

TYPES = [
    # code, French, English, order, development type
    ("aide", "Aide", "Help", 10, False),
    ("amelioration", "Amélioration", "Improvement", 20, False),
    ("bogue", "Bogue", "Bug", 30, True),
    ("incident", "Incident", "Incident", 40, False),
    ("resiliation", "Demande de résiliation", "Cancellation request", 50, False),
    ("evolution", "Évolution", "Enhancement", 60, False),
    ("tache", "Tâche", "Task", 70, False),
    ("story", "Story", "Story", 80, True),
]

STATUSES = [
    # code, French, English, category, order, colour, default
    ("ouvert", "Ouvert", "Open", "new", 10, "#0d6efd", True),
    ("pris-en-charge", "Pris en charge", "Taken in charge", "open", 20, "#6610f2", False),
    ("en-cours", "En cours", "In progress", "open", 30, "#6f42c1", False),
    ("instruction", "En instruction", "Under investigation", "open", 35, "#6f42c1", False),
    ("un-instant", "Un instant", "One moment", "open", 40, "#6f42c1", False),
    ("desaccord", "Désaccord", "Disagreement", "open", 45, "#d63384", False),
    ("correction", "Correction en cours", "Fix in progress", "open", 50, "#6f42c1", False),
    (
        "attente-chiffrage",
        "En attente validation chiffrage",
        "Waiting for estimate approval",
        "waiting_client",
        60,
        "#fd7e14",
        False,
    ),
    ("realisation", "En cours de réalisation", "Being carried out", "open", 70, "#6f42c1", False),
    ("en-attente", "En attente", "On hold", "waiting_third_party", 80, "#ffc107", False),
    ("reponse-envoyee", "Réponse envoyée", "Answer sent", "waiting_client", 90, "#fd7e14", False),
    ("resolu", "Résolu", "Resolved", "resolved", 100, "#198754", False),
    ("ferme", "Fermé", "Closed", "closed", 110, "#495057", False),
    ("rejete", "Rejeté", "Rejected", "cancelled", 120, "#dc3545", False),
    ("annule", "Annulé", "Cancelled", "cancelled", 130, "#adb5bd", False),
]

PRIORITIES = [
    # code, French, English, order, colour, first response h, resolution h, default
    ("basse", "Basse", "Low", 10, "#6c757d", 16, 80, False),
    ("normale", "Normale", "Normal", 20, "#0d6efd", 8, 40, True),
    ("haute", "Haute", "High", 30, "#fd7e14", 4, 16, False),
    ("urgente", "Urgente", "Urgent", 40, "#dc3545", 1, 8, False),
]

COMPONENTS = [
    ("general", "Général", "General", 10, False),
    ("comptabilite", "Comptabilité", "Accounting", 20, False),
    ("facturation", "Facturation", "Invoicing", 30, False),
    ("paie", "Paie", "Payroll", 40, False),
    ("reseau", "Réseau et téléphonie", "Network and telephony", 50, False),
    ("messagerie", "Messagerie", "Email", 60, False),
    ("utilisateurs", "Comptes utilisateurs", "User accounts", 70, False),
    ("developpement", "Développement", "Development", 90, True),
]

CANNED = [
    (
        "Prise en charge",
        "Bonjour {client_name},\n\nNous avons bien reçu votre demande {ticket_number} et "
        "nous la prenons en charge.\n\nCordialement,\n{agent_name}",
    ),
    (
        "Demande d'informations",
        "Bonjour {client_name},\n\nPour avancer sur la demande {ticket_number}, pourriez-vous "
        "nous envoyer une copie d'écran du message d'erreur ?\n\nCordialement,\n{agent_name}",
    ),
    (
        "Résolution",
        "Bonjour {client_name},\n\nLa demande {ticket_number} est résolue. Sans retour de votre "
        "part, elle sera fermée automatiquement.\n\nCordialement,\n{agent_name}",
    ),
]

HOLIDAYS_2026_2027 = [
    ("2026-01-01", "Jour de l'an"),
    ("2026-04-06", "Lundi de Pâques"),
    ("2026-05-01", "Fête du travail"),
    ("2026-05-08", "Victoire 1945"),
    ("2026-05-14", "Ascension"),
    ("2026-05-25", "Lundi de Pentecôte"),
    ("2026-07-14", "Fête nationale"),
    ("2026-08-15", "Assomption"),
    ("2026-11-01", "Toussaint"),
    ("2026-11-11", "Armistice"),
    ("2026-12-25", "Noël"),
    ("2027-01-01", "Jour de l'an"),
    ("2027-03-29", "Lundi de Pâques"),
    ("2027-05-01", "Fête du travail"),
    ("2027-05-06", "Ascension"),
    ("2027-05-08", "Victoire 1945"),
    ("2027-05-17", "Lundi de Pentecôte"),
    ("2027-07-14", "Fête nationale"),
    ("2027-08-15", "Assomption"),
    ("2027-11-01", "Toussaint"),
    ("2027-11-11", "Armistice"),
    ("2027-12-25", "Noël"),
]


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    Status = apps.get_model("tickets", "Status")
    Priority = apps.get_model("tickets", "Priority")
    Component = apps.get_model("tickets", "Component")
    CannedReply = apps.get_model("tickets", "CannedReply")
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    Holiday = apps.get_model("tickets", "Holiday")
    TicketCounter = apps.get_model("tickets", "TicketCounter")

    for code, fr, en, order, dev in TYPES:
        TicketType.objects.get_or_create(
            code=code,
            defaults={"name_fr": fr, "name_en": en, "order": order, "is_development": dev},
        )
    has_default = Status.objects.filter(is_default=True).exists()
    for code, fr, en, category, order, colour, default in STATUSES:
        Status.objects.get_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_en": en,
                "category": category,
                "order": order,
                "colour": colour,
                "is_default": default and not has_default,
            },
        )
    for code, fr, en, order, colour, first, resolution, default in PRIORITIES:
        Priority.objects.get_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_en": en,
                "order": order,
                "colour": colour,
                "first_response_hours": first,
                "resolution_hours": resolution,
                "is_default": default,
            },
        )
    for code, fr, en, order, dev in COMPONENTS:
        Component.objects.get_or_create(
            code=code,
            defaults={"name_fr": fr, "name_en": en, "order": order, "is_development": dev},
        )
    for order, (title, body) in enumerate(CANNED):
        CannedReply.objects.get_or_create(title=title, defaults={"body": body, "order": order})
    calendar = BusinessCalendar.objects.order_by("pk").first()
    if calendar is None:
        calendar = BusinessCalendar.objects.create(name="France (9h-18h)")
    for day, name in HOLIDAYS_2026_2027:
        Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name})
    TicketCounter.objects.get_or_create(name="ticket")


def unseed(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    if Ticket.objects.exists():
        return  # reference rows are in use; leave them
    for name in [
        "TicketType",
        "Status",
        "Priority",
        "Component",
        "CannedReply",
        "BusinessCalendar",
    ]:
        apps.get_model("tickets", name).objects.all().delete()
    apps.get_model("tickets", "TicketCounter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

"""Demo pages of the knowledge base (seed_demo --showcase): a few pages in every space, written
through wiki.services by the demo agent, admin and sales rep, with a few readings and "solved"
marks so that the counters have something to show. Idempotent: nothing is added once the demo
organization's space has pages."""

from __future__ import annotations

from accounts.models import Organization, User

from . import services
from .models import Page, Space

V = Page.Visibility

# space key ("shared", "internal" or an organization key of accounts.demo), visibility, title,
# tags, writer, text
PAGES = [
    (
        "shared",
        V.CLIENTS,
        "Procédure de demande d'évolution (CDC)",
        ["cdc", "procédure"],
        "admin@demo.test",
        "Le support traite les incidents et les questions par ticket. Pour une **nouvelle "
        "fonctionnalité** ou la modification d'une fonction existante, passez par une demande "
        "de cahier des charges (CDC).\n\n"
        "## Les étapes\n"
        "1. Vous ouvrez un ticket et décrivez votre besoin ; nous vous invitons à créer une "
        "demande de CDC (bouton réservé aux administrateurs de votre société).\n"
        "2. Vous rédigez la demande puis l'envoyez au support.\n"
        "3. Le support analyse la demande et rédige le cahier des charges.\n"
        "4. Le DPO étudie l'impact RGPD.\n"
        "5. Vous validez ou annulez la demande.\n"
        "6. Les développeurs réalisent, les contrôleurs testent, puis vous êtes livré.\n\n"
        "## Recette\nVous testez la livraison et l'acceptez ou signalez ce qui ne va pas.",
    ),
    (
        "shared",
        V.CLIENTS,
        "Réinitialiser votre mot de passe",
        ["compte", "mot de passe"],
        "agent@demo.test",
        "## Depuis la page de connexion\nCliquez sur « Mot de passe oublié », saisissez votre "
        "adresse : un lien vous arrive par courriel, valable une heure.\n\n"
        "## Vous ne recevez rien ?\n- Vérifiez vos courriers indésirables.\n"
        "- Ouvrez un ticket depuis l'adresse de votre société.",
    ),
    (
        "shared",
        V.CLIENTS,
        "Bien rédiger un ticket",
        ["ticket", "bonnes pratiques"],
        "agent@demo.test",
        "Un bon ticket est traité plus vite :\n\n- un **titre** qui dit le problème "
        "(« L'imprimante du 2e étage n'imprime plus ») ;\n- ce que vous avez fait, ce qui s'est "
        "passé, ce que vous attendiez ;\n- une capture d'écran du message d'erreur.",
    ),
    (
        "shared",
        V.STAFF,
        "Brouillon : FAQ messagerie",
        ["messagerie"],
        "agent@demo.test",
        "À compléter : configuration Outlook, webmail, quota des boîtes.",
    ),
    (
        "internal",
        V.STAFF,
        "Astreinte : qui appeler",
        ["astreinte"],
        "admin@demo.test",
        "## En semaine\nNiveau 2 : Bruno (poste 204).\n\n## Week-end\nLe planning d'astreinte "
        "est affiché dans le bureau support. Ne jamais donner le numéro personnel au client.",
    ),
    (
        "internal",
        V.STAFF,
        "Escalade en niveau 2 : la liste de contrôle",
        ["escalade", "procédure"],
        "agent@demo.test",
        "Avant d'escalader :\n\n1. Reproduire le problème.\n2. Joindre les journaux.\n"
        "3. Noter ce qui a déjà été essayé dans une note interne.",
    ),
    (
        "demo",
        V.ORGANIZATION,
        "Imprimante du service comptabilité : bourrage et toner",
        ["imprimante", "matériel"],
        "agent@demo.test",
        "Imprimante réseau **HP LaserJet M507** du service comptabilité (2e étage).\n\n"
        "## Bourrage papier\n1. Ouvrez le capot arrière.\n2. Retirez la feuille en tirant "
        "doucement vers vous.\n3. Refermez : l'impression reprend seule.\n\n"
        "## Changer le toner\nCartouche **HP 89A**, stock dans l'armoire B. Voir aussi le "
        "ticket #1 pour l'historique.",
    ),
    (
        "demo",
        V.ORGANIZATION,
        "Accès VPN des salariés en télétravail",
        ["vpn", "télétravail"],
        "agent@demo.test",
        "## Installer le client\nTéléchargez le client depuis l'intranet, rubrique Outils.\n\n"
        "## Se connecter\nServeur : `vpn.demo-industries.test`, identifiant : votre adresse "
        "de messagerie. Le code à usage unique arrive par SMS.",
    ),
    (
        "demo",
        V.ORGANIZATION,
        "Contacts et horaires du site de Paris",
        ["contacts"],
        "sales@demo.test",
        "| Service | Contact | Horaires |\n|---|---|---|\n| Accueil | 01 23 45 67 89 | 8h30-18h "
        "|\n| Informatique | Claire Client | 9h-17h |",
    ),
    (
        "demo",
        V.ORGANIZATION,
        "Politique de mots de passe",
        ["sécurité", "mot de passe"],
        "admin@demo.test",
        "12 caractères au moins, renouvelés tous les ans ; jamais le même que pour un autre "
        "service. Le gestionnaire de mots de passe de la société est fourni à chacun.",
    ),
    (
        "demo",
        V.STAFF,
        "Installation du serveur Démo Industries (équipe)",
        ["installation", "serveur"],
        "agent@demo.test",
        "Serveur Windows 2022 en salle technique. Sauvegarde chaque nuit à 2h vers le NAS.",
    ),
    (
        "other",
        V.ORGANIZATION,
        "Restaurer un fichier depuis la sauvegarde",
        ["sauvegarde"],
        "agent@demo.test",
        "Clic droit sur le dossier, « Versions précédentes », choisissez la date.",
    ),
]

# title -> (views, people it helped among the demo clients)
READINGS = {
    "Réinitialiser votre mot de passe": (42, ["client@demo.test", "client@other.test"]),
    "Imprimante du service comptabilité : bourrage et toner": (17, ["client@demo.test"]),
    "Procédure de demande d'évolution (CDC)": (9, []),
}


def seed_showcase_pages(*, users: dict[str, User]) -> int:
    """Write the demo pages unless the demo organization's space has some; how many."""
    organizations = {
        org.external_id: org for org in Organization.objects.filter(external_source="demo")
    }
    demo = organizations.get("demo")
    if demo is None or Page.objects.filter(organization=demo).exists():
        return 0
    written = 0
    for key, visibility, title, tags, writer, body in PAGES:
        if key in (Space.Kind.SHARED, Space.Kind.INTERNAL):
            space = services.space_for(kind=key)
        elif key in organizations:
            space = services.space_for(
                kind=Space.Kind.ORGANIZATION, organization=organizations[key]
            )
        else:
            continue
        page = services.create_page(
            actor=users[writer],
            space=space,
            title=title,
            body=body,
            visibility=visibility,
            tags=tags,
        )
        views, helped = READINGS.get(title, (0, []))
        Page.objects.filter(pk=page.pk).update(view_count=views)
        for email in helped:
            if email in users:
                services.mark_helpful(actor=users[email], page=page)
        written += 1
    return written

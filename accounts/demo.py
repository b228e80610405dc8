"""Demo organizations and one user per role (contract: password "demo", 2FA exempt).

Idempotent: running it again updates the same rows.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import caching, roles
from .models import Organization, Role, User

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential

ORGANIZATIONS = [
    # key, name, kind, parent key, email, city
    (
        "reseller",
        "Partenaire Réseau SAS",
        Organization.Kind.RESELLER,
        None,
        "contact@partner.test",
        "Lyon",
    ),
    ("demo", "Démo Industries", Organization.Kind.CLIENT, "reseller", "contact@demo.test", "Paris"),
    ("other", "Other Corp", Organization.Kind.CLIENT, None, "contact@other.test", "Bordeaux"),
]

Code = Role.Code
USERS = [
    # email, first, last, job title, organization key, roles, support level
    ("admin@demo.test", "Martin", "Admin", "Administrateur", None, [Code.ADMIN], None),
    ("agent@demo.test", "Alice", "Agent", "Technicienne support", None, [Code.AGENT], 1),
    (
        "agent2@demo.test",
        "Bruno",
        "Niveau2",
        "Consultant support",
        None,
        [Code.AGENT, Code.DEVELOPER],
        2,
    ),
    ("sales@demo.test", "Sophie", "Commerciale", "Commerciale", None, [Code.SALES], None),
    (
        "dpo@demo.test",
        "Denis",
        "Dpo",
        "Délégué à la protection des données",
        None,
        [Code.DPO],
        None,
    ),
    ("dev@demo.test", "Diane", "Dev", "Développeuse", None, [Code.DEVELOPER], None),
    ("controller@demo.test", "Cédric", "Controle", "Testeur", None, [Code.CONTROLLER], None),
    (
        "client@demo.test",
        "Claire",
        "Client",
        "Responsable informatique",
        "demo",
        [Code.CLIENT_USER, Code.CLIENT_ADMIN],
        None,
    ),
    ("user@demo.test", "Luc", "Utilisateur", "Comptable", "demo", [Code.CLIENT_USER], None),
    (
        "client@other.test",
        "Oscar",
        "Other",
        "Gérant",
        "other",
        [Code.CLIENT_USER, Code.CLIENT_ADMIN],
        None,
    ),
    (
        "reseller@partner.test",
        "Rémi",
        "Revendeur",
        "Chef de projet",
        "reseller",
        [Code.RESELLER],
        None,
    ),
]


@transaction.atomic
def seed_accounts() -> dict[str, User]:
    """Create or refresh the demo organizations and users; returns users by email."""
    orgs: dict[str, Organization] = {}
    for key, name, kind, parent_key, email, city in ORGANIZATIONS:
        org, _ = Organization.objects.update_or_create(
            external_source="demo",
            external_id=key,
            defaults={
                "name": name,
                "kind": kind,
                "parent": orgs.get(parent_key),
                "email": email,
                "city": city,
            },
        )
        orgs[key] = org
    caching.organizations_changed()
    users: dict[str, User] = {}
    # One hash for every demo account: hashing is slow on purpose (about a second each).
    password = make_password(DEMO_PASSWORD)
    for email, first, last, title, org_key, codes, level in USERS:
        user = User.objects.filter(email__iexact=email).first() or User(email=email)
        user.first_name, user.last_name, user.job_title = first, last, title
        user.organization = orgs.get(org_key)
        user.is_demo = True
        user.is_active = True
        user.awaiting_approval = False
        user.is_staff = Code.ADMIN in codes
        user.is_superuser = Code.ADMIN in codes
        user.password = password
        user.save()
        roles.grant(user, codes, support_level=level)
        # Demo addresses count as confirmed, so allauth lets them log in straight away.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[email] = user
    orgs["demo"].sales_reps.add(users["sales@demo.test"])
    return users

"""GDPR part of accounts (core.privacy): the profile, its roles and email addresses; anonymising
replaces the name, email and phone, deactivates the account and forgets its devices and
sessions. Runs last: the other apps need the real name and email to find their rows."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from core.privacy import Archive, Options, Person, stamp

from . import services, twofactor
from .models import User

ORDER = 90
UNUSABLE = "!"  # no password hash starts so: nobody logs in as an anonymised person


def export_person(person: Person, archive: Archive) -> None:
    user = person.user
    if user is None:
        return
    profile = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "job_title": user.job_title,
        "language": user.language,
        "organization": user.organization.name if user.organization_id else None,
        "roles": sorted(user.user_roles.values_list("role__code", flat=True)),
        "is_active": user.is_active,
        "date_joined": stamp(user.date_joined),
        "last_login": stamp(user.last_login),
        "muted_notices": user.muted_notices,
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
    }
    archive.add_json("accounts/profile.json", profile)


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    user = person.user
    if user is None:
        return {}
    User.objects.filter(pk=user.pk).update(
        email=person.alias_email,
        first_name="Anonyme",
        last_name=person.key,
        phone="",
        job_title="",
        is_active=False,
        awaiting_approval=False,
        password=UNUSABLE,
    )
    EmailAddress.objects.filter(user=user).delete()
    twofactor.reset_devices(user)
    services.end_sessions(user_ids={user.pk})
    return {"accounts": 1}

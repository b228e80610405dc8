"""Seed the roles (stable codes; labels are translated in code). Rerunnable and reversible."""

from django.db import migrations

ROLES = [
    # code, support company role, order
    ("admin", True, 10),
    ("agent", True, 20),
    ("sales", True, 30),
    ("dpo", True, 40),
    ("developer", True, 50),
    ("controller", True, 60),
    ("client_admin", False, 70),
    ("client_gdpr_auditor", False, 75),
    ("client_user", False, 80),
    ("reseller", False, 90),
]


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, is_staff_role, order in ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"is_staff_role": is_staff_role, "order": order}
        )


def unseed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code__in=[code for code, _, _ in ROLES], holders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

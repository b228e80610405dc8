"""People and the companies they belong to.

A user logs in with their email (case-insensitive, unique). Client and reseller users belong to
one Organization; staff of the support company have none. What a person may do comes from the
roles they hold (Role rows, several per person), read through accounts.roles.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """A client company or a reseller; a reseller has client organizations under it."""

    class Kind(models.TextChoices):
        CLIENT = "client", _("Client")
        RESELLER = "reseller", _("Reseller")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CLIENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reseller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        limit_choices_to={"kind": "reseller"},
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True, default="France")
    website = models.URLField(_("website"), blank=True)
    # Reference in the source system (ERP sync comes later): e.g. ("filemaker", "C-00042").
    external_source = models.CharField(_("external source"), max_length=50, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    sales_reps = models.ManyToManyField(
        "accounts.User",
        verbose_name=_("sales reps"),
        blank=True,
        related_name="represented_organizations",
    )
    clients_see_all_tickets = models.BooleanField(
        _("client users see all the organization's tickets"),
        default=True,
        help_text=_("When off, each client user sees only the tickets they filed or follow."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="org_unique_external_ref",
            ),
        ]
        indexes = [
            # Organization list and pickers sort and search by name.
            models.Index(Lower("name"), name="org_name_lower_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:organization-detail", args=[self.pk])


class Role(models.Model):
    """A role a person may hold. Rows are seeded by a migration; codes are stable."""

    class Code(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        AGENT = "agent", _("Agent")
        SALES = "sales", _("Sales rep")
        DPO = "dpo", _("DPO")
        DEVELOPER = "developer", _("Developer")
        CONTROLLER = "controller", _("Controller (tester)")
        CLIENT_USER = "client_user", _("Client user")
        CLIENT_ADMIN = "client_admin", _("Client administrator")
        CLIENT_GDPR_AUDITOR = "client_gdpr_auditor", _("Client GDPR auditor")
        RESELLER = "reseller", _("Reseller user")

    code = models.CharField(_("code"), max_length=32, choices=Code.choices, unique=True)
    is_staff_role = models.BooleanField(
        _("support company role"),
        help_text=_("Held by people of the support company, not by clients or resellers."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["order"]

    def __str__(self):
        return str(self.Code(self.code).label)


class Notice(models.TextChoices):
    """Ticket emails a person may turn off on their profile (account emails always go out)."""

    CREATED = "created", _("Confirmation of a new ticket filed by me or for me")
    REPLY = "reply", _("Public replies on tickets I take part in")
    NOTE = "note", _("Internal notes on tickets I am assigned to or follow")
    STATUS = "status", _("Status changes of tickets I take part in")
    ASSIGNED = "assigned", _("A ticket is assigned or escalated to me")
    AUTO_CLOSE = "auto_close", _("Automatic closing of a ticket waiting for my answer")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("The email must be set")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("is_staff", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their email. Roles live in UserRole."""

    class Language(models.TextChoices):
        FR = "fr", "Français"
        EN = "en", "English"

    class Density(models.TextChoices):
        COMPACT = "compact", _("Compact")
        COMFORTABLE = "comfortable", _("Comfortable")

    email = models.EmailField(_("email"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FR
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("Empty for people of the support company."),
    )
    roles = models.ManyToManyField(
        Role, through="UserRole", verbose_name=_("roles"), related_name="users", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Django admin site access (technical); product permissions come from roles.
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    # Ticket emails the person turned off (Notice codes); everything else reaches them.
    muted_notices = models.JSONField(_("muted email notifications"), default=list, blank=True)
    # How tall the ticket queue's rows are (one line each, or two with the type and contact).
    queue_density = models.CharField(
        _("ticket list density"), max_length=12, choices=Density.choices, default=Density.COMPACT
    )
    # Demo accounts are exempt from 2FA (ARCHITECTURE.md contract).
    is_demo = models.BooleanField(_("demo account"), default=False)
    # Public sign-up: the account waits for an admin's approval before it may log in.
    awaiting_approval = models.BooleanField(_("awaiting approval"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes = [
            # User administration list: filter by organization, sort by name.
            models.Index(fields=["organization", "last_name"], name="user_org_name_idx"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def wants_email(self, notice: str) -> bool:
        return self.is_active and notice not in (self.muted_notices or [])

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    def get_absolute_url(self):
        return reverse("accounts:user-detail", args=[self.pk])


class UserRole(models.Model):
    """A role held by a user; agents carry their support level (1, 2 or 3)."""

    class Level(models.IntegerChoices):
        L1 = 1, _("Level 1")
        L2 = 2, _("Level 2")
        L3 = 3, _("Level 3")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_roles")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="holders")
    support_level = models.PositiveSmallIntegerField(
        _("support level"), choices=Level.choices, null=True, blank=True
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role held")
        verbose_name_plural = _("roles held")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.role}"


class SiteSettings(models.Model):
    """The policies an admin sets in the app (Administration > Settings): one row, pk 1. An
    empty field means "the server's environment setting" (TICKETS_AUTO_CLOSE_DAYS,
    HOTLINE_EMAILS, HELPDESK_SIGNUP_OPEN...), so a new install behaves as configured. It lives
    on the ground floor because its readers are accounts, tickets, intake and cdc; it is read
    through accounts.caching.site_settings(), never directly."""

    auto_close_days = models.PositiveSmallIntegerField(
        _("close tickets waiting on the client after (days)"), null=True, blank=True
    )
    auto_close_warning_days = models.PositiveSmallIntegerField(
        _("warn the client this many days before"), null=True, blank=True
    )
    # None: the environment's list; [] : nobody.
    hotline_emails = models.JSONField(_("hotline addresses"), null=True, blank=True)
    signup_open = models.BooleanField(_("public sign-up open"), null=True, blank=True)
    signup_requires_approval = models.BooleanField(
        _("new accounts wait for an admin's approval"), null=True, blank=True
    )
    # Role codes that must pass the second factor; ["*"] everyone, [] nobody.
    two_factor_roles = models.JSONField(_("roles asked for a second factor"), null=True, blank=True)
    # Bumped by every save: an edit made on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("settings")
        verbose_name_plural = _("settings")

    def __str__(self):
        return str(_("Settings"))

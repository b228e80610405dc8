"""Change requests (CDC): the request, its tasks, checks, attachments and history."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .workflow import ACTION_LABELS, BADGE_CLASSES, State


class ChangeRequest(models.Model):
    """A client's wish, from its draft to the accepted delivery."""

    class Kind(models.TextChoices):
        NEW = "new", _("New function")
        CHANGE = "change", _("Change to an existing function")
        FIX = "fix", _("Correction of a defective function")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        VALIDATED = "validated", _("Validated")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("helpdesk ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_requests",
    )
    state = models.CharField(
        _("step"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    title = models.CharField(_("title"), max_length=200)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_changes",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_deadline = models.DateField(_("client deadline"), null=True, blank=True)
    description = models.TextField(_("description"))
    submitted_at = models.DateTimeField(_("sent to the hotline"), null=True, blank=True)
    # Support analysis (the specification).
    solution = models.TextField(_("solution"), blank=True)
    # The quote is a billing Estimate on the request (billing.quotes), not a field here.
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    # DPO review.
    gdpr_impact = models.BooleanField(_("GDPR impact"), null=True, blank=True)
    dpo_conclusions = models.TextField(_("DPO conclusions"), blank=True)
    dpo_validated_on = models.DateField(_("DPO validation date"), null=True, blank=True)
    # Client decision and acceptance.
    decision = models.CharField(
        _("client decision"), max_length=10, choices=Decision.choices, blank=True
    )
    decision_comment = models.TextField(_("decision comment"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    acceptance_comment = models.TextField(_("acceptance comment"), blank=True)
    closed_at = models.DateTimeField(
        pgettext_lazy("change request", "closed"), null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-number"]
        indexes = [
            # The list scoped to an organization, newest first.
            models.Index(fields=["organization", "-number"], name="cdc_org_number_idx"),
            # The calendar: requests by planned date.
            models.Index(fields=["planned_date"], name="cdc_planned_idx"),
        ]

    def __str__(self):
        return f"CDC-{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("cdc:detail", args=[self.number])

    @property
    def state_badge(self) -> str:
        """The CSS classes of the step badge."""
        return BADGE_CLASSES[self.state]

    @property
    def required_checks(self) -> tuple[str, ...]:
        """The checks every task needs: unit, functional, integration, and the DPO's GDPR
        check when the request has a GDPR impact."""
        kinds = ("unit", "functional", "integration")
        return kinds + (("gdpr",) if self.gdpr_impact else ())


class Task(models.Model):
    """A piece of development work, done by one or more developers, checked by controllers."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    developers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("developers"), related_name="cdc_tasks"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("development task")
        verbose_name_plural = _("development tasks")
        ordering = ["pk"]

    def __str__(self):
        return self.title


class Check(models.Model):
    """One check of a task; the latest row per (task, kind) counts."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit test")
        FUNCTIONAL = "functional", _("Functional test")
        INTEGRATION = "integration", _("Integration test")
        GDPR = "gdpr", _("GDPR check")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("check"), max_length=12, choices=Kind.choices)
    passed = models.BooleanField(_("passed"))
    comment = models.TextField(_("comment"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT
    )
    checked_at = models.DateTimeField(_("checked"), auto_now_add=True)

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="cdc_check_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {'pass' if self.passed else 'fail'}"


class Attachment(models.Model):
    class Side(models.TextChoices):
        CLIENT = "client", _("Client")
        SUPPORT = "support", _("Support")
        QUOTE = "quote", _("Quote")

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    file = models.FileField(_("file"), upload_to="cdc/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    preview = models.FileField(_("PDF preview"), upload_to="cdc/previews/", blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.filename

    @property
    def opens_inline(self):
        return self.content_type in {"image/jpeg", "image/png", "application/pdf"}


class HistoryEntry(models.Model):
    """Every transition and field change: who, when, what."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="history"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.action} {self.from_state} -> {self.to_state}"

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def changed_fields(self) -> list[str]:
        """What changed, in words: the fields' names ("planned date"), a task's field or check
        ("task: end date", "task: GDPR check"), for the keys services write in changes."""
        labels = []
        for key in self.changes:
            words = key.split(" ")
            if len(words) == 3 and words[0] == "task":
                name = words[2]
                if name in Check.Kind.values:
                    what = Check.Kind(name).label
                else:
                    what = _field_label(Task, name)
                labels.append(_("task: %(what)s") % {"what": what})
            else:
                labels.append(_field_label(ChangeRequest, key))
        return labels


def _field_label(model, name) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name

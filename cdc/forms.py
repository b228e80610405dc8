"""Forms of the change-request pages: they validate and keep input; services save."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms
from core.files import validate_upload

from .models import ChangeRequest, Check

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ALLOWED = {
    ".jpg", ".jpeg", ".png", ".gif", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ".odt", ".ods", ".odp", ".txt", ".csv", ".zip", ".mp4",
}  # fmt: skip


class RequestForm(core_forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organization"))
    requester = forms.ModelChoiceField(queryset=None, label=_("Requester"))
    ticket_number = forms.IntegerField(label=_("Helpdesk ticket"), required=False, min_value=1)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChangeRequest.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    client_deadline = forms.DateField(label=_("Client deadline"), required=False, widget=DATE)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, organizations, requesters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["requester"].queryset = requesters
        self.fields["requester"].label_from_instance = lambda u: f"{u.last_name} {u.first_name}"
        self.fields["requester"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("cdc:requester-card"),
                "hx-trigger": "change",
                "hx-target": "#requester-card",
                "hx-swap": "outerHTML",
            }
        )

    def clean(self):
        data = super().clean()
        org, requester = data.get("organization"), data.get("requester")
        if org and requester and requester.organization_id != org.pk:
            self.add_error("requester", _("The requester must belong to the organization."))
        return data


class EditRequestForm(RequestForm):
    """The draft's request tab: the organization is fixed once the draft exists."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].disabled = True


class AnalysisForm(core_forms.Form):
    solution = forms.CharField(label=_("Solution"), widget=forms.Textarea(attrs={"rows": 6}))
    planned_date = forms.DateField(
        label=_("Planned date"),
        required=False,
        widget=DATE,
        help_text=_("Setting the planned date sends the specification to the DPO."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DpoForm(core_forms.Form):
    gdpr_impact = forms.TypedChoiceField(
        label=_("GDPR impact"),
        choices=[("", _("Not decided")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
    )
    conclusions = forms.CharField(
        label=_("Conclusions"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    validated_on = forms.DateField(
        label=_("Validation date"),
        required=False,
        widget=DATE,
        help_text=_("The validation date sends the request to the client for decision."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(core_forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("validate", _("Validate")), ("cancel", _("Cancel"))]
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class TaskForm(core_forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    developers = forms.ModelMultipleChoiceField(queryset=None, label=_("Developers"))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)

    def __init__(self, *args, developers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["developers"].queryset = developers


class TaskDatesForm(core_forms.Form):
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)


class CheckForm(core_forms.Form):
    kind = forms.ChoiceField(label=_("Check"), choices=Check.Kind.choices)
    result = forms.ChoiceField(
        label=_("Result"), choices=[("pass", _("Pass")), ("fail", _("Fail"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, kinds=None, **kwargs):
        """kinds: the checks this person may record (cdc.access.check_kinds_for); only those
        are offered, and another posted kind is refused as an invalid choice."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [c for c in Check.Kind.choices if c[0] in kinds]
            if len(kinds) == 1:
                self.fields["kind"].initial = kinds[0]


class AcceptanceForm(core_forms.Form):
    result = forms.ChoiceField(
        label=_("Acceptance"),
        choices=[("accept", _("Accept the delivery")), ("refuse", _("Refuse the delivery"))],
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class UploadForm(core_forms.Form):
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        """Same checks as ticket attachments (size limit, sniffed type, real images)."""
        upload = self.cleaned_data["file"]
        self.info = validate_upload(upload)
        if Path(self.info.filename).suffix.lower() not in ALLOWED:
            raise ValidationError(_("This kind of file is not accepted."))
        return upload

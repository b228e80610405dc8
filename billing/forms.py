"""Forms of the billing pages: they read durations and money, keep what was typed, never save."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from .durations import parse_duration
from .errors import InvalidDuration
from .models import Activity, Contract

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DurationField(forms.CharField):
    """A duration as typed ("1h30", "1,5", "90", "1:30", "15 min"), cleaned to minutes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Duration"))
        kwargs.setdefault("help_text", _("1h30, 1,5 (hours), 90 (minutes) or 1:30"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return parse_duration(value)
        except InvalidDuration as exc:
            raise forms.ValidationError(str(exc), code="duration") from None


class MoneyField(forms.DecimalField):
    """A French or English amount ("1 250,50" or "1250.50"), as Decimal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            value = value.replace("€", "").replace(",", ".")
        return super().to_python(value)


class EntryForm(core_forms.Form):
    duration = DurationField()
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    off_hours = forms.BooleanField(label=_("Night or weekend"), required=False)
    work_date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def clean_duration(self):
        minutes = self.cleaned_data.get("duration")
        if minutes is None:
            raise forms.ValidationError(_("Enter a duration, e.g. 1h30, 1,5 or 90 (minutes)."))
        return minutes


class TimerStopForm(core_forms.Form):
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    billable = forms.BooleanField(label=_("Billable"), required=False)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class EntryEditForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    duration = DurationField()
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    billable = forms.BooleanField(label=_("Billable"), required=False)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def clean_duration(self):
        minutes = self.cleaned_data.get("duration")
        if minutes is None:
            raise forms.ValidationError(_("Enter a duration, e.g. 1h30, 1,5 or 90 (minutes)."))
        return minutes


class CorrectionForm(core_forms.Form):
    duration = DurationField(label=_("Correct duration"))
    comment = forms.CharField(label=_("Why"), max_length=500)


class VersionForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EstimateForm(core_forms.Form):
    amount = MoneyField(label=_("Amount (excl. tax)"), required=False)
    hours = forms.DecimalField(
        label=_("Hours"), required=False, max_digits=8, decimal_places=2, min_value=Decimal("0.25")
    )
    description = forms.CharField(
        label=_("What the estimate covers"), widget=forms.Textarea(attrs={"rows": 4})
    )
    document = forms.FileField(label=_("Document (optional)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("amount") is None and data.get("hours") is None:
            raise forms.ValidationError(_("Give an amount or a number of hours."))
        return data


class RefusalForm(core_forms.Form):
    reason = forms.CharField(
        label=_("Why do you refuse this estimate?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ContractForm(core_forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    default_rate = MoneyField(label=_("Hourly rate"))
    block_hours = forms.DecimalField(
        label=_("Hours in the block"), max_digits=8, decimal_places=2, min_value=0, initial=0
    )

    class Meta:
        model = Contract
        fields = [
            "organization",
            "name",
            "kind",
            "currency",
            "default_rate",
            "off_hours_multiplier",
            "rounding_minutes",
            "rounding_scope",
            "block_hours",
            "rollover",
            "starts_on",
            "ends_on",
            "is_active",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end must be after the start."))
        if data.get("kind") == Contract.Kind.PREPAID and not data.get("block_hours"):
            self.add_error("block_hours", _("A prepaid block needs its number of hours."))
        return data


class RateForm(core_forms.Form):
    activity = forms.ChoiceField(
        label=_("Activity"), choices=[("", _("Any activity")), *Activity.choices], required=False
    )
    level = forms.TypedChoiceField(
        label=_("Support level"),
        choices=[("", _("Any level")), ("1", "1"), ("2", "2"), ("3", "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    hourly_rate = MoneyField(label=_("Hourly rate"))


class RenewForm(core_forms.Form):
    starts_on = forms.DateField(label=_("New block starts on"), widget=DATE)

"""Forms of the invoicing pages: they read French amounts and durations, keep what was typed,
never save (services do)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from billing.forms import DurationField, MoneyField
from core import forms as core_forms
from tickets.models import Asset

from .models import Intervention

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class QuantityField(MoneyField):
    """A quantity as typed ("1,5" or "1.5")."""


class RateField(MoneyField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("max_value", Decimal("100"))
        super().__init__(**kwargs)


class InterventionForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME)
    duration = DurationField(label=_("Duration"))
    place = forms.ChoiceField(label=_("Place"), choices=Intervention.Place.choices)
    technicians = forms.ModelMultipleChoiceField(
        label=_("Technicians"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    equipment = forms.ModelMultipleChoiceField(
        label=_("Equipment"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    work_done = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 5}))
    travel = DurationField(label=_("Travel time"), required=False)
    travel_amount = MoneyField(label=_("Travel fee (excl. tax)"), required=False)

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technicians"].queryset = roles.users_with_role(
            roles.Code.ADMIN, roles.Code.AGENT
        ).order_by("last_name", "first_name")
        self.fields["equipment"].queryset = Asset.objects.filter(
            organization_id=organization_id, is_active=True
        ).order_by("name")
        if not self.is_bound and "starts_at" not in self.initial:
            self.initial["starts_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration"] or 0,
            "place": data["place"],
            "work_done": data["work_done"].strip(),
            "travel_minutes": data.get("travel") or 0,
            "travel_amount": data.get("travel_amount") or Decimal("0"),
        }


class SupplyForm(core_forms.Form):
    description = forms.CharField(label=_("Part or supply"), max_length=200, required=False)
    quantity = QuantityField(label=_("Quantity"), required=False)
    unit_price = MoneyField(label=_("Unit price"), required=False)
    vat_rate = RateField(label=_("VAT %"), required=False, initial=Decimal("20"))

    def clean(self):
        data = super().clean()
        if data.get("description", "").strip():
            if data.get("quantity") is None:
                self.add_error("quantity", _("Enter a quantity."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Enter a unit price."))
            if data.get("vat_rate") is None:
                data["vat_rate"] = Decimal("20")
        return data


SupplyFormSet = forms.formset_factory(SupplyForm, extra=3, max_num=30, absolute_max=30)


class SignForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    signer_name = forms.CharField(label=_("Name of the person signing"), max_length=150)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=800_000)

    def clean_signature(self) -> bytes | None:
        value = self.cleaned_data.get("signature") or ""
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix):
            raise forms.ValidationError(_("Draw the signature in the box, then confirm."))
        try:
            return base64.b64decode(value[len(prefix) :], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The signature could not be read: sign again.")) from None


class ValidateForm(core_forms.Form):
    signer_name = forms.CharField(label=_("Your name"), max_length=150)
    agree = forms.BooleanField(label=_("I confirm the work described was done."))


def last_month() -> tuple[dt.date, dt.date]:
    first_this = timezone.localdate().replace(day=1)
    end = first_this - dt.timedelta(days=1)
    return end.replace(day=1), end


class RunForm(core_forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class LineForm(core_forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = QuantityField(label=_("Quantity"), min_value=None)
    unit_price = MoneyField(label=_("Unit price"))
    vat_rate = RateField(label=_("VAT %"))


LineFormSet = forms.formset_factory(
    LineForm, extra=1, can_delete=True, max_num=500, absolute_max=500
)


class DraftForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Notes printed on the invoice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class VersionForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CreditForm(core_forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

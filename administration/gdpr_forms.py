"""Forms of the audit log and GDPR pages: they validate and keep what was typed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from . import audit_selectors


class AuditFilterForm(core_forms.Form):
    actor = forms.CharField(label=_("Who"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.TypedChoiceField(
        label=_("Object"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *audit_selectors.ACTIONS.items()]
        self.fields["object_type"].choices = [("", _("All")), *audit_selectors.object_types()]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class PersonSearchForm(core_forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)


class AnonymiseForm(core_forms.Form):
    words = forms.ChoiceField(
        label=_("Their messages"),
        choices=[
            ("keep", _("Keep their words (their name, email and phone are removed from them)")),
            ("blank", _("Blank their words")),
        ],
        initial="keep",
        widget=forms.RadioSelect,
    )
    remove_attachments = forms.BooleanField(label=_("Remove the files they sent"), required=False)
    confirm = forms.CharField(label=_("Type their email address to confirm"), max_length=254)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if self.person is not None and typed.lower() != self.person.email.lower():
            raise forms.ValidationError(_("This is not the person's email address."))
        return typed

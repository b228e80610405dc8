"""Wiki forms: they validate and keep what the person typed; services do the saving."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms
from core.files import validate_upload

from . import access, services
from .models import Page, Space

SHARED, INTERNAL = Space.Kind.SHARED, Space.Kind.INTERNAL
BODY_MAX = core_forms.TEXT_MAX


class PageForm(core_forms.Form):
    """A page's title, text, visibility and tags; a new page also chooses its space
    ("shared", "internal" or an organization's id)."""

    space = forms.ChoiceField(label=_("Space"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace wiki-editor"}),
        help_text=_("## for a heading, **bold**, - for a list, #88 links ticket 88."),
    )
    visibility = forms.ChoiceField(label=_("Who reads it"), choices=Page.Visibility.choices)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=255
    )
    note = forms.CharField(label=_("What changed"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, page: Page | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        if page is not None:
            del self.fields["space"]
            self.kind = page.space.kind
            allowed = access.allowed_visibilities(self.kind)
            self.fields["visibility"].choices = [
                choice for choice in Page.Visibility.choices if choice[0] in allowed
            ]
        else:
            choices = [
                (SHARED, Space.Kind.SHARED.label),
                (INTERNAL, Space.Kind.INTERNAL.label),
            ]
            choices += [
                (str(org.pk), org.name)
                for org in access.writable_organizations(user).order_by("name")
            ]
            self.fields["space"].choices = choices
            self.kind = None

    def clean_tags(self):
        return services.parse_tags(self.cleaned_data.get("tags", ""))

    def clean(self):
        data = super().clean()
        if self.page is None and data.get("space"):
            value = data["space"]
            data["kind"] = value if value in (SHARED, INTERNAL) else Space.Kind.ORGANIZATION
            data["organization_id"] = int(value) if value.isdigit() else None
            self.kind = data["kind"]
        visibility = data.get("visibility")
        if self.kind and visibility and visibility not in access.allowed_visibilities(self.kind):
            self.add_error("visibility", _("This visibility is not possible in this space."))
        return data


class AttachmentForm(core_forms.Form):
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            validate_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return upload


class SearchForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class SuggestForm(core_forms.Form):
    """The title being typed in the new-ticket form."""

    title = forms.CharField(required=False, max_length=200)


class PreviewForm(core_forms.Form):
    body = forms.CharField(required=False, widget=forms.Textarea)


class FromTicketForm(core_forms.Form):
    with_notes = forms.BooleanField(required=False)

"""The base classes of every form of ours (core.forms.Form, core.forms.ModelForm): whatever
a person types in a text field is refused, with a message and the text kept in the form, when
the database could not store it (NUL characters, lone surrogates: core.text.storable) or when
it is longer than the field's limit.

A text field's limit is its own max_length (model fields give theirs), else the form's
text_limits entry for it, else TEXT_MAX for a text area (a description, a reply) and LINE_MAX
for a one-line field. Tests check that every form of our apps uses these classes.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from .text import is_storable

# Limits of free text, in characters.
TITLE_MAX = 200
NAME_MAX = 150
LINE_MAX = 255
# A description, a reply, a note: longer than any real message (a long log pasted in is
# about 20,000 characters), short enough that a page showing it stays fast.
TEXT_MAX = 100_000


def validate_storable(value) -> None:
    """Refuse text holding characters no database column takes."""
    if isinstance(value, str) and not is_storable(value):
        raise ValidationError(
            _(
                "This text contains characters that cannot be saved (a NUL character or a "
                "broken one). Remove them and try again."
            ),
            code="unstorable",
        )


def limit_text_field(field: forms.Field, limit: int | None = None) -> None:
    """Give a text field (CharField and its kinds: email, URL...) the storable check and a
    maximum length: its own, else limit, else TEXT_MAX for a text area, LINE_MAX otherwise."""
    if not isinstance(field, forms.CharField):
        return
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    field.validators.insert(0, validate_storable)
    if field.max_length is None:
        textarea = isinstance(field.widget, forms.Textarea)
        field.max_length = limit or (TEXT_MAX if textarea else LINE_MAX)
        field.validators.append(MaxLengthValidator(field.max_length))
        if not textarea:
            # What Django writes for a declared max_length; a text area gets none, so that a
            # browser does not cut a pasted text silently: the message says what is too long.
            field.widget.attrs.setdefault("maxlength", str(field.max_length))


class LimitedTextMixin:
    """Every text field of the form gets limit_text_field (see the module docstring).
    text_limits: {field name: maximum length} for text fields without a max_length."""

    text_limits: dict[str, int] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            limit_text_field(field, self.text_limits.get(name))


class Form(LimitedTextMixin, forms.Form):
    pass


class ModelForm(LimitedTextMixin, forms.ModelForm):
    pass

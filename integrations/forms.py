from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import Form

from .models import ApiToken


class TokenForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “ERP sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )

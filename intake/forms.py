"""Mailbox settings (password write-only) and linking an unidentified ticket to a client."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Organization, User
from core import forms as core_forms
from core import net

from .models import Mailbox

REFUSED_HOST = _(
    "This host is on an internal, private or reserved network: the helpdesk does not connect "
    "there. The server setting HELPDESK_ALLOWED_INTERNAL_HOSTS can allow it by name."
)


class MailboxForm(core_forms.ModelForm):
    # Write-only: never rendered back; empty keeps the stored one.
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "email_address",
            "protocol",
            "host",
            "port",
            "use_tls",
            "folder",
            "username",
            "password",
            "delete_after_import",
            "interval_minutes",
            "default_type",
            "is_active",
            "trusted_authserv_ids",
            "verify_dkim",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("password", None)
        self.fields["interval_minutes"].min_value = 1
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_trusted_authserv_ids(self):
        value = self.cleaned_data["trusted_authserv_ids"]
        ids = [part.strip().lower() for part in value.split(",") if part.strip()]
        for ident in ids:
            if not re.fullmatch(r"[a-z0-9._-]{1,253}", ident):
                raise forms.ValidationError(
                    _("“%(id)s” is not a server name: letters, digits, dots and dashes only.")
                    % {"id": ident[:60]}
                )
        return ", ".join(ids)

    def clean_interval_minutes(self):
        value = self.cleaned_data["interval_minutes"]
        if value < 1:
            raise forms.ValidationError(_("Poll at most once a minute."))
        return value

    def clean(self):
        cleaned = super().clean()
        host, port = cleaned.get("host"), cleaned.get("port")
        if host and port:
            try:
                net.check_host(host, port)
            except net.RefusedAddress:
                self.add_error("host", REFUSED_HOST)
            except net.CouldNotResolve:
                pass  # checked again at each connection: the name may not resolve from here yet
        return cleaned

    def save(self, commit=True):
        password = self.cleaned_data.get("password")
        mailbox = super().save(commit=False)
        if not password and self.instance.pk:
            mailbox.password = Mailbox.objects.values_list("password", flat=True).get(
                pk=self.instance.pk
            )
        if commit:
            mailbox.save()
        return mailbox


class LinkTicketForm(core_forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Client organization"), queryset=Organization.objects.none()
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=User.objects.none(), required=False
    )
    new_contact_name = forms.CharField(
        label=_("Or create the contact, named"),
        max_length=150,
        required=False,
        help_text=_("Creates a client account for the sender's address."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = roles.visible_organizations(user).filter(is_active=True).order_by("name")
        self.fields["organization"].queryset = orgs
        self.fields["contact"].queryset = (
            User.objects.filter(organization__in=orgs, is_active=True)
            .select_related("organization")
            .order_by("last_name", "first_name")
        )
        self.fields["contact"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.email} <{u.email}> — {u.organization}"
        )

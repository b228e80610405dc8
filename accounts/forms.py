"""Forms of the accounts pages: they validate and keep what was typed; services save."""

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from . import access, roles
from .models import Notice, Organization, Role, User, UserRole

Code = Role.Code


class CodeForm(core_forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "code-input",
                "autofocus": True,
            }
        ),
    )


class ProfileForm(core_forms.ModelForm):
    email_notices = forms.MultipleChoiceField(
        label=_("Send me an email for"),
        choices=(),
        # The checkboxes sit in their own card, outside the <form> element.
        widget=forms.CheckboxSelectMultiple(attrs={"form": "profile-form"}),
        required=False,
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "job_title", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = access.email_notices_for(self.instance)
        if offered:
            field = self.fields["email_notices"]
            field.choices = [(code, Notice(code).label) for code in offered]
            muted = set(self.instance.muted_notices or [])
            self.initial["email_notices"] = [code for code in offered if code not in muted]
        else:
            del self.fields["email_notices"]

    def service_kwargs(self) -> dict:
        """Profile fields, and the offered notices left unticked as muted ones (a notice the
        person is not offered keeps its setting)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if "email_notices" in self.fields:
            offered = {code for code, _label in self.fields["email_notices"].choices}
            wanted = set(self.cleaned_data["email_notices"])
            kept = [c for c in self.instance.muted_notices or [] if c not in offered]
            data["muted_notices"] = sorted({*kept, *(offered - wanted)})
        return data


def role_choices():
    return [(code, label) for code, label in Code.choices]


class UserForm(core_forms.ModelForm):
    """Create or edit a person: identity, organization, roles with the agent's level."""

    role_codes = forms.MultipleChoiceField(
        label=_("Roles"), choices=role_choices, widget=forms.CheckboxSelectMultiple
    )
    support_level = forms.TypedChoiceField(
        label=_("Support level (agents)"),
        choices=[("", "—"), *UserRole.Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "language",
            "organization",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["organization"].empty_label = _("— Support company (staff) —")
        if self.instance.pk and not self.is_bound:
            held = dict(self.instance.user_roles.values_list("role__code", "support_level"))
            self.initial["role_codes"] = list(held)
            self.initial["support_level"] = held.get(Code.AGENT)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "email": data["email"],
            "role_codes": data["role_codes"],
            "organization": data["organization"],
            "support_level": data["support_level"],
            **{f: data[f] for f in ("first_name", "last_name", "phone", "job_title", "language")},
        }


class UserFilterForm(core_forms.Form):
    STATUS_CHOICES = [
        ("", _("All")),
        ("active", _("Active")),
        ("inactive", _("Deactivated")),
        ("awaiting", _("Awaiting approval")),
    ]
    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *role_choices()]
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["organization"].empty_label = _("All organizations")


class ApproveSignupForm(core_forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    role_codes = forms.MultipleChoiceField(
        label=_("Roles"),
        widget=forms.CheckboxSelectMultiple,
        initial=[Code.CLIENT_USER],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["role_codes"].choices = [
            (code, label) for code, label in Code.choices if code in roles.CUSTOMER_ROLES
        ]


class OrganizationForm(core_forms.ModelForm):
    text_limits = {"address": 1000}
    sales_reps = forms.ModelMultipleChoiceField(
        label=_("Sales reps"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "parent",
            "email",
            "phone",
            "address",
            "postal_code",
            "city",
            "country",
            "website",
            "external_source",
            "external_id",
            "clients_see_all_tickets",
            "is_active",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"website": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_reps"].queryset = roles.users_with_role(Code.SALES).order_by("last_name")
        parents = Organization.objects.filter(kind=Organization.Kind.RESELLER)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.initial.setdefault("sales_reps", list(self.instance.sales_reps.all()))
        self.fields["parent"].queryset = parents


class PickerMixin:
    """A searchable picker instead of a <select> listing every row: a search box asks `url`
    (an accounts:pick-* view) for the options matching what the person types, and
    static/js/picker.js puts the chosen one(s) in a hidden <select> the form posts. Only the
    chosen options are written into the page; the field still validates the posted value
    against its queryset (what the person may see). `include`: a CSS selector of other fields
    sent along with the search (e.g. the organization a contact must belong to)."""

    template_name = "django/forms/widgets/picker.html"

    def __init__(self, url="", *, include="", attrs=None):
        super().__init__(attrs)
        self.url, self.include = url, include

    # The chosen rows when the page already holds them ({pk: label}, set by the form): their
    # labels are written without a query.
    known: dict[str, str] | None = None

    def optgroups(self, name, value, attrs=None):
        # A primary key is below 2**63 (a larger posted number matches no row).
        chosen = [v for v in value if str(v).isdigit() and int(v) < 2**63]
        rows = []
        if self.known is not None and all(str(v) in self.known for v in chosen):
            rows = [(str(v), self.known[str(v)]) for v in chosen]
        elif chosen and hasattr(self.choices, "queryset"):
            label = self.choices.field.label_from_instance
            found = self.choices.queryset.filter(pk__in=chosen)
            rows = [(str(row.pk), label(row)) for row in found]
        options = [
            self.create_option(name, pk, label, True, index)
            for index, (pk, label) in enumerate(rows)
        ]
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["picker"] = {"url": str(self.url), "include": self.include}
        return context

    def id_for_label(self, id_):
        return f"{id_}_search" if id_ else id_


class PickerSelect(PickerMixin, forms.Select):
    pass


class PickerSelectMultiple(PickerMixin, forms.SelectMultiple):
    pass

"""Pages of the accounts app: second factor, profile, user and organization administration."""

import base64
from io import BytesIO
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access import require

from . import access, selectors, services, twofactor
from .errors import AccountError
from .forms import (
    ApproveSignupForm,
    CodeForm,
    OrganizationForm,
    ProfileForm,
    UserFilterForm,
    UserForm,
)
from .models import Organization

PAGE_SIZE = 25


def _next_url(request, default="dashboard"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


# --- Second factor --------------------------------------------------------------------------


def two_factor(request):
    """Enter the 6-digit code emailed at login (or an authenticator / recovery code). GET only
    shows the form: the first code is sent by the login POST, a new one by two_factor_resend."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.is_verified() or not access.requires_second_factor(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = twofactor.check_code(request, form.cleaned_data["code"])
        if result.ok:
            return redirect(_next_url(request))
        form.add_error("code", twofactor.refusal_message(result))
    context = {
        "form": form,
        "next": _next_url(request, ""),
        "code_sent": twofactor.code_was_sent(request),
        "minutes": settings.OTP_EMAIL_TOKEN_VALIDITY // 60,
    }
    return render(request, "accounts/two_factor.html", context)


@require_POST
def two_factor_resend(request):
    """Email a (new) code, within the limits of accounts.twofactor; says how long to wait."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.is_verified():
        return redirect(_next_url(request))
    sending = twofactor.send_code(request)
    if sending.sent:
        messages.info(
            request, _("A new code is on its way to %(email)s.") % {"email": request.user.email}
        )
    else:
        messages.warning(request, twofactor.not_sent_message(sending.wait))
    return redirect(f"{reverse('accounts:2fa')}?{urlencode({'next': _next_url(request, '')})}")


# --- Language and profile ---------------------------------------------------------------------


@login_not_required
def set_language(request):
    """The top bar's language switch: Django's (the language cookie, back to `next`), and for
    a logged-in person their profile's language too, which every page then follows
    (accounts.middleware.ProfileLanguageMiddleware). Visitors use it on the login page."""
    response = i18n.set_language(request)
    language = request.POST.get("language") if request.method == "POST" else None
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and language != user.language:
        services.update_profile(actor=user, language=language)
    return response


# --- Profile --------------------------------------------------------------------------------


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.update_profile(actor=request.user, **form.service_kwargs())
        response = redirect("accounts:profile")
        # The same cookie as Django's language switch sets (settings: Lax, HttpOnly, Secure
        # when the session cookie is).
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        messages.success(request, _("Your profile is saved."))
        return response
    totp_confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "totp_confirmed": totp_confirmed, "nav_active": "profile"},
    )


def profile_totp(request):
    """Set up an authenticator app: "Set up" (POST) makes a secret, then scan the QR code and
    confirm with a code. GET only shows where the set-up stands."""
    device = twofactor.pending_totp_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if twofactor.confirm_totp_device(request.user, form.cleaned_data["code"]):
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("accounts:profile")
        form.add_error("code", _("This code is not right. Check the time on your phone."))
    context = {"form": form, "device": device, "nav_active": "profile"}
    if device is not None:
        image = qrcode.make(
            device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8
        )
        buffer = BytesIO()
        image.save(buffer)
        context["qr_data"] = (
            "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
        )
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/totp_setup.html", context)


@require_POST
def profile_totp_start(request):
    twofactor.start_totp_device(request.user)
    return redirect("accounts:profile-totp")


@require_POST
def profile_totp_remove(request):
    TOTPDevice.objects.filter(user=request.user).delete()
    messages.success(request, _("Your authenticator app is removed."))
    return redirect("accounts:profile")


@require_POST
def profile_recovery_codes(request):
    codes = twofactor.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


# --- User administration (admins) -----------------------------------------------------------


def user_list(request):
    require(access.can_manage_users(request.user), hidden=True)
    filters = UserFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.user_rows(request.user, **{k: v for k, v in criteria.items() if v})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    pending, pending_count = selectors.pending_signups(request.user)
    return render(
        request,
        "accounts/user_list.html",
        {
            "filters": filters,
            "page": page,
            "pending": pending if criteria.get("status") != "awaiting" else [],
            "pending_count": pending_count,
            "nav_active": "users",
        },
    )


def user_create(request):
    require(access.can_manage_users(request.user), hidden=True)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, **form.service_kwargs())
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("%(name)s is created and invited by email.") % {"name": user}
            )
            return redirect(user)
    return render(request, "accounts/user_form.html", {"form": form, "nav_active": "users"})


def user_detail(request, pk):
    person = selectors.user_detail(request.user, pk)
    approve_form = ApproveSignupForm() if person.awaiting_approval else None
    return render(
        request,
        "accounts/user_detail.html",
        {"person": person, "approve_form": approve_form, "nav_active": "users"},
    )


def user_edit(request, pk):
    person = access.get_managed_user_or_404(request.user, pk)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=request.user, user=person, **form.service_kwargs())
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(person)
    return render(
        request, "accounts/user_form.html", {"form": form, "person": person, "nav_active": "users"}
    )


def _user_action(request, pk, service, done_message):
    person = access.get_managed_user_or_404(request.user, pk)
    try:
        service(actor=request.user, user=person)
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done_message % {"name": person})
    return redirect(person)


@require_POST
def user_deactivate(request, pk):
    return _user_action(
        request, pk, services.deactivate_user, _("%(name)s is deactivated and logged out.")
    )


@require_POST
def user_reactivate(request, pk):
    return _user_action(request, pk, services.reactivate_user, _("%(name)s can log in again."))


@require_POST
def user_reset_2fa(request, pk):
    return _user_action(
        request, pk, services.reset_two_factor, _("Two-factor devices of %(name)s are reset.")
    )


@require_POST
def user_approve(request, pk):
    person = access.get_managed_user_or_404(request.user, pk)
    form = ApproveSignupForm(request.POST)
    if form.is_valid():
        try:
            services.approve_signup(actor=request.user, user=person, **form.cleaned_data)
        except AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(name)s is approved and told by email.") % {"name": person}
            )
            return redirect(person)
    person = selectors.user_detail(request.user, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {"person": person, "approve_form": form, "nav_active": "users"},
    )


# --- Organizations --------------------------------------------------------------------------


def organization_list(request):
    require(access.can_view_organization_list(request.user), hidden=True)
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.organization_rows(request.user, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/organization_list.html",
        {
            "page": page,
            "q": q,
            "can_manage": access.can_manage_organizations(request.user),
            "nav_active": "organizations",
        },
    )


def organization_detail(request, pk):
    organization = access.get_visible_organization_or_404(request.user, pk)
    return render(
        request,
        "accounts/organization_detail.html",
        {
            "organization": organization,
            "members": selectors.organization_members(request.user, organization),
            "sales_reps": organization.sales_reps.all(),
            "clients": organization.clients.all(),
            "can_manage": access.can_manage_organizations(request.user),
            "nav_active": "organizations",
        },
    )


def organization_edit(request, pk=None):
    require(access.can_manage_organizations(request.user), hidden=True)
    organization = (
        access.get_visible_organization_or_404(request.user, pk) if pk else Organization()
    )
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_organization(
                actor=request.user,
                organization=form.save(commit=False),
                sales_reps=list(form.cleaned_data["sales_reps"]),
            )
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Organization saved."))
            return redirect(saved)
    return render(
        request,
        "accounts/organization_form.html",
        {"form": form, "organization": organization, "nav_active": "organizations"},
    )


# --- Pickers: the options matching what a person typed in a searchable picker ------------------

PICKER_LIMIT = 15


def _picker_query(request) -> str:
    return request.GET.get("q", "").strip()[:100]


def _picker(request, options, *, people: bool):
    return render(
        request,
        "partials/_picker_options.html",
        {"options": options[:PICKER_LIMIT], "people": people, "q": _picker_query(request)},
    )


@require_GET
def pick_organizations(request):
    """Organizations a staff member may file a ticket for, by name."""
    require(access.can_pick_staff_lists(request.user), hidden=True)
    rows = access.visible_organizations(request.user).filter(
        is_active=True, name__icontains=_picker_query(request)
    )
    return _picker(request, rows.order_by("name").only("id", "name"), people=False)


@require_GET
def pick_people(request):
    """People by name or email: a contact (?organization=<id> narrows to one organization the
    person sees; with ?contact=1 nobody is listed before an organization is chosen) or a
    follower (?staff=1 adds the support team, for staff)."""
    organization = request.GET.get("organization", "")
    if request.GET.get("contact") == "1" and not organization.isdigit():
        return render(request, "partials/_picker_options.html", {"options": [], "hint": True})
    rows = access.pickable_people(
        request.user,
        organization_id=int(organization) if organization.isdigit() else None,
        with_staff=request.GET.get("staff") == "1",
    )
    return _picker(request, _matching_people(rows, _picker_query(request)), people=True)


@require_GET
def pick_agents(request):
    """Agents and admins, by name or email (assignees)."""
    require(access.can_pick_staff_lists(request.user), hidden=True)
    rows = access.pickable_agents(request.user)
    return _picker(request, _matching_people(rows, _picker_query(request)), people=True)


def _matching_people(rows, q: str):
    if q:
        rows = rows.filter(
            Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
        )
    return rows.order_by("first_name", "last_name", "email").only(
        "id", "first_name", "last_name", "email"
    )

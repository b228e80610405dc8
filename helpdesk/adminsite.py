"""Django's admin (/django-admin/): technical access for superusers, behind the app's login.

It has no login form of its own (no second place to guess passwords): its login page sends to
the app's login, with its rate limits and second factor, and then back. Only active superusers
who passed the second factor the app asks of them enter (accounts.access.can_use_django_admin);
anyone else logged in gets a 404, whatever their is_staff flag says.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import access


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        return access.can_use_django_admin(request.user)

    @login_not_required
    def login(self, request, extra_context=None):
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(target, reverse("account_login"))
        if not self.has_permission(request):
            raise Http404
        return redirect(target)

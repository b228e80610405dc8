from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import csp_reports, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("csp-report/", csp_reports.csp_report, name="csp-report"),
    # The language switch also serves the login page, before anyone is logged in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("tickets/", include("tickets.urls")),
    path("cdc/", include("cdc.urls")),
    path("mail/", include("intake.urls")),
    path("", include("administration.urls")),
    path("django-admin/", admin.site.urls),
]

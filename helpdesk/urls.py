from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views

from . import csp_reports, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("csp-report/", csp_reports.csp_report, name="csp-report"),
    # The language switch (also on the login page, before anyone is logged in): it writes the
    # profile of a logged-in person.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("tickets/", include("tickets.urls")),
    path("cdc/", include("cdc.urls")),
    path("wiki/", include("wiki.urls")),
    path("billing/", include("billing.urls")),
    path("invoicing/", include("invoicing.urls")),
    path("reports/", include("reports.urls")),
    path("mail/", include("intake.urls")),
    path("chat/", include("chat.urls")),
    path("", include("administration.urls")),
    path("", include("integrations.urls")),
    path("api/", include("integrations.api.urls")),
    path("django-admin/", admin.site.urls),
]

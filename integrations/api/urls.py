"""/api/: the JSON API (token authentication, no session: LoginRequiredMiddleware lets it
through and DRF answers 401 itself), its OpenAPI schema and the documentation page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.routers import DefaultRouter

from . import docs, views

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False  # JSON only
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("time-entries", views.TimeEntryViewSet, basename="time-entry")

app_name = "api"
urlpatterns = [
    path("schema/", login_not_required(docs.SchemaView.as_view()), name="schema"),
    path("docs/", login_not_required(docs.documentation), name="docs"),
    *router.urls,
]
for pattern in router.urls:
    # Programs authenticate with a token on each request (authentication.py), not a session.
    pattern.callback.login_required = False

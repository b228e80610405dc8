"""Template context shared by every page: the role-dependent navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request):
    """Top-bar links for the person logged in; each app's access module decides."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"url": reverse("dashboard"), "label": _("Dashboard"), "key": "dashboard"}]
    return {"nav_items": items}

"""Template context shared by every page: the role-dependent navigation and the to-do count."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access as accounts_access
from administration import access as administration_access
from billing import access as billing_access
from cdc import access as cdc_access
from chat import access as chat_access
from chat import views as chat_views
from intake import access as intake_access
from reports import access as reports_access
from tickets import access as tickets_access
from tickets import selectors as ticket_selectors
from wiki import access as wiki_access


def navigation(request):
    """Top-bar links for the person logged in; each app's access module decides."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"url": reverse("dashboard"), "label": _("Dashboard"), "key": "dashboard"}]
    works_tickets = tickets_access.works_tickets(user)
    if works_tickets:
        items.append({"url": reverse("tickets:list"), "label": _("Tickets"), "key": "tickets"})
    if tickets_access.can_create_ticket(user):
        url = reverse("tickets:new")
        items.append({"url": url, "label": _("New ticket"), "key": "new-ticket"})
    if accounts_access.can_view_organization_list(user):
        url = reverse("accounts:organization-list")
        items.append({"url": url, "label": _("Organizations"), "key": "organizations"})
    if accounts_access.can_manage_users(user):
        url = reverse("accounts:user-list")
        items.append({"url": url, "label": _("Users"), "key": "users"})
    if cdc_access.can_view_change_requests(user):
        url = reverse("cdc:list")
        items.append({"url": url, "label": _("Change requests"), "key": "cdc"})
    if wiki_access.can_read_wiki(user):
        items.append({"url": reverse("wiki:index"), "label": _("Knowledge base"), "key": "wiki"})
    if billing_access.logs_time(user):
        url = reverse("billing:timesheet")
        items.append({"url": url, "label": _("Timesheet"), "key": "timesheet"})
    if billing_access.can_view_contracts(user):
        url = reverse("billing:contracts")
        items.append({"url": url, "label": _("Contracts"), "key": "contracts"})
    if billing_access.can_view_balance(user):
        url = reverse("billing:balance")
        items.append({"url": url, "label": _("Hours and contract"), "key": "balance"})
    if intake_access.can_see_intake(user):
        url = reverse("intake:unidentified")
        items.append({"url": url, "label": _("Email"), "key": "mail"})
    if administration_access.can_administer(user):
        url = reverse("administration:home")
        items.append({"url": url, "label": _("Administration"), "key": "administration"})
    if reports_access.can_view_reports(user):
        url = reverse("reports:index")
        items.append({"url": url, "label": _("Reports"), "key": "reports"})
    if chat_access.has_chat_page(user):
        items.append({"url": reverse("chat:home"), "label": _("Chat"), "key": "chat"})
    # Agents taking chats (switched on in this session): the live count of waiting chats
    # (chat/_topbar.html, filled by its socket).
    chat_bar = None
    if chat_access.answers_chats(user) and request.session.get(chat_views.TOP_BAR_KEY):
        chat_bar = {"ws_origin": settings.CHAT_WEBSOCKET_ORIGIN}
    todo = None
    if works_tickets:
        staff = tickets_access.sees_internal(user)
        todo = {
            "count": ticket_selectors.todo_count(user),
            "url": reverse("tickets:list")
            + ("?view=mine" if staff else "?category=waiting_client"),
            "label": _("My open tickets") if staff else _("Waiting for your answer"),
        }
    return {"nav_items": items, "todo": todo, "chat_bar": chat_bar}

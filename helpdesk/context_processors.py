"""Template context shared by every page: the role-dependent navigation and the to-do count."""

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from accounts import access as accounts_access
from accounts import roles as accounts_roles
from administration import access as administration_access
from billing import access as billing_access
from cdc import access as cdc_access
from chat import access as chat_access
from chat import views as chat_views
from intake import access as intake_access
from invoicing import access as invoicing_access
from reports import access as reports_access
from tickets import access as tickets_access
from tickets import selectors as ticket_selectors
from wiki import access as wiki_access


def _grouped(items: list[dict]) -> list[dict]:
    """Top-level links, with the items of a group gathered in one menu (a group of one stays a
    plain link): the bar fits a 1440 px screen whatever the roles."""
    labels = {"time": _("Time"), "manage": _("Management")}
    top: list[dict] = []
    menus: dict[str, dict] = {}
    for item in items:
        group = item.pop("group", None)
        if group is None:
            top.append(item)
            continue
        menu = menus.get(group)
        if menu is None:
            menu = menus[group] = {"label": labels[group], "key": group, "children": []}
            top.append(menu)
        menu["children"].append(item)
    for menu in menus.values():
        if len(menu["children"]) == 1:
            top[top.index(menu)] = menu["children"][0]
        else:
            menu["keys"] = [child["key"] for child in menu["children"]]
    return top


# The top-bar links of each kind of person, built once per process: what the access rules read
# to decide them is the key (_links_key). A few dozen combinations at most.
_LINKS: dict[tuple, list[dict]] = {}
_LINKS_MAX = 256


def _links_key(user) -> tuple:
    """What decides the top bar's links: the person's roles (every rule the links follow reads
    them), whether they belong to an organization (a client without one has no chat), and the
    language and URL prefix they are written in."""
    return (
        accounts_roles.role_codes(user),
        user.organization_id is None,
        get_language(),
        get_script_prefix(),
    )


def _links(user, key: tuple) -> list[dict]:
    """The top-bar links of user, key their _links_key (shared between requests: read, never
    changed)."""
    items = _LINKS.get(key)
    if items is None:
        if len(_LINKS) >= _LINKS_MAX:
            _LINKS.clear()
        items = _LINKS[key] = _build_links(user)
    return items


def _build_links(user) -> list[dict]:
    items = [{"url": reverse("dashboard"), "label": _("Dashboard"), "key": "dashboard"}]
    if tickets_access.works_tickets(user):
        items.append({"url": reverse("tickets:list"), "label": _("Tickets"), "key": "tickets"})
    if tickets_access.can_create_ticket(user):
        url = reverse("tickets:new")
        items.append({"url": url, "label": _("New ticket"), "key": "new-ticket"})
    if cdc_access.can_view_change_requests(user):
        url = reverse("cdc:list")
        label = pgettext("top bar", "Change requests")
        items.append({"url": url, "label": label, "key": "cdc"})
    if wiki_access.can_read_wiki(user):
        label = pgettext("top bar", "Knowledge base")
        items.append({"url": reverse("wiki:index"), "label": label, "key": "wiki"})
    if chat_access.has_chat_page(user):
        items.append({"url": reverse("chat:home"), "label": _("Chat"), "key": "chat"})
    if reports_access.can_view_reports(user):
        url = reverse("reports:index")
        items.append({"url": url, "label": _("Reports"), "key": "reports"})
    if billing_access.logs_time(user):
        url = reverse("billing:timesheet")
        items.append({"url": url, "label": _("Timesheet"), "key": "timesheet", "group": "time"})
    if billing_access.can_view_contracts(user):
        url = reverse("billing:contracts")
        items.append({"url": url, "label": _("Contracts"), "key": "contracts", "group": "time"})
    if billing_access.can_view_balance(user):
        url = reverse("billing:balance")
        label = _("Hours and contract")
        items.append({"url": url, "label": label, "key": "balance", "group": "time"})
    if invoicing_access.can_run_billing(user):
        url = reverse("invoicing:invoices")
        items.append({"url": url, "label": _("Invoices"), "key": "invoices", "group": "manage"})
    elif invoicing_access.can_view_portal(user):
        url = reverse("invoicing:portal")
        if invoicing_access.can_view_invoices(user):
            label = _("Interventions and invoices")
        else:
            label = _("Interventions")
        items.append({"url": url, "label": label, "key": "invoices", "group": "time"})
    if accounts_access.can_view_organization_list(user):
        url = reverse("accounts:organization-list")
        label = _("Organizations")
        items.append({"url": url, "label": label, "key": "organizations", "group": "manage"})
    if accounts_access.can_manage_users(user):
        url = reverse("accounts:user-list")
        items.append({"url": url, "label": _("Users"), "key": "users", "group": "manage"})
    if intake_access.can_see_intake(user):
        url = reverse("intake:unidentified")
        items.append({"url": url, "label": _("Email"), "key": "mail", "group": "manage"})
    if administration_access.can_administer(user):
        url = reverse("administration:home")
        label = _("Administration")
        items.append({"url": url, "label": label, "key": "administration", "group": "manage"})
    return _grouped(items)


def navigation(request):
    """Top-bar links for the person logged in; each app's access module decides."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    key = _links_key(user)
    items = _links(user, key)
    works_tickets = tickets_access.works_tickets(user)
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
    # nav_key: the links' rendering is kept per kind of person (helpdesk.templatetags.topbar).
    return {"nav_items": items, "nav_key": key, "todo": todo, "chat_bar": chat_bar}

"""Project-level views: health check and the trivial benchmark baseline."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from cdc import access as cdc_access
from cdc import selectors as cdc_selectors
from tickets import access as tickets_access
from tickets import caching as ticket_caching
from tickets import selectors as ticket_selectors

from . import health
from .models import Heartbeat


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """JSON with database, broker and chat channel layer status: 200 when all are up, 503
    otherwise."""
    database = health.database_status()
    broker = health.broker_status()
    channel_layer = health.channel_layer_status()
    payload = {"database": database, "broker": broker, "channel_layer": channel_layer}
    if database == "ok":
        beat = Heartbeat.objects.filter(source="worker").values_list("beat_at", flat=True).first()
        payload["last_worker_beat"] = beat.isoformat() if beat else None
    healthy = database == "ok" and broker == "ok" and channel_layer == "ok"
    payload["status"] = "ok" if healthy else "error"
    return JsonResponse(payload, status=200 if healthy else 503)


@login_not_required
@require_GET
def ping(request):
    """A trivial view: the baseline of the benchmarks."""
    return HttpResponse("pong", content_type="text/plain")


@vary_on_headers("HX-Request")
def dashboard(request):
    """Home page: counters (staff) and open tickets; the live part refreshes itself through htmx
    (the same view, answered as the live fragment when htmx asks)."""
    staff = tickets_access.sees_internal(request.user)
    my_tickets = None

    def my_rows() -> ticket_caching.QueueRows:
        nonlocal my_tickets
        my_tickets = ticket_selectors.dashboard_rows(request.user)
        rows = {"my_tickets": my_tickets, "tickets_for_staff": staff}
        html = render_to_string("tickets/_dashboard_rows.html", rows)
        return ticket_caching.QueueRows((html,), len(my_tickets))

    # The list is rendered once per ticket change (tickets.caching.dashboard_rows).
    shown = f"{int(staff)}:{get_language()}:{get_current_timezone_name()}"
    rows_shown = ticket_caching.dashboard_rows(request.user, shown, my_rows)
    context = {
        "nav_active": "dashboard",
        "my_rows": rows_shown,
        # The person's tickets when rendered by this request (None when the list was cached).
        "my_tickets": my_tickets,
        "counts": ticket_selectors.dashboard_counts(request.user) if staff else None,
        "tickets_for_staff": staff,
        "can_create_ticket": tickets_access.can_create_ticket(request.user),
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
    }
    if request.htmx:
        return render(request, "tickets/_dashboard.html", {**context, "refresh": True})
    if cdc_access.can_view_change_requests(request.user):
        context["cdc_waiting"] = cdc_selectors.waiting_rows(request.user)
        # The DPO, developers and controllers work change requests, not tickets: their card
        # comes first and says so when nothing waits.
        context["cdc_first"] = not tickets_access.works_tickets(request.user)
    return render(request, "dashboard.html", context)

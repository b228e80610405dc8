"""Ticket pages: list, creation, detail with its actions, and attachment downloads.

Each view fetches through tickets.access (hidden == 404), parses with a form, calls one
service and redirects; domain errors come back as a message with the person's input kept.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts import access as accounts_access
from core.files import file_response

from . import access, reference, selectors, services, sla
from .errors import StaleVersion, TicketError
from .filters import SAVED_VIEWS, TicketFilter, filter_query, in_use
from .forms import (
    AssignForm,
    BulkForm,
    EditForm,
    EscalateForm,
    FieldsForm,
    PriorityForm,
    ReopenForm,
    ReplyForm,
    StatusForm,
    TicketCreateForm,
    TransferForm,
)
from .paging import CappedPaginator

PAGE_SIZE = 25


MAIN_FILTERS = ("q", "category", "priority", "organization")


SECONDARY_FILTERS = tuple(name for name in TicketFilter.base_filters if name not in MAIN_FILTERS)


def _person_set_secondary(request) -> bool:
    """The person chose one of the filters under "More filters" (not a saved view)."""
    return any(in_use(request.GET, name) for name in SECONDARY_FILTERS)


def _queue(request, *, every_filter=False):
    params = request.GET.copy()
    view = params.pop("view", [""])[0]
    if view in SAVED_VIEWS and access.can_use_saved_views(request.user):
        # The view's filters are defaults: a filter the person set in the form wins (picking
        # "Me" as assignee in "Unassigned" shows their tickets).
        for name, value in SAVED_VIEWS[view][1].items():
            params.setdefault(name, value)
    # The other filters are built only when the panel that shows them is: when asked for, or
    # when the person set one of them. Otherwise the main ones and those a saved view sets,
    # each filter costing its form field.
    if every_filter or _person_set_secondary(request):
        only = None
    else:
        only = (*MAIN_FILTERS, *(name for name in SECONDARY_FILTERS if in_use(params, name)))
    filterset, rows, sort = selectors.ticket_queue(request.user, params, only=only)
    return params, view, filterset, rows, sort


@vary_on_headers("HX-Request")
def ticket_list(request):
    params, view, filterset, rows, sort = _queue(request)
    found = selectors.queue_found(request.user, params, rows)
    page = CappedPaginator(rows, PAGE_SIZE, found=found).get_page(request.GET.get("page"))
    # The other filters are rendered when opened (htmx), unless the person set one of them:
    # those a saved view sets leave the panel closed, so the rows come first, and the summary
    # says how many are active.
    more_open = _person_set_secondary(request) or any(
        name in SECONDARY_FILTERS for name in filterset.form.errors
    )
    more_active = sum(1 for name in SECONDARY_FILTERS if in_use(params, name))
    refresh = bool(request.htmx and request.htmx.target == "queue-rows")
    # The person's saved filter sets (tabs), and the one shown if any (not for a refresh).
    current_query = filter_query(request.GET)
    saved = [] if refresh else selectors.saved_filters(request.user)
    active_saved = next((f for f in saved if f.query == current_query), None)
    context = {
        "page": page,
        "tickets": selectors.with_assignee_names(list(page.object_list)),
        "filter": filterset,
        "sort": sort,
        "view": view,
        "main_filters": MAIN_FILTERS,
        "more_filters_open": more_open,
        "more_filters_active": more_active,
        "saved_views": SAVED_VIEWS if access.can_use_saved_views(request.user) else {},
        "saved_filters": saved,
        "active_saved": active_saved,
        "current_query": current_query,
        "can_save_filter": bool(current_query) and access.can_use_saved_views(request.user),
        "columns": _sortable_columns(request, sort),
        "can_create": access.can_create_ticket(request.user),
        # The bulk bar's list of changes (people, statuses, priorities) is loaded when a first
        # row is ticked (bulk_changes): most views of the queue tick none.
        "can_bulk": access.can_bulk_edit(request.user),
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
        "nav_active": "tickets",
    }
    if refresh:
        # The refresh every HELPDESK_REFRESH_SECONDS: the rows, and the top bar's to-do count
        # out of band, rather than the whole page.
        return render(request, "tickets/_queue_rows.html", {**context, "refresh": True})
    return render(request, "tickets/list.html", context)


@require_POST
def saved_filter_save(request):
    """Save the queue's current filters under a name (a tab of the person's own); with htmx
    a refusal comes back in the form, with the name as typed."""
    if not access.can_use_saved_views(request.user):
        raise Http404
    params = QueryDict(request.POST.get("query", ""))
    name = request.POST.get("name", "")
    try:
        saved, created = services.save_filter(actor=request.user, name=name, params=params)
    except TicketError as error:
        if request.htmx:
            context = {"error": str(error), "name": name, "current_query": filter_query(params)}
            return render(request, "tickets/_save_filter.html", context)
        messages.error(request, str(error))
        return redirect(f"{reverse('tickets:list')}?{filter_query(params)}")
    if created:
        messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    else:
        messages.success(request, _("View “%(name)s” updated.") % {"name": saved.name})
    url = f"{reverse('tickets:list')}?{saved.query}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
def saved_filter_delete(request, pk):
    saved = access.get_own_saved_filter_or_404(request.user, pk)
    services.delete_filter(actor=request.user, saved=saved)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": saved.name})
    # Back to the same filters, no longer saved.
    return redirect(f"{reverse('tickets:list')}?{saved.query}")


def more_filters(request):
    """The queue's secondary filters, loaded when the person opens them."""
    filterset = _queue(request, every_filter=True)[2]
    return render(
        request,
        "tickets/_more_filters.html",
        {"filter": filterset, "main_filters": MAIN_FILTERS},
    )


def bulk_changes(request):
    """The bulk bar's list of changes, loaded when the person ticks a first row."""
    if not access.can_bulk_edit(request.user):
        raise Http404
    form = BulkForm(user=request.user)
    return render(request, "tickets/_bulk_changes.html", {"bulk_form": form})


@require_POST
def ticket_bulk(request):
    """Apply one change to the tickets selected in the queue, then back to the same view."""
    if not access.can_bulk_edit(request.user):
        raise Http404
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    back = back or reverse("tickets:list")
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        result = services.bulk_apply(
            actor=request.user,
            numbers=form.cleaned_data["tickets"],
            action=form.cleaned_data["action"],
            value=form.cleaned_data["value"],
        )
    except TicketError as error:
        messages.error(request, str(error))
        return redirect(back)
    if result.changed:
        messages.success(
            request,
            ngettext(
                "%(count)s ticket changed: %(numbers)s.",
                "%(count)s tickets changed: %(numbers)s.",
                len(result.changed),
            )
            % {"count": len(result.changed), "numbers": _numbers(result.changed)},
        )
    if result.unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)s ticket already had it: %(numbers)s.",
                "%(count)s tickets already had it: %(numbers)s.",
                len(result.unchanged),
            )
            % {"count": len(result.unchanged), "numbers": _numbers(result.unchanged)},
        )
    if result.refused:
        details = ", ".join(f"#{number} ({reason})" for number, reason in result.refused)
        messages.error(
            request,
            ngettext(
                "%(count)s ticket not changed: %(details)s.",
                "%(count)s tickets not changed: %(details)s.",
                len(result.refused),
            )
            % {"count": len(result.refused), "details": details},
        )
    return redirect(back)


RELATED_PAGE_SIZE = 10


def related_tickets(request, kind, pk):
    """The tickets of an organization or a contact, as a card fragment (htmx, refreshed) shown
    on the organization page and the contact page."""
    if kind == "organization":
        subject = accounts_access.get_visible_organization_or_404(request.user, pk)
        rows = selectors.related_tickets(request.user, organization=subject)
    elif kind == "contact":
        subject = access.get_visible_contact_or_404(request.user, pk)
        rows = selectors.related_tickets(request.user, contact=subject)
    else:
        raise Http404
    page = CappedPaginator(rows, RELATED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tickets": list(page.object_list),
        "kind": kind,
        "subject": subject,
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
    }
    return render(request, "tickets/_related.html", context)


def contact_detail(request, pk):
    """A contact's record: who they are and every ticket concerning them or filed by them."""
    contact = access.get_visible_contact_or_404(request.user, pk)
    return render(
        request,
        "tickets/contact.html",
        {"contact": contact, "nav_active": "tickets"},
    )


def _numbers(numbers: list[int]) -> str:
    return ", ".join(f"#{n}" for n in numbers)


def _sortable_columns(request, sort):
    """Header links: clicking a column sorts by it, clicking again reverses; filters kept."""
    columns = []
    for key, label in (
        ("number", _("Number")),
        ("title", _("Title")),
        ("client", _("Client")),
        ("status", _("Status")),
        ("priority", _("Priority")),
        (None, _("Assignees")),
        ("created", _("Created")),
        ("updated", _("Last update")),
    ):
        if key is None:
            columns.append({"label": label})
            continue
        params = request.GET.copy()
        params.pop("page", None)
        current = sort.lstrip("-") == key
        params["sort"] = key if current and sort.startswith("-") else f"-{key}"
        direction = ("desc" if sort.startswith("-") else "asc") if current else ""
        columns.append({"label": label, "url": "?" + params.urlencode(), "direction": direction})
    return columns


def ticket_create(request):
    if not access.can_create_ticket(request.user):
        raise Http404
    form = TicketCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["assignees"] = list(data.get("assignees") or [])
        try:
            ticket = services.create_ticket(actor=request.user, **data)
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ticket #%(n)s created.") % {"n": ticket.number})
            return redirect(ticket)
    context = {"form": form, "nav_active": "new-ticket"}
    return render(request, "tickets/new.html", context, status=400 if form.errors else 200)


def ticket_detail(request, number, **forms):
    user = request.user
    ticket = access.get_visible_ticket_or_404(user, number)
    return render(request, "tickets/detail.html", _detail_context(request, ticket, **forms))


def _detail_context(request, ticket, **forms):
    user = request.user
    initial = {"version": ticket.version}
    can = {
        "reply": access.can_reply(user, ticket),
        "note": access.can_add_internal_note(user, ticket),
        "status": access.can_change_status(user, ticket),
        "fields": access.can_change_fields(user, ticket),
        "edit": access.can_edit(user, ticket),
        "assign": access.can_assign(user, ticket),
        "claim": access.can_claim(user, ticket),
        "escalate": access.can_escalate(user, ticket),
        "reopen": access.can_reopen(user, ticket),
        "transfer": access.can_transfer_to_development(user, ticket),
        "internal": access.sees_internal(user),
    }
    assignees = list(ticket.assignees.all())
    followers = list(ticket.followers.all())
    context = {
        "ticket": ticket,
        "events": selectors.timeline(user, ticket),
        "assignees": assignees,
        "followers": followers,
        "can": can,
        "sla": sla.sla_state(ticket, reference.get().calendar),
        "development_tickets": list(ticket.development_tickets.only("number", "title"))
        if can["internal"]
        else [],
        "nav_active": "tickets",
    }
    if can["reply"] or can["note"]:
        context["reply_form"] = forms.get("reply_form") or ReplyForm(user=user, ticket=ticket)
        if can["internal"]:
            context["canned_replies"] = [
                (c, services.fill_canned_reply(c, ticket=ticket, agent=user))
                for c in reference.get().canned_replies
            ]
    if can["status"]:
        context["status_form"] = StatusForm(initial={**initial, "status": ticket.status_id})
    if can["fields"]:
        context["priority_form"] = PriorityForm(initial={**initial, "priority": ticket.priority_id})
        # The classification form comes with the page only when it was posted with errors;
        # otherwise it is loaded when opened (ticket_classification): its six pickers cost
        # more than the rest of the side panel.
        context["fields_form"] = forms.get("fields_form")
    if can["assign"]:
        context["assign_form"] = AssignForm(
            initial={**initial, "assignees": [a.pk for a in assignees]}
        )
    if can["edit"]:
        context["edit_form"] = forms.get("edit_form") or EditForm(
            initial={**initial, "title": ticket.title, "description": ticket.description}
        )
    if can["escalate"]:
        context["escalate_form"] = EscalateForm()
    if can["reopen"]:
        context["reopen_form"] = ReopenForm()
    if can["transfer"]:
        context["transfer_form"] = TransferForm()
    return context


def _fields_form(ticket) -> FieldsForm:
    return FieldsForm(
        ticket=ticket,
        initial={
            "version": ticket.version,
            "type": ticket.type_id,
            "component": ticket.component_id,
            "support_level": ticket.support_level,
            "criticality": ticket.criticality,
            "asset": ticket.asset_id,
            "project": ticket.project_id,
            "followers": [f.pk for f in ticket.followers.all()],
        },
    )


def ticket_classification(request, number):
    """The ticket's classification form (type, level, component...), loaded when opened."""
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_change_fields(request.user, ticket):
        raise PermissionDenied
    context = {"ticket": ticket, "fields_form": _fields_form(ticket)}
    return render(request, "tickets/_classification.html", context)


def _run(request, ticket, action):
    """Call a service; show a domain error as a message. Returns True when it went through."""
    try:
        action()
    except TicketError as exc:
        messages.error(request, str(exc))
        return False
    return True


@require_POST
def ticket_reply(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    internal = bool(request.POST.get("internal"))
    if internal and not access.can_add_internal_note(request.user, ticket):
        raise PermissionDenied
    if not internal and not access.can_reply(request.user, ticket):
        raise PermissionDenied
    form = ReplyForm(request.POST, request.FILES, user=request.user, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        try:
            event = services.reply(
                actor=request.user,
                ticket=ticket,
                body=data["body"],
                internal=data.get("internal", False),
                attachments=data["attachments"],
                action_type=data.get("action_type") or None,
                action_at=data.get("action_at"),
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            done = _("Internal note added.") if event.is_internal else _("Reply sent.")
            messages.success(request, done)
            return redirect(f"{ticket.get_absolute_url()}#event-{event.pk}")
    context = _detail_context(request, ticket, reply_form=form)
    return render(request, "tickets/detail.html", context, status=400)


@require_POST
def ticket_status(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_change_status(request.user, ticket):
        raise PermissionDenied
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
    elif _run(
        request,
        ticket,
        lambda: services.change_status(
            actor=request.user,
            ticket=ticket,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, _("Status changed."))
    return redirect(ticket)


@require_POST
def ticket_priority(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_change_fields(request.user, ticket):
        raise PermissionDenied
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a priority."))
    elif _run(
        request,
        ticket,
        lambda: services.change_priority(
            actor=request.user,
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, _("Priority changed; the due dates follow it."))
    return redirect(ticket)


@require_POST
def ticket_fields(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_change_fields(request.user, ticket):
        raise PermissionDenied
    form = FieldsForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version, followers = data.pop("version"), list(data.pop("followers"))
        try:
            services.update_ticket(
                actor=request.user,
                ticket=ticket,
                version=version,
                changes=data,
                followers=followers,
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ticket updated."))
            return redirect(ticket)
    context = _detail_context(request, ticket, fields_form=form)
    return render(request, "tickets/detail.html", context, status=400)


@require_POST
def ticket_edit(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_edit(request.user, ticket):
        raise PermissionDenied
    form = EditForm(request.POST)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.update_ticket(actor=request.user, ticket=ticket, version=version, changes=data)
        except StaleVersion as exc:
            form.add_error(None, str(exc))
            status = 409
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ticket updated."))
            return redirect(ticket)
    context = _detail_context(request, ticket, edit_form=form)
    context["edit_open"] = True
    return render(request, "tickets/detail.html", context, status=status)


@require_POST
def ticket_assign(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_assign(request.user, ticket):
        raise PermissionDenied
    form = AssignForm(request.POST)
    if form.is_valid() and _run(
        request,
        ticket,
        lambda: services.assign(
            actor=request.user,
            ticket=ticket,
            assignees=list(form.cleaned_data["assignees"]),
            version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, _("Assignees saved."))
    return redirect(ticket)


@require_POST
def ticket_claim(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_claim(request.user, ticket):
        raise PermissionDenied
    if _run(request, ticket, lambda: services.claim(actor=request.user, ticket=ticket)):
        messages.success(request, _("You took ticket #%(n)s.") % {"n": ticket.number})
    return redirect(ticket)


@require_POST
def ticket_escalate(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_escalate(request.user, ticket):
        raise PermissionDenied
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the ticket is escalated."))
    elif _run(
        request,
        ticket,
        lambda: services.escalate(
            actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("Ticket escalated to the next support level."))
    return redirect(ticket)


@require_POST
def ticket_reopen(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_reopen(request.user, ticket):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    if _run(
        request,
        ticket,
        lambda: services.reopen(actor=request.user, ticket=ticket, reason=reason),
    ):
        messages.success(request, _("Ticket reopened."))
    return redirect(ticket)


@require_POST
def ticket_transfer(request, number):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    if not access.can_transfer_to_development(request.user, ticket):
        raise PermissionDenied
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a development type."))
        return redirect(ticket)
    try:
        dev = services.transfer_to_development(
            actor=request.user,
            ticket=ticket,
            type=form.cleaned_data["type"],
            title=form.cleaned_data["title"],
        )
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(ticket)
    messages.success(request, _("Development ticket #%(n)s created.") % {"n": dev.number})
    return redirect(dev)


def attachment_download(request, number, pk, thumbnail=False):
    ticket = access.get_visible_ticket_or_404(request.user, number)
    attachment = get_object_or_404(ticket.attachments.select_related("event"), pk=pk)
    attachment.ticket = ticket
    if not access.can_download_attachment(request.user, attachment):
        raise Http404
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404
        return file_response(
            attachment.thumbnail,
            filename=f"thumb-{attachment.filename}.jpg",
            content_type="image/jpeg",
            inline=True,
        )
    return file_response(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=request.GET.get("download") != "1",
    )

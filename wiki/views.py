"""Pages of the knowledge base and the fragments other apps' pages load from it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.access import require
from core.files import file_response
from tickets import access as tickets_access

from . import access, diff, markup, selectors, services
from .errors import EditConflict, WikiError
from .forms import AttachmentForm, FromTicketForm, PageForm, PreviewForm, SearchForm, SuggestForm
from .models import Space


def _page(request, template: str, context: dict):
    """A full page of the knowledge base (its entry lit in the top bar)."""
    return render(request, template, {"nav_active": "wiki", **context})


def _readers_only(user) -> None:
    require(access.can_read_wiki(user), hidden=True)


@require_GET
def index(request):
    user = request.user
    _readers_only(user)
    return _page(
        request,
        "wiki/index.html",
        {
            "spaces": selectors.space_rows(user),
            "recent": selectors.recent_pages(user),
            "can_write": access.can_write(user),
            "search_form": SearchForm(),
        },
    )


@require_GET
def space_detail(request, pk):
    user = request.user
    _readers_only(user)
    space = access.get_visible_space_or_404(user, pk)
    tag = request.GET.get("tag", "")[:50]
    page = Paginator(selectors.space_pages(user, space, tag=tag), 50).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "wiki/space.html",
        {
            "space": space,
            "page": page,
            "tag": tag,
            "can_write": access.can_write_in(
                user, kind=space.kind, organization=space.organization
            ),
            "counters": access.can_see_counters(user),
        },
    )


@require_GET
def page_detail(request, pk):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    return _page(
        request,
        "wiki/page.html",
        {
            "wiki_page": wiki_page,
            "attachments": list(wiki_page.attachments.all()),
            "can_edit": access.can_edit_page(user, wiki_page),
            "counters": access.can_see_counters(user),
            "history": access.can_see_history(user, wiki_page),
            "attachment_form": AttachmentForm(),
        },
    )


def _initial_from_ticket(request) -> dict:
    """A new page drawn from a ticket (?ticket=N, &with_notes=1 to include internal notes)."""
    number = request.GET.get("ticket", "")
    if not number.isdigit() or not access.can_create_from_ticket(request.user):
        return {}
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    options = FromTicketForm(request.GET)
    with_notes = options.is_valid() and options.cleaned_data["with_notes"]
    drawn = selectors.ticket_answer_prefill(request.user, ticket, with_notes=with_notes)
    body = render_to_string("wiki/from_ticket.txt", drawn).strip() + "\n"
    space = str(ticket.organization_id) if ticket.organization_id else Space.Kind.SHARED
    return {
        "title": drawn["title"],
        "body": body,
        "space": space,
        "visibility": "staff",
        "ticket_number": ticket.number,
        "with_notes": with_notes,
    }


def page_new(request):
    user = request.user
    require(access.can_write(user))
    if request.method == "POST":
        form = PageForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            organization = None
            if data["organization_id"]:
                organization = (
                    access.writable_organizations(user).filter(pk=data["organization_id"]).first()
                )
            source = request.POST.get("source_ticket", "")
            try:
                if data["kind"] == Space.Kind.ORGANIZATION and organization is None:
                    raise WikiError(_("You may not write pages for this organization."))
                space = services.space_for(kind=data["kind"], organization=organization)
                wiki_page = services.create_page(
                    actor=user,
                    space=space,
                    title=data["title"],
                    body=data["body"],
                    visibility=data["visibility"],
                    tags=data["tags"],
                    note=data["note"],
                    source_ticket_number=int(source) if source.isdigit() else None,
                )
            except WikiError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The page is published."))
                return redirect(wiki_page)
        initial = {"ticket_number": request.POST.get("source_ticket", "")}
    else:
        initial = _initial_from_ticket(request)
        space = request.GET.get("space", "")
        form = PageForm(initial={"space": space, "visibility": "staff", **initial}, user=user)
    return _page(request, "wiki/edit.html", {"form": form, "from_ticket": initial})


def page_edit(request, pk):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    require(access.can_edit_page(user, wiki_page))
    conflict = None
    if request.method == "POST":
        form = PageForm(request.POST, user=user, page=wiki_page)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.edit_page(
                    actor=user,
                    page=wiki_page,
                    title=data["title"],
                    body=data["body"],
                    visibility=data["visibility"],
                    tags=data["tags"],
                    seen_version=data["version"],
                    note=data["note"],
                )
            except EditConflict as error:
                wiki_page.refresh_from_db()
                form.add_error(None, str(error))
                conflict = {
                    "page": wiki_page,
                    "rows": diff.line_diff(wiki_page.body, data["body"]),
                }
                # Saving again from here is saving over what the other person wrote, knowingly.
                form.data = form.data.copy()
                form.data["version"] = wiki_page.version
            except WikiError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The page is saved."))
                return redirect(wiki_page)
    else:
        form = PageForm(
            initial={
                "title": wiki_page.title,
                "body": wiki_page.body,
                "visibility": wiki_page.visibility,
                "tags": ", ".join(wiki_page.tag_names),
                "version": wiki_page.version,
            },
            user=user,
            page=wiki_page,
        )
    return _page(
        request,
        "wiki/edit.html",
        {"form": form, "wiki_page": wiki_page, "conflict": conflict, "from_ticket": {}},
    )


@require_POST
def preview(request):
    require(access.can_write(request.user))
    form = PreviewForm(request.POST)
    html = markup.render(form.cleaned_data["body"])[0] if form.is_valid() else ""
    return render(request, "wiki/_preview.html", {"html": html, "form": form})


@require_GET
def history(request, pk):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    require(access.can_see_history(user, wiki_page), hidden=True)
    revisions = Paginator(
        wiki_page.revisions.select_related("author").only(
            "number", "note", "created_at", "restored_from", "page_id",
            "author__first_name", "author__last_name", "author__email",
        ),
        50,
    ).get_page(request.GET.get("page"))  # fmt: skip
    return _page(
        request,
        "wiki/history.html",
        {
            "wiki_page": wiki_page,
            "page": revisions,
            "can_edit": access.can_edit_page(user, wiki_page),
        },
    )


@require_GET
def revision_detail(request, pk, number):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    revision = access.get_visible_revision_or_404(user, wiki_page, number)
    previous = wiki_page.revisions.filter(number__lt=revision.number).order_by("-number").first()
    rows = diff.line_diff(previous.body if previous else "", revision.body)
    return _page(
        request,
        "wiki/revision.html",
        {
            "wiki_page": wiki_page,
            "revision": revision,
            "previous": previous,
            "rows": rows,
            "can_edit": access.can_edit_page(user, wiki_page),
        },
    )


@require_POST
def revision_restore(request, pk, number):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    revision = access.get_visible_revision_or_404(user, wiki_page, number)
    require(access.can_edit_page(user, wiki_page))
    version = request.POST.get("version", "")
    try:
        services.restore_revision(
            actor=user,
            page=wiki_page,
            revision=revision,
            seen_version=int(version) if version.isdigit() else wiki_page.version,
        )
    except WikiError as error:
        messages.error(request, str(error))
        return redirect("wiki:history", pk=wiki_page.pk)
    messages.success(
        request, _("Revision %(number)s is the page's text again.") % {"number": number}
    )
    return redirect(wiki_page)


@require_POST
def attachment_upload(request, pk):
    user = request.user
    wiki_page = access.get_visible_page_or_404(user, pk)
    require(access.can_edit_page(user, wiki_page))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        attachment = services.add_attachment(
            actor=user, page=wiki_page, upload=form.cleaned_data["file"]
        )
        messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.filename})
    else:
        for error in form.errors.get("file", []):
            messages.error(request, error)
    return redirect(f"{wiki_page.get_absolute_url()}#files")


@require_GET
def attachment_download(request, pk, file_pk, thumbnail=False):
    attachment = access.get_visible_attachment_or_404(request.user, pk, file_pk)
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


@require_POST
def page_viewed(request, pk):
    """The page posts this once shown: a reading counted (GET requests change nothing)."""
    wiki_page = access.get_visible_page_or_404(request.user, pk)
    services.record_view(actor=request.user, page=wiki_page)
    return HttpResponse(status=204)


@require_POST
def helpful(request, pk):
    wiki_page = access.get_visible_page_or_404(request.user, pk)
    services.mark_helpful(
        actor=request.user, page=wiki_page, from_suggestion=request.POST.get("from") == "suggestion"
    )
    if request.htmx:
        return render(request, "wiki/_helpful_done.html", {"wiki_page": wiki_page})
    messages.success(request, _("Thank you: glad this page solved your problem."))
    return redirect(wiki_page)


@require_GET
def search(request):
    user = request.user
    _readers_only(user)
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.search_rows(user, text), 20).get_page(request.GET.get("page"))
    return _page(request, "wiki/search.html", {"form": form, "text": text, "page": page})


@require_GET
def suggest(request):
    """Up to five pages that may answer the ticket whose title is being typed (the new-ticket
    form loads this as its title changes)."""
    user = request.user
    _readers_only(user)
    form = SuggestForm(request.GET)
    found = selectors.suggestions(user, form.cleaned_data["title"]) if form.is_valid() else []
    response = render(request, "wiki/_suggestions.html", {"pages": found})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def ticket_suggestions(request, number):
    """Beside a ticket: pages matching its title, to insert a link into the reply, and the
    way to turn the ticket into an article. Empty for people it is not for."""
    user = request.user
    ticket = tickets_access.get_visible_ticket_or_404(user, number)
    if not access.sees_ticket_suggestions(user):
        return HttpResponse("")
    return render(
        request,
        "wiki/_ticket_suggestions.html",
        {
            "ticket": ticket,
            "pages": selectors.suggestions(user, ticket.title),
            "can_reply": tickets_access.can_reply(user, ticket),
            "can_create": access.can_create_from_ticket(user),
        },
    )

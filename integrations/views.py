"""Pages of integrations: a person's API tokens (a card of their profile, loaded by htmx,
also a page of its own without JavaScript)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core import visitor_links

from . import access, erp, services, sync, webforms
from .errors import IntegrationError
from .forms import (
    PersonalWebhookForm,
    SubmissionForm,
    SyncMappingForm,
    SyncSourceForm,
    SyncUploadForm,
    TokenForm,
    WebFormForm,
)
from .models import SyncRun


def _tokens_page(request, *, form=None, new_key=None, status=200):
    template = "integrations/_tokens.html" if request.htmx else "integrations/tokens.html"
    context = {
        "tokens": list(access.own_tokens(request.user)),
        "form": form or TokenForm(),
        "new_key": new_key,
        "nav_active": "profile",
    }
    return render(request, template, context, status=status)


@require_GET
@vary_on_headers("HX-Request")
def token_list(request):
    return _tokens_page(request)


@require_POST
def token_create(request):
    """The key is shown in this answer only: it is stored as a digest."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form=form, status=422 if request.htmx else 200)
    _token, key = services.create_token(
        actor=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
    )
    response = _tokens_page(request, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request, pk):
    token = access.get_own_token_or_404(request.user, pk)
    services.revoke_token(actor=request.user, token=token)
    if request.htmx:
        return _tokens_page(request)
    messages.success(request, _("The key is revoked: it no longer opens the API."))
    return redirect("integrations:tokens")


# --- web forms -------------------------------------------------------------------------------


def web_form_list(request):
    if not access.can_manage_web_forms(request.user):
        raise Http404
    forms_ = list(access.managed_web_forms(request.user).select_related("default_type"))
    return render(
        request, "integrations/web_form_list.html", {"web_forms": forms_, "nav_active": "mail"}
    )


def web_form_edit(request, pk=None):
    if not access.can_manage_web_forms(request.user):
        raise Http404
    web_form = access.get_managed_web_form_or_404(request.user, pk) if pk else None
    form = WebFormForm(request.POST or None, instance=web_form)
    if request.method == "POST" and form.is_valid():
        saved = webforms.save_web_form(form=web_form, **form.values())
        messages.success(request, _("The web form is saved."))
        return redirect("integrations:web-form-edit", saved.pk)
    context = {"form": form, "web_form": web_form, "nav_active": "mail"}
    if web_form is not None:
        context["form_url"] = settings.HELPDESK_BASE_URL.rstrip("/") + reverse(
            "integrations:web-form", args=[web_form.public_id]
        )
    return render(request, "integrations/web_form_edit.html", context)


def _framable(response, web_form):
    """Only the form's own pages may be framed, and only by the origins its admin listed."""
    response._csp_replace = {"frame-ancestors": web_form.origins or ["'none'"]}
    response.xframe_options_exempt = True
    return response


def _chat_url(web_form) -> str:
    """The link to the visitors' live chat (the chat app's page, by its URL name), carrying a
    signed entry: the form, the sites that may frame the chat, the type of its tickets."""
    if not web_form.offers_chat:
        return ""
    entry = visitor_links.sign_chat_entry(
        web_form=str(web_form.public_id),
        title=web_form.name,
        origins=web_form.origins,
        ticket_type_id=web_form.default_type_id,
    )
    return reverse("chat:visitor-start") + "?" + urlencode({"entry": entry})


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@login_not_required
@csrf_exempt  # shown in another site's iframe, where the browser sends no cookie to us
def web_form_public(request, public_id):
    web_form = access.get_public_web_form_or_404(public_id)
    form = SubmissionForm(request.POST or None, web_form=web_form)
    status = 200
    if request.method == "POST":
        if form.is_spam:  # the honeypot: thanked, dropped, nothing said
            return _framable(redirect("integrations:web-form-sent", public_id), web_form)
        if not webforms.may_submit(web_form, _client_ip(request)):
            form.add_error(None, _("Too many requests from your address: try again in an hour."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            webforms.submit(
                form=web_form,
                email=data["email"],
                name=data.get("name", ""),
                title=data["title"],
                description=data.get("description", ""),
                type=data.get("type"),
                criticality=data.get("criticality", ""),
            )
            return _framable(redirect("integrations:web-form-sent", public_id), web_form)
    context = {"form": form, "web_form": web_form, "chat_url": _chat_url(web_form)}
    response = render(request, "integrations/web_form_public.html", context, status=status)
    return _framable(response, web_form)


@login_not_required
@require_GET
def web_form_sent(request, public_id):
    web_form = access.get_public_web_form_or_404(public_id)
    response = render(request, "integrations/web_form_sent.html", {"web_form": web_form})
    return _framable(response, web_form)


@login_not_required
def web_form_confirm(request, token):
    """The link emailed to a known contact: GET shows the request and a button (a mail
    client's link preview must not file it), POST files it in their name."""
    held = webforms.held_submission(token)
    if held is None:
        raise Http404
    context = {"submission": held, "web_form": held.form, "number": held.ticket_number}
    if request.method == "POST":
        try:
            context["number"] = webforms.confirm_submission(token=token)
        except IntegrationError as error:
            context["error"] = str(error)
    response = render(request, "integrations/web_form_confirm.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


# --- personal chat notifications ----------------------------------------------------------


@vary_on_headers("HX-Request")
def personal_webhook(request):
    """GET: the card; POST: save the person's own webhook (the card again, or the page)."""
    webhook = access.own_webhook(request.user)
    form = PersonalWebhookForm(request.POST or None, instance=webhook)
    saved = False
    if request.method == "POST" and form.is_valid():
        webhook = services.save_personal_webhook(
            actor=request.user, form_values=form.cleaned_data, webhook=webhook
        )
        form = PersonalWebhookForm(instance=webhook)
        saved = True
    template = "integrations/_chat.html" if request.htmx else "integrations/chat.html"
    context = {"form": form, "webhook": webhook, "saved": saved, "nav_active": "profile"}
    return render(request, template, context)


@require_POST
def personal_webhook_delete(request):
    webhook = access.own_webhook(request.user)
    if webhook is None:
        raise Http404
    services.delete_personal_webhook(actor=request.user, webhook=webhook)
    if request.htmx:
        context = {"form": PersonalWebhookForm(), "webhook": None}
        return render(request, "integrations/_chat.html", context)
    messages.success(request, _("Your chat notifications are removed."))
    return redirect("integrations:personal-webhook")


# --- customer-base sync from the ERP --------------------------------------------------------

SYNC_SESSION_KEY = "integrations:sync"


def _sync_page(request, context, status=200):
    context.setdefault("nav_active", "organizations")
    context.setdefault("tab", "file")
    return render(request, "integrations/sync.html", context, status=status)


def _stored_upload(request):
    """(content, file name, source) of the file uploaded in this session, or Http404."""
    stored = request.session.get(SYNC_SESSION_KEY) or {}
    name = stored.get("name", "")
    if not name or not default_storage.exists(name):
        raise Http404
    with default_storage.open(name, "rb") as handle:
        return handle.read(), stored.get("file_name") or name, stored["source"]


def sync_upload(request):
    if not access.can_sync_customers(request.user):
        raise Http404
    form = SyncUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            table = erp.read_table(data, upload.name)
        except erp.FileUnreadable as error:
            form.add_error("file", str(error))
        else:
            source = form.cleaned_data["source"]
            extension = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
            name = default_storage.save(
                f"erp-sync/{uuid.uuid4().hex}{extension}", ContentFile(data)
            )
            request.session[SYNC_SESSION_KEY] = {
                "name": name,
                "source": source,
                "file_name": upload.name[:200],
            }
            mapping_form = SyncMappingForm(
                columns=erp.columns(table), initial_mapping=erp.remembered_mapping(source)
            )
            context = {"step": "mapping", "mapping_form": mapping_form, "source": source}
            context["rows"] = len(table)
            return _sync_page(request, context)
    return _sync_page(request, {"step": "upload", "form": form})


@require_POST
def sync_preview(request):
    """The mapping chosen (remembered for the source) and the dry run queued: its page shows
    the progress, then what applying it would do."""
    if not access.can_sync_customers(request.user):
        raise Http404
    data, file_name, source = _stored_upload(request)
    table = erp.read_table(data, file_name)
    form = SyncMappingForm(request.POST, columns=erp.columns(table), initial_mapping={})
    if not form.is_valid():
        context = {"step": "mapping", "mapping_form": form, "source": source, "rows": len(table)}
        return _sync_page(request, context)
    erp.remember_mapping(source, form.mapping())
    run = sync.start_run(
        actor=request.user,
        data=data,
        file_name=file_name,
        source=source,
        mapping=form.mapping(),
        dry_run=True,
    )
    default_storage.delete(request.session.pop(SYNC_SESSION_KEY)["name"])
    return redirect("integrations:sync-run", run.pk)


@vary_on_headers("HX-Request")
def sync_run(request, pk):
    """A run: its progress while it reads (the fragment polls itself), then its outcome."""
    run = access.get_sync_run_or_404(request.user, pk)
    context = {"run": run, "lines": erp.labelled(run.lines), "tab": "history"}
    if request.htmx:
        return render(request, "integrations/_sync_run.html", context)
    context["nav_active"] = "organizations"
    return render(request, "integrations/sync_run.html", context)


@require_POST
def sync_run_apply(request, pk):
    run = access.get_sync_run_or_404(request.user, pk)
    try:
        applied = sync.apply_dry_run(actor=request.user, dry_run=run)
    except IntegrationError as error:
        messages.error(request, str(error))
        return redirect("integrations:sync-run", run.pk)
    return redirect("integrations:sync-run", applied.pk)


@require_POST
def sync_run_resume(request, pk):
    run = access.get_sync_run_or_404(request.user, pk)
    if not sync.resume_run(run=run):
        messages.error(request, _("This run is not stopped: it cannot be resumed."))
    return redirect("integrations:sync-run", run.pk)


@require_GET
def sync_run_list(request):
    if not access.can_sync_customers(request.user):
        raise Http404
    runs = access.sync_runs(request.user).select_related("sync_source", "started_by")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "tab": "history", "nav_active": "organizations"}
    return render(request, "integrations/sync_runs.html", context)


@require_GET
def sync_source_list(request):
    if not access.can_sync_customers(request.user):
        raise Http404
    sources = list(access.sync_sources(request.user))
    context = {
        "sources": sources,
        "drop_root": sync.drop_root(),
        "tab": "sources",
        "nav_active": "organizations",
    }
    return render(request, "integrations/sync_sources.html", context)


def sync_source_edit(request, pk=None):
    if not access.can_sync_customers(request.user):
        raise Http404
    source = access.get_sync_source_or_404(request.user, pk) if pk else None
    form = SyncSourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        saved = sync.save_source(form=form)
        messages.success(request, _("The sync source is saved."))
        return redirect("integrations:sync-source-edit", saved.pk)
    context = {
        "form": form,
        "sync_source": source,
        "mapping": erp.labelled_mapping(source.source) if source else [],
        "drop_root": sync.drop_root(),
        "tab": "sources",
        "nav_active": "organizations",
    }
    return render(request, "integrations/sync_source_edit.html", context)


@require_POST
def sync_source_run(request, pk):
    """Run now: fetch the source's export and apply it (a summary is mailed, as scheduled)."""
    source = access.get_sync_source_or_404(request.user, pk)
    run = sync.run_source(source=source, trigger=SyncRun.Trigger.MANUAL, actor=request.user)
    return redirect("integrations:sync-run", run.pk)

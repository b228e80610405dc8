"""Pages under /mail/ for admins: the outbox log (every email sent or waiting, with retry) and
the chat webhooks with their posts. Every view asks administration.access; hidden is 404."""

from __future__ import annotations

from email import message_from_bytes, policy

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from notifications.errors import NotWaiting

from . import access, selectors, services
from .forms import ChatWebhookForm, OutboxFilterForm

PAGE_SIZE = 50


def outbox(request):
    access.require(access.can_view_outbox(request.user))
    filters = OutboxFilterForm(request.GET or None)
    criteria = {}
    if filters.is_bound:
        filters.is_valid()  # a field in error is shown with its message; the others still apply
        criteria = filters.cleaned_data
    rows = selectors.outbox(
        request.user,
        status=criteria.get("status") or "",
        q=(criteria.get("q") or "").strip(),
        ticket=criteria.get("ticket"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": list(page.object_list),
        "query": query.urlencode(),
        "nav_active": "mail",
    }
    return render(request, "administration/outbox.html", context)


def _email_or_404(request, pk):
    access.require(access.can_view_outbox(request.user))
    email = selectors.outbox_email(request.user, pk)
    if email is None:
        raise Http404
    return email


def _content(email):
    """(parsed message, text part, HTML part): None when the bytes are gone, parts None when
    their content is never shown (account emails), "" when the email has no such part."""
    parsed = text = html = None
    if email.raw is not None:
        parsed = message_from_bytes(bytes(email.raw), policy=policy.default)
        if email.content_visible:
            text_part = parsed.get_body(preferencelist=("plain",))
            html_part = parsed.get_body(preferencelist=("html",))
            text = text_part.get_content() if text_part is not None else ""
            html = html_part.get_content() if html_part is not None else ""
    return parsed, text, html


def outbox_detail(request, pk):
    email = _email_or_404(request, pk)
    parsed, text, html = _content(email)
    headers = []
    if parsed is not None:
        names = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To")
        if not email.content_visible:  # account emails: the subject is not shown either
            names = tuple(name for name in names if name != "Subject")
        headers = [(name, str(parsed[name])) for name in names if parsed[name]]
        headers += [("References", str(parsed["References"]))] if parsed["References"] else []
    context = {"email": email, "headers": headers, "text": text, "html": html, "nav_active": "mail"}
    return render(request, "administration/outbox_detail.html", context)


# The HTML part in its frame: a sandboxed document (no script, no form, nothing fetched but
# data: images) that only our own pages may frame. Emails are styled inline (mail programs ignore
# style sheets), so this one document allows inline style; the site-wide policy does not.
EMAIL_PREVIEW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@xframe_options_sameorigin
def outbox_html(request, pk):
    """The HTML part of a notification as its recipient sees it, framed by the detail page."""
    email = _email_or_404(request, pk)
    html = _content(email)[2]
    if not html:
        raise Http404
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_PREVIEW_POLICY
    return response


def outbox_raw(request, pk):
    """The .eml of a notification (account emails are never downloadable: they hold secrets)."""
    email = _email_or_404(request, pk)
    if email.raw is None or not email.content_visible:
        raise Http404
    response = HttpResponse(bytes(email.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="outbox-{email.pk}.eml"'
    return response


@require_POST
def outbox_retry(request, pk):
    email = _email_or_404(request, pk)
    try:
        services.retry_email(actor=request.user, email=email)
    except NotWaiting:
        messages.error(request, _("This email is not waiting to be sent again."))
    else:
        messages.success(request, _("The email is being sent again."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("administration:outbox")
    return redirect(back)


# --- chat webhooks ---


def webhook_list(request):
    access.require(access.can_manage_webhooks(request.user))
    context = {
        "webhooks": list(selectors.webhooks(request.user)),
        "posts": list(selectors.webhook_posts(request.user)[:50]),
        "nav_active": "mail",
    }
    return render(request, "administration/webhook_list.html", context)


def webhook_edit(request, pk=None):
    access.require(access.can_manage_webhooks(request.user))
    # pk 0 is a forged id, not the new-webhook form.
    webhook = get_object_or_404(selectors.webhooks(request.user), pk=pk) if pk is not None else None
    form = ChatWebhookForm(request.POST or None, instance=webhook)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Webhook saved."))
        return redirect("administration:webhook-list")
    context = {"form": form, "webhook": webhook, "nav_active": "mail"}
    return render(request, "administration/webhook_form.html", context)


@require_POST
def webhook_test(request, pk):
    access.require(access.can_manage_webhooks(request.user))
    webhook = get_object_or_404(selectors.webhooks(request.user), pk=pk)
    services.send_test_post(actor=request.user, webhook=webhook)
    messages.success(
        request,
        _("A test message is on its way to %(name)s: see its line below.") % {"name": webhook},
    )
    return redirect("administration:webhook-list")


@require_POST
def webhook_toggle(request, pk):
    access.require(access.can_manage_webhooks(request.user))
    webhook = get_object_or_404(selectors.webhooks(request.user), pk=pk)
    services.toggle_webhook(actor=request.user, webhook=webhook)
    return redirect("administration:webhook-list")


@require_POST
def post_retry(request, pk):
    access.require(access.can_manage_webhooks(request.user))
    post = get_object_or_404(selectors.webhook_posts(request.user), pk=pk)
    try:
        services.retry_post(actor=request.user, post=post)
    except NotWaiting:
        messages.error(request, _("This post is not waiting to be sent again."))
    else:
        messages.success(request, _("The post is being sent again."))
    return redirect("administration:webhook-list")


@require_POST
def post_replay(request, pk):
    """A logged post delivered again, with its delivery id (webhook receivers, seed 001)."""
    access.require(access.can_manage_webhooks(request.user))
    post = get_object_or_404(selectors.webhook_posts(request.user), pk=pk)
    try:
        services.replay_post(actor=request.user, post=post)
    except NotWaiting:
        messages.error(request, _("This post is still on its way."))
    else:
        messages.success(request, _("The post is delivered again."))
    return redirect("administration:webhook-list")

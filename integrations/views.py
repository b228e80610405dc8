"""Pages of integrations: a person's API tokens (a card of their profile, loaded by htmx,
also a page of its own without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from . import access, services
from .forms import TokenForm


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

"""Verbs of integrations: create and revoke API tokens, mark one used, remember idempotent
creations.

A person creates tokens for themselves only; the key is returned once and only its digest is
stored. Revoking is for the owner; a revoked token authenticates nothing. last_used_at is
written at most once a minute per token (an API client may call many times a second).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import ChatWebhook

from . import tokens
from .errors import IdempotencyConflict
from .models import ApiToken, IdempotencyKey

LAST_USED_EVERY = dt.timedelta(minutes=1)
IDEMPOTENCY_DAYS = 1


def create_token(*, actor: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token of actor's; returns it with the key, which is never shown again."""
    key = tokens.new_key()
    token = ApiToken.objects.create(
        user=actor,
        name=(name or "").strip()[:100] or "API",
        prefix=key[: len(tokens.PREFIX) + 6],
        digest=tokens.digest(key),
        scope=scope if scope in ApiToken.Scope.values else ApiToken.Scope.READ,
    )
    return token, key


def revoke_token(*, actor: User, token: ApiToken) -> None:
    """The owner revokes a token (idempotent: a revoked token stays revoked at its first date)."""
    if token.user_id != actor.pk:
        raise PermissionError
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_key(key: str) -> ApiToken | None:
    """The active token of key with its active owner, or None; records its use."""
    if not key or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=tokens.digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def request_digest(data) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def find_idempotent(*, actor: User, key: str, data) -> int | None:
    """The ticket number made earlier under key by actor (within a day), or None. The same
    key with another body raises IdempotencyConflict."""
    since = timezone.now() - dt.timedelta(days=IDEMPOTENCY_DAYS)
    IdempotencyKey.objects.filter(created_at__lt=since).delete()
    row = IdempotencyKey.objects.filter(user=actor, key=key).first()
    if row is None:
        return None
    if row.request_digest != request_digest(data):
        raise IdempotencyConflict
    return row.ticket_number


def remember_idempotent(*, actor: User, key: str, data, ticket_number: int) -> bool:
    """Record key -> ticket in the creating transaction; False when another request with the
    same key won the race (the caller rolls back and answers the other's ticket)."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                user=actor,
                key=key,
                request_digest=request_digest(data),
                ticket_number=ticket_number,
            )
    except IntegrityError:
        return False
    return True


def save_personal_webhook(*, actor: User, form_values: dict, webhook=None):
    """actor's own chat webhook (one per person), created or changed; posts in their language."""
    if webhook is None:
        webhook = ChatWebhook(owner=actor, name=(f"{actor.email}")[:100])
    elif webhook.owner_id != actor.pk:
        raise PermissionError
    webhook.url = form_values["url"]
    webhook.events = list(form_values["events"])
    webhook.is_active = form_values.get("is_active", True)
    webhook.language = actor.language or "fr"
    webhook.save()
    return webhook


def delete_personal_webhook(*, actor: User, webhook) -> None:
    if webhook.owner_id != actor.pk:
        raise PermissionError
    webhook.delete()

"""A token acts as its owner; a read-only token may only read."""

from rest_framework import permissions

from ..models import ApiToken


class TokenScope(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken) or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or token.may_write

"""API authentication: a bearer token (``roadie token USERNAME``) or the page's session.

A token carries a scope on top of its user's role: ``read`` tokens may only read (GET/HEAD/
OPTIONS), ``write`` tokens may also act (reply, resolve, file contacts), ``admin`` tokens may
also change console settings (brands, channels, agents, users, tokens); endpoints of the
console call ``require_scope(request, "admin")``. A revoked or expired token is refused (401).
The page's session has the full reach of its user's role.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from roadie.desk.accounts.models import SCOPE_RANK, ApiToken, TokenScope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# "Last used" is kept to the minute: a client calling many times a second writes it once a
# minute, not on every request.
LAST_USED_STEP = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        # get() on the unique digest: no ORDER BY to build, as first() would on every request.
        try:
            found = ApiToken.objects.select_related("user").get(digest=ApiToken.hash(token))
        except ApiToken.DoesNotExist:
            return None
        now = timezone.now()
        if not found.user.is_active or not found.is_valid(now):
            return None
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_STEP:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.token_scope = found.scope
        if request.method not in SAFE_METHODS and not found.allows(TokenScope.WRITE):
            raise HttpError(403, "this token's scope is read: it may not write")
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in page's session (CSRF-checked for writes)."""

    param_name = "sessionid"

    def _get_key(self, request):
        # No session cookie: nothing to check CSRF for; the request is unauthenticated (401),
        # not a CSRF failure (403).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.token_scope = TokenScope.ADMIN
            return user
        return None


def require_scope(request, scope: str) -> None:
    """403 unless the request's token (or session) has at least this scope."""
    have = getattr(request, "token_scope", TokenScope.READ)
    if SCOPE_RANK[have] < SCOPE_RANK[scope]:
        raise HttpError(403, f"this token's scope is {have}: this needs a {scope} token")


AUTH = [TokenAuth(), SessionAuth()]

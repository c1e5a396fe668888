"""API: the caller's API tokens (the administrator: everyone's) — create, list, revoke."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts import actions
from roadie.desk.accounts.models import User
from roadie.desk.api.auth import require_scope
from roadie.desk.api.schemas import Error

router = Router(tags=["tokens"])


class TokenIn(Schema):
    label: str = Field("", max_length=100)
    scope: str = Field("write", description="read, write or admin")
    expires_at: datetime | None = None
    user: str | None = Field(None, description="username (administrator only; default: yourself)")


class TokenOut(Schema):
    id: int
    user: str
    label: str
    scope: str
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the raw token: shown this once, never again")


def _out(t) -> dict:
    return {"id": t.pk, "user": t.user.username, "label": t.label, "scope": t.scope,
            "expires_at": t.expires_at, "revoked_at": t.revoked_at, "created_at": t.created_at,
            "last_used_at": t.last_used_at}


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest):
    return [_out(t) for t in actions.visible_tokens(request.auth)[:500]]


@router.post("/tokens", response={201: NewTokenOut, 403: Error, 422: Error})
def create_token(request: HttpRequest, payload: TokenIn):
    """A new token; its scope never grants more than its user's role."""
    require_scope(request, "admin")
    user = None
    if payload.user:
        user = User.objects.filter(username=payload.user).first()
        if user is None:
            raise HttpError(422, f"user: no user named {payload.user!r}")
    try:
        token, raw = actions.create_token(request.auth, user=user, label=payload.label,
                                          scope=payload.scope, expires_at=payload.expires_at)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise HttpError(422, f"{field}: {messages[0]}") from None
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    return Status(201, {**_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None, 404: Error})
def revoke_token(request: HttpRequest, token_id: int):
    """Revoke a token: it answers 401 from now on."""
    require_scope(request, "admin")
    token = actions.visible_tokens(request.auth).filter(pk=token_id).first()
    if token is None:
        raise HttpError(404, "no such token")
    actions.revoke_token(request.auth, token)
    return Status(204, None)

"""API: a brand's IMAP mailboxes (the console's mailbox page, for scripts and integrations).

Who: the operator administrator (every brand) and the brand's administrator (their own; another
brand is 404), like ``/api/brands``. Writes need an ``admin``-scoped token (or the page's
session) and go through ``email.mailboxes.save_mailbox``, like the page. The password is
write-only: stored encrypted, never in an answer (``password_set`` says whether there is one);
absent or empty keeps it.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from roadie.connectors.email.mailboxes import save_mailbox
from roadie.connectors.email.models import Mailbox
from roadie.desk.api.brands import administered_brand, owned
from roadie.desk.api.errors import refusals
from roadie.desk.api.schemas import Error

router = Router(tags=["brands"])


class MailboxIn(Schema):
    name: str = Field("", max_length=120)
    host: str = Field(..., min_length=1, max_length=254)
    port: int = Field(993, ge=1, le=65535, description="993 for IMAPS")
    use_ssl: bool = True
    starttls: bool = False
    user: str = Field(..., min_length=1, max_length=254)
    password: str = Field("", description="write-only: stored encrypted, never shown again")
    folder: str = Field("INBOX", min_length=1, max_length=254)
    enabled: bool = Field(True, description="polled by roadie imap-poll")


class MailboxPatch(Schema):
    name: str | None = Field(None, max_length=120)
    host: str | None = Field(None, min_length=1, max_length=254)
    port: int | None = Field(None, ge=1, le=65535)
    use_ssl: bool | None = None
    starttls: bool | None = None
    user: str | None = Field(None, min_length=1, max_length=254)
    password: str | None = Field(None, description="write-only; absent or empty keeps it")
    folder: str | None = Field(None, min_length=1, max_length=254)
    enabled: bool | None = None


class MailboxOut(Schema):
    id: int
    name: str
    host: str
    port: int
    use_ssl: bool
    starttls: bool
    user: str
    folder: str
    enabled: bool
    password_set: bool = Field(description="whether a password is stored (never its value)")
    last_success_at: dt.datetime | None
    last_error: str


def mailbox_out(m: Mailbox) -> dict:
    return {"id": m.pk, "name": m.name, "host": m.host, "port": m.port, "use_ssl": m.use_ssl,
            "starttls": m.starttls, "user": m.user, "folder": m.folder, "enabled": m.enabled,
            "password_set": bool(m.password), "last_success_at": m.last_success_at,
            "last_error": m.last_error}


@router.get("/brands/{slug}/mailboxes", response={200: list[MailboxOut], 403: Error, 404: Error})
def list_mailboxes(request: HttpRequest, slug: str):
    """The brand's IMAP mailboxes (passwords never shown)."""
    return [mailbox_out(m) for m in administered_brand(request, slug).mailboxes.order_by("pk")]


@router.post("/brands/{slug}/mailboxes", response={201: MailboxOut, 403: Error, 404: Error, 422: Error})
def create_mailbox(request: HttpRequest, slug: str, payload: MailboxIn):
    """A new IMAP mailbox that ``roadie imap-poll`` reads into the brand's email channel."""
    brand = administered_brand(request, slug, write=True)
    values = payload.dict()
    with refusals():
        mailbox = save_mailbox(request.auth, brand, password=values.pop("password"), via="api", **values)
    return Status(201, mailbox_out(mailbox))


@router.patch("/brands/{slug}/mailboxes/{mailbox_id}",
              response={200: MailboxOut, 403: Error, 404: Error, 422: Error})
def patch_mailbox(request: HttpRequest, slug: str, mailbox_id: int, payload: MailboxPatch):
    """Change the fields given; a new ``password`` replaces the stored one."""
    brand = administered_brand(request, slug, write=True)
    mailbox = owned(brand.mailboxes, mailbox_id, what="mailbox", slug=slug)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    with refusals():
        save_mailbox(request.auth, brand, mailbox=mailbox, password=values.pop("password", ""), via="api",
                     **values)
    return mailbox_out(mailbox)

"""API: contacts and their messages."""

from __future__ import annotations

import base64
import binascii
import logging

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from roadie.desk.accounts.access import can_create_contacts
from roadie.desk.api.rawfirst import raw_first
from roadie.desk.api.schemas import (
    ContactDetail,
    ContactIn,
    ContactOut,
    Error,
    MessageIn,
    MessageOut,
    ReplyIn,
    ResolveIn,
)
from roadie.desk.api.serializers import contact_detail, contact_out, message_out, message_with_files
from roadie.desk.brands.models import Brand
from roadie.desk.contacts import actions
from roadie.desk.contacts.access import access_contact, message_view, visible_contacts
from roadie.desk.contacts.actions import CustomerData, Inbound
from roadie.desk.contacts.composer import OutgoingFile, ReplyExtras
from roadie.desk.contacts.models import RawInbound

router = Router(tags=["contacts"])
log = logging.getLogger("roadie.api")


class ContactFilter(Schema):
    status: str | None = None
    brand: str | None = None
    channel: str | None = None
    limit: int = 50
    offset: int = Field(0, ge=0, le=1_000_000_000, description="Rows to skip (at most 10^9)")


def _intake_brand(user, slug: str) -> Brand:
    """Supervisors create contacts for any brand, brand administrators for their own."""
    brand = Brand.objects.filter(slug=slug, is_active=True).first()
    if brand is None:
        raise HttpError(422, f"unknown brand: {slug!r}")
    if can_create_contacts(user, brand.pk):
        return brand
    raise HttpError(403, "you may not create contacts for this brand")


def _servable(brand: Brand, *, channel: str, language: str) -> None:
    """Refuse (422) a contact that could never be served: a channel the brand does not have
    (no channel configured, no service level for it), a language nobody speaks."""
    from django.conf import settings

    from roadie.desk.agents.models import Agent
    from roadie.desk.brands.models import Channel, ServiceLevelPolicy

    if not (Channel.objects.filter(brand=brand, kind=channel).exists()
            or ServiceLevelPolicy.objects.filter(brand=brand, channel=channel).exists()):
        raise HttpError(422, f"channel: brand {brand.slug!r} has no {channel} channel")
    if language:
        spoken = {code for code, _ in settings.LANGUAGES}
        for languages in Agent.objects.values_list("languages", flat=True):
            spoken.update(languages or ())
        if language not in spoken:
            raise HttpError(422, f"language: no agent speaks {language!r}")


def _file_raw(request: HttpRequest, *, channel: str, brand) -> RawInbound:
    """The body ``@raw_first`` stored, now that its channel and brand are known."""
    raw = request.roadie_raw
    RawInbound.objects.filter(pk=raw.pk).update(channel=channel, brand=brand)
    return raw


@router.post("/contacts", response={201: ContactOut, 200: ContactOut, 403: Error, 422: Error})
@raw_first
def create_contact(request: HttpRequest, payload: ContactIn):
    """Create a contact with its first message. Idempotent on ``external_id``/``message_id``:
    the same delivery twice answers 200 with the same contact. The body is stored before it
    is read; a refused one is kept as ``rejected`` with the reason."""
    brand = _intake_brand(request.auth, payload.brand)
    _servable(brand, channel=payload.channel, language=payload.language)
    raw = _file_raw(request, channel=payload.channel, brand=brand)
    contact, _, created = actions.receive(Inbound(
        brand=brand, channel=payload.channel, body=payload.body,
        customer=CustomerData(name=payload.customer.name, email=payload.customer.email,
                              phone=payload.customer.phone),
        subject=payload.subject, language=payload.language, priority=payload.priority,
        external_id=payload.external_id, message_id=payload.message_id,
    ), raw=raw)
    return Status(201 if created else 200, contact_out(contact, request.auth))


@router.get("/contacts", response=list[ContactOut])
def list_contacts(request: HttpRequest, filters: Query[ContactFilter]):
    """Contacts this user may see, newest first."""
    query = visible_contacts(request.auth).select_related("brand")
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.brand:
        query = query.filter(brand__slug=filters.brand)
    if filters.channel:
        query = query.filter(channel=filters.channel)
    limit = max(1, min(filters.limit, 500))
    offset = max(0, filters.offset)
    return [contact_out(c, request.auth) for c in query.order_by("-arrived_at", "-pk")[offset:offset + limit]]


@router.get("/contacts/{contact_id}", response={200: ContactDetail, 404: Error})
def get_contact(request: HttpRequest, contact_id: int):
    """One contact with its conversation and its customer (masked as the brand requires)."""
    return contact_detail(request.auth, access_contact(request.auth, contact_id))


@router.post("/contacts/{contact_id}/messages", response={201: MessageOut, 200: MessageOut, 403: Error, 404: Error})
@raw_first
def add_message(request: HttpRequest, contact_id: int, payload: MessageIn):
    """A new message from the customer (for intake integrations: operators and the brand)."""
    user = request.auth
    contact = access_contact(user, contact_id)
    if not can_create_contacts(user, contact.brand_id):
        raise HttpError(403, "agents reply with /replies; customer messages come from intake")
    raw = _file_raw(request, channel=contact.channel, brand=contact.brand)
    message, created = actions.add_customer_message(contact, body=payload.body,
                                                    message_id=payload.message_id, raw=raw)
    return Status(201 if created else 200, message_out(message_view(user, message, brand=contact.brand)))


@router.post("/contacts/{contact_id}/replies",
             response={201: MessageOut, 404: Error, 409: Error, 413: Error, 415: Error, 422: Error})
def reply(request: HttpRequest, contact_id: int, payload: ReplyIn):
    """The handling agent answers the customer through the contact's channel."""
    contact = access_contact(request.auth, contact_id)
    files = []
    for index, item in enumerate(payload.attachments):
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except binascii.Error:
            raise HttpError(422, f"attachments[{index}].content_base64: not base64") from None
        files.append(OutgoingFile(filename=item.filename, content_type=item.content_type, data=data))
    extras = ReplyExtras(copy=None if payload.cc else (), files=tuple(files))
    message = actions.reply(request.auth, contact, body=payload.body, extras=extras)
    return Status(201, message_with_files(request.auth, contact, message_view(request.auth, message, brand=contact.brand)))


@router.post("/contacts/{contact_id}/resolve", response={200: ContactOut, 404: Error, 409: Error})
def resolve(request: HttpRequest, contact_id: int, payload: ResolveIn):
    contact = access_contact(request.auth, contact_id)
    return contact_out(actions.resolve(request.auth, contact, wrap_up_code=payload.wrap_up_code), request.auth)


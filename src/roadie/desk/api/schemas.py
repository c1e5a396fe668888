"""Request and response shapes of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

ChannelName = Literal["email", "chat", "whatsapp", "social", "voice", "video"]


class Error(Schema):
    detail: str | list


class CustomerIn(Schema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class ContactIn(Schema):
    brand: str = Field(..., description="The brand's slug", max_length=50)
    channel: ChannelName
    customer: CustomerIn = CustomerIn()
    subject: str = Field("", max_length=250)
    body: str = Field(..., min_length=1, max_length=100_000, description="The first message")
    language: str = Field("", max_length=8, description="ISO 639-1; the brand's default if empty")
    priority: int = Field(0, ge=-10, le=10)
    external_id: str = Field("", max_length=200, description="Idempotency key for the conversation")
    message_id: str = Field("", max_length=250, description="Idempotency key for this message")

    @field_validator("customer", mode="before")
    @classmethod
    def _customer_is_an_object(cls, value):
        # Without this, a string or a list would be read attribute by attribute and dropped.
        if isinstance(value, (dict, CustomerIn)):
            return value
        raise ValueError("customer must be an object with name, email and phone")


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=100_000)
    message_id: str = Field("", max_length=250)


class AttachmentIn(Schema):
    filename: str = Field(..., min_length=1, max_length=200)
    content_type: str = Field("", max_length=120, description="as declared; checked against the first bytes")
    content_base64: str = Field(..., min_length=1, description="the file, base64-encoded")


class ReplyIn(Schema):
    body: str = Field(..., min_length=1, max_length=100_000)
    attachments: list[AttachmentIn] = Field(
        default_factory=list, max_length=10,
        description="email: files sent with the reply (413 too large, 415 a type not sent; the "
        "whole request body is limited to ROADIE_MAX_BODY_BYTES, 2 MB by default)")
    cc: bool = Field(True, description="email: copy the people the customer copied (Cc of their "
                     "last mail), as a mail client's reply-all does; false answers the customer only")


class ResolveIn(Schema):
    wrap_up_code: str = Field(..., min_length=1, max_length=40)


class PresenceIn(Schema):
    presence: Literal["offline", "available", "break"]


class FileOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="as declared by the sender")
    size: int = Field(description="bytes")
    url: str | None = Field(description="the download (the contact's own access rule guards it); "
                            "null when the file was refused on arrival")
    refused: str = Field("", description="why the file was not kept (too large, a type not accepted)")


class MessageOut(Schema):
    id: int
    direction: str
    body: str
    created_at: datetime
    author: str | None
    delivery: str | None = Field(None, description="replies only: pending, delivered or failed")
    delivery_error: str = Field("", description="why a failed reply was not delivered")
    failed_at: datetime | None = None
    attachments: list[FileOut] = Field(default_factory=list, description="email: the mail's files, "
                                       "the customer's or those sent with a reply")


class ContactOut(Schema):
    id: int
    brand: str
    channel: str
    status: str
    subject: str
    language: str
    priority: int
    arrived_at: datetime = Field(description="first arrival; a reopening does not move it")
    queued_at: datetime = Field(description="when it last entered the queue (its place in it)")
    reopened: int = Field(0, description="times it came back after being resolved, abandoned or waiting")
    deadline_at: datetime
    answered_at: datetime | None
    resolved_at: datetime | None
    agent: int | None
    flagged: bool
    wrap_up_code: str
    tags: list[str] = Field(default_factory=list)
    waiting_since: datetime | None = Field(None, description="waiting on the customer since")
    snoozed_until: datetime | None = Field(None, description="out of the agent's list until then")


class CustomerOut(Schema):
    id: int
    name: str | None
    email: str | None
    phone: str | None
    address: str | None
    order_history: list | None
    payment: dict | None
    masked: list[str]


class ContactDetail(ContactOut):
    customer: CustomerOut
    messages: list[MessageOut]


class OfferOut(Schema):
    id: int
    status: str
    offered_at: datetime
    expires_at: datetime
    contact: ContactOut


class AgentOut(Schema):
    id: int
    username: str
    name: str
    presence: str
    load: int
    capacity: int
    channel_limits: dict[str, int] = Field(default_factory=dict, description="most contacts at once per channel")
    languages: list[str]
    sign_language: bool
    brands: list[str]

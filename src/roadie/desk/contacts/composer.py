"""What a channel adds to the agent's reply beside its text: for email, who else to copy (the
Cc the customer used) and files to attach.

The desk never imports a connector: a connector registers a ``ReplyChannel`` for its channel
in ``REPLY_CHANNELS`` (from its ``AppConfig.ready``). The contact page asks it for the extra
fields of the composer; ``contacts.actions.reply`` asks it to check what the agent chose
(reads only, may refuse) and then to store it inside the reply's own transaction, so that a
refusal or a failure leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ReplyExtras:
    """What the agent chose beside the text.

    ``copy``: ``None`` copies everyone the channel copies by default (email: reply-all to the
    people the customer copied); a tuple names the chosen ones by the keys the composer gave
    (email: one token per Cc address, so that a masked address never reaches the page); ``()``
    copies nobody. ``files``: attachments, checked by the channel.
    """

    copy: tuple[str, ...] | None = None
    files: tuple[OutgoingFile, ...] = ()


class ReplyRefused(Exception):
    """What the agent chose cannot be sent (HTTP ``status``, the message names the field:
    ``cc: …``, ``attachments: …``; ``reason`` in the reader's language, ``shown`` with the
    field's label for a page)."""

    def __init__(self, field: str, reason: str, *, status: int = 422) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status

    @property
    def shown(self) -> str:
        label = FIELD_LABELS.get(self.field)
        return _("%(field)s: %(reason)s") % {"field": label or self.field, "reason": self.reason}


FIELD_LABELS = {"cc": gettext_lazy("Copy to"), "attachments": gettext_lazy("Attachments")}


@dataclass(frozen=True)
class Composer:
    """The extra fields of the reply form: a template of the connector and its context."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


class ReplyChannel(Protocol):
    def composer(self, user, contact) -> Composer | None: ...

    def prepare(self, user, contact, extras: ReplyExtras) -> Any:
        """Check the agent's choice (reads only); raise ``ReplyRefused`` to refuse it."""

    def store(self, message, prepared: Any) -> None:
        """Store what ``prepare`` returned with the new message (inside the reply's transaction)."""


REPLY_CHANNELS: dict[str, ReplyChannel] = {}


def composer_for(user, contact) -> Composer | None:
    channel = REPLY_CHANNELS.get(contact.channel)
    return channel.composer(user, contact) if channel is not None else None


def prepare(user, contact, extras: ReplyExtras) -> tuple[ReplyChannel | None, Any]:
    channel = REPLY_CHANNELS.get(contact.channel)
    if channel is None:
        if extras.files:
            raise ReplyRefused("attachments", _("replies on the %(channel)s channel carry no attachments")
                               % {"channel": contact.get_channel_display()})
        return None, None
    return channel, channel.prepare(user, contact, extras)

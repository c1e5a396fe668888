"""The files of a conversation's messages (a customer's attachments, a reply's), as a channel
keeps them.

The desk never imports a connector: a connector that stores files registers a
``MessageFiles`` for its channel in ``MESSAGE_FILES`` (from its ``AppConfig.ready``), the
sibling of ``composer.REPLY_CHANNELS``. The API lists them with each message and serves
them at ``/api/contacts/{id}/files/{file_id}`` behind the contact's own access rule
(``access_contact``); file names go through the brand's redaction for the reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from django.http import HttpResponse


@dataclass(frozen=True)
class MessageFile:
    """One file of a message as the reader may see it (``stored`` False: refused on arrival,
    ``reason`` says why, and there is nothing to download)."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    stored: bool = True
    reason: str = ""


@dataclass(frozen=True)
class FileContent:
    filename: str
    content_type: str
    data: bytes
    row: object = None  # the stored row, named in the audit log's read entry


class MessageFiles(Protocol):
    def list(self, user, contact, message_ids: Iterable[int]) -> list[MessageFile]:
        """The files of these messages of ``contact`` (one query), names redacted for ``user``."""

    def open(self, contact, file_id: int) -> FileContent | None:
        """A stored file of one of ``contact``'s messages, or None."""


MESSAGE_FILES: dict[str, MessageFiles] = {}


def files_by_message(user, contact, message_ids: Iterable[int]) -> dict[int, list[MessageFile]]:
    """``{message id: [files]}`` for the messages given (an empty dict on a channel with none)."""
    provider = MESSAGE_FILES.get(contact.channel)
    ids = list(message_ids)
    out: dict[int, list[MessageFile]] = {}
    if provider is None or not ids:
        return out
    for item in provider.list(user, contact, ids):
        out.setdefault(item.message_id, []).append(item)
    return out


def open_file(contact, file_id: int) -> FileContent | None:
    provider = MESSAGE_FILES.get(contact.channel)
    return provider.open(contact, file_id) if provider is not None else None


def disposition(filename: str) -> str:
    """``Content-Disposition`` of a download, with the UTF-8 name and an ASCII fallback."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download(content: FileContent, *, fallback: str) -> HttpResponse:
    """Always a download, never rendered in roadie's origin (an HTML file cannot run here)."""
    response = HttpResponse(content.data, content_type=content.content_type or "application/octet-stream")
    response["Content-Disposition"] = disposition(content.filename or fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response

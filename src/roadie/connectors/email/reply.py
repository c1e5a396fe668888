"""The email side of the agent's reply (``roadie.desk.contacts.composer``): whom the customer
copied and whether to copy them again, as a mail client's "reply all" does, and the files the
agent attaches (checked as inbound attachments are, stored with the reply, sent as MIME parts).

The page never carries a Cc address the brand masks: each candidate is named by a token (an
HMAC of the contact and the address) and shown redacted for the reader; the mail goes to the
real addresses, looked up again when the reply is sent.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field

from django.utils.crypto import salted_hmac
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from roadie.connectors.email import attachments, conf, outbound
from roadie.connectors.email.models import Attachment, InboundMail
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.access import redact_for
from roadie.desk.contacts.composer import Composer, OutgoingFile, ReplyExtras, ReplyRefused
from roadie.desk.contacts.models import Contact, Direction


def cc_candidates(contact: Contact) -> list[str]:
    """The Cc of the customer's last mail, without the brand's own addresses nor the customer."""
    last = (InboundMail.objects.filter(message__contact=contact, message__direction=Direction.INBOUND)
            .order_by("-message__created_at", "-message__pk").only("cc", "to_address").first())
    if last is None or not last.cc:
        return []
    own = {a.lower() for a in Channel.objects.filter(brand_id=contact.brand_id, kind=ChannelKind.EMAIL)
           .exclude(address="").values_list("address", flat=True)}
    own |= {last.to_address.lower(), (contact.customer.email or "").lower()}
    return [a for a in dict.fromkeys(a.lower() for a in last.cc) if a and a not in own]


def cc_token(contact: Contact, address: str) -> str:
    return salted_hmac("roadie.email.cc", f"{contact.pk}:{address.lower()}").hexdigest()[:20]


# What the file picker proposes (a hint: every file is checked on the server anyway).
ACCEPT = (".pdf,.png,.jpg,.jpeg,.gif,.webp,.heic,.tif,.tiff,.txt,.csv,.ics,.rtf,.json,.zip,"
          ".doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.mp3,.wav,.ogg,.mp4")
MAX_FILES = 10


def limits() -> tuple[int, int]:
    """(largest file, largest total of one reply's files), in bytes."""
    return int(conf.get("ROADIE_MAIL_ATTACHMENT_MAX_BYTES")), int(conf.get("ROADIE_MAIL_REPLY_MAX_BYTES"))


def _mb(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(size)s MB") % {"size": number_format(round(size / 1024 / 1024, 1), 1)}
    return _("%(size)s KB") % {"size": number_format(round(size / 1024, 1), 1)}


def clean_filename(name: str) -> str:
    """The last path part, without control characters, at most 200 characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    stem, dot, ext = name.strip().rpartition(".")
    return (name.strip() if len(name.strip()) <= 200 else f"{stem[:190]}{dot}{ext[:9]}") or "attachment"


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    detected: str
    data: bytes


def _refusal(name: str, verdict: attachments.Verdict) -> str:
    """Why a file may not go, in the reader's language."""
    values = {"name": name, "detected": verdict.detected, "type": verdict.content_type}
    if verdict.kind == "program":
        return _("%(name)s: programs are not sent") % values
    if verdict.kind == "mismatch":
        return _("%(name)s: its content is %(detected)s, not %(type)s as declared") % values
    if verdict.kind == "type":
        return _("%(name)s: files of type %(type)s are not sent") % values
    return f"{name}: {verdict.rejected_reason}"


def check_files(files: tuple[OutgoingFile, ...]) -> list[CheckedFile]:
    """Refuse the whole reply (413 too big, 415 a type not sent, 422 otherwise) at the first
    file that may not go; nothing is stored then."""
    if len(files) > MAX_FILES:
        raise ReplyRefused("attachments", _("at most %(n)s files per reply") % {"n": MAX_FILES}, status=413)
    per_file, total = limits()
    if sum(len(f.data) for f in files) > total:
        raise ReplyRefused("attachments", _("the files make %(size)s, over the %(limit)s a reply may carry")
                           % {"size": _mb(sum(len(f.data) for f in files)), "limit": _mb(total)}, status=413)
    checked = []
    for item in files:
        name = clean_filename(item.filename)
        if not item.data:
            raise ReplyRefused("attachments", _("%(name)s is empty") % {"name": name})
        if len(item.data) > per_file:
            raise ReplyRefused("attachments", _("%(name)s is %(size)s, over the %(limit)s limit per file")
                               % {"name": name, "size": _mb(len(item.data)), "limit": _mb(per_file)}, status=413)
        verdict = attachments.check(filename=name, declared=item.content_type, data=item.data,
                                    max_bytes=per_file)
        if verdict.rejected_reason:
            raise ReplyRefused("attachments", _refusal(name, verdict), status=415)
        checked.append(CheckedFile(name, verdict.content_type[:120], verdict.detected, item.data))
    return checked


@dataclass(frozen=True)
class Prepared:
    cc: list[str]
    files: list[CheckedFile] = field(default_factory=list)


class EmailReply:
    """Registered for the email channel in ``EmailConfig.ready``."""

    def composer(self, user, contact: Contact) -> Composer:
        cc = [{"token": cc_token(contact, a), "shown": redact_for(user, contact.brand, a)}
              for a in cc_candidates(contact)]
        per_file, total = limits()
        return Composer("roadie_email/_composer.html", {
            "cc": cc, "accept": ACCEPT, "max_files": MAX_FILES, "per_file": per_file, "total": total})

    def prepare(self, user, contact: Contact, extras: ReplyExtras) -> Prepared:
        files = check_files(extras.files)
        candidates = cc_candidates(contact)
        if extras.copy is None:
            return Prepared(cc=candidates, files=files)
        by_token = {cc_token(contact, a): a for a in candidates}
        unknown = [t for t in extras.copy if t not in by_token]
        if unknown:
            raise ReplyRefused("cc", _("copy only people the customer copied (unknown choice %(choice)r; "
                                     "reload the contact)") % {"choice": unknown[0][:24]})
        return Prepared(cc=[by_token[t] for t in dict.fromkeys(extras.copy)], files=files)

    def store(self, message, prepared: Prepared) -> None:
        outbound.prepare(message, cc=prepared.cc)
        Attachment.objects.bulk_create([
            Attachment(message=message, filename=f.filename, content_type=f.content_type,
                       detected_type=f.detected, size=len(f.data),
                       sha256=hashlib.sha256(f.data).hexdigest(), data=f.data)
            for f in prepared.files])

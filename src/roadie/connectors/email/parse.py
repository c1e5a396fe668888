"""Raw RFC 5322 bytes -> a plain ``ParsedMail``. No Django here: pure, tolerant, tested on
CPython's own email corpus.

Real mail is often broken: every header is read defensively (a header that cannot be
decoded falls back to its raw text), every part is decoded with a charset fallback, and
defects are collected instead of raised.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

MSGID_RE = re.compile(r"<([^<>\s]+)>")
TOKEN_RE = re.compile(r"\[#(\d{1,12})\]")
ID_MAX = 200


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    html: str  # sanitised
    attachments: tuple[ParsedAttachment, ...]
    auto_kind: str  # an AutoKind value
    language_hint: str = ""
    defects: tuple[str, ...] = field(default=())
    # For a bounce: the Message-IDs of the returned mail (from its attached headers).
    reported_ids: tuple[str, ...] = field(default=())
    # The Cc header's addresses, lower-cased (they are in ``to`` as well).
    cc: tuple[str, ...] = field(default=())

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)

    @property
    def ticket_tokens(self) -> tuple[int, ...]:
        return tuple(int(t) for t in TOKEN_RE.findall(self.subject))


def normalise_id(value: str) -> str:
    """A Message-ID without brackets or spaces, bounded in length (hashed when too long)."""
    value = value.strip().strip("<>").strip()
    value = re.sub(r"\s+", "", value)
    if len(value) > ID_MAX:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()
    return value


def synthetic_id(raw: bytes) -> str:
    """An id for a mail without Message-ID: the same bytes delivered twice get the same id."""
    return f"sha256:{hashlib.sha256(raw).hexdigest()}@roadie.invalid"


def message_ids(value: str) -> tuple[str, ...]:
    found = MSGID_RE.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return tuple(normalise_id(v) for v in found if normalise_id(v))


SURROGATES = re.compile("[\udc80-\udcff]")


def _raw_8bit(msg: Message, name: str) -> str | None:
    """A header sent as raw 8-bit bytes (not RFC 2047): decoded as UTF-8, else Windows-1252."""
    for key, value in msg.raw_items():
        if key.lower() == name and isinstance(value, str) and SURROGATES.search(value):
            data = value.encode("ascii", "surrogateescape")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", "replace")
            return " ".join(text.split())
    return None


def _header(msg: Message, name: str, defects: list[str]) -> str:
    """One header as text, whatever its state (RFC 2047, raw 8-bit, malformed)."""
    try:
        eight_bit = _raw_8bit(msg, name)
        if eight_bit is not None:
            return eight_bit
        value = msg.get(name)
        if value is None:
            return ""
        text = str(value)
        if "=?" in text:  # still RFC 2047 encoded (legacy parser)
            with contextlib.suppress(Exception):
                text = str(make_header(decode_header(text)))
        return " ".join(text.split())
    except Exception as exc:  # a malformed header: fall back to the raw value
        defects.append(f"{name}: {type(exc).__name__}")
    try:
        raw = msg.get_all(name, failobj=[None])[0]
        raw = getattr(raw, "_raw", None) or raw
        if raw is None:
            return ""
        try:
            return " ".join(str(make_header(decode_header(str(raw)))).split())
        except Exception:
            return " ".join(str(raw).split())
    except Exception:
        return ""


def _addresses(value: str) -> list[tuple[str, str]]:
    try:
        return [(n, a) for n, a in getaddresses([value]) if a]
    except Exception:
        return []


def _decode_part(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = "utf-8"
    with contextlib.suppress(Exception):
        charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return payload.decode("latin-1")


def sanitise_html(markup: str) -> str:
    """Only harmless tags and attributes survive: no script, style, event handler or remote src."""
    return nh3.clean(
        markup,
        tags={"a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
              "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
              "u", "ul"},
        attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)\s*>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200]


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _is_attachment(part: Message, ctype: str) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:
        disposition = ""
    if disposition == "attachment":
        return True
    if ctype.startswith("text/") and ctype in ("text/plain", "text/html"):
        return bool(disposition == "inline" and _filename(part) and ctype != "text/plain")
    return True


def _walk(msg: Message, texts: list[str], htmls: list[str], attachments: list[ParsedAttachment],
          depth: int = 0) -> None:
    if depth > 30:
        return
    ctype = _content_type(msg)
    if ctype == "message/rfc822" and depth > 0:  # a forwarded mail: kept whole, as a .eml
        attachments.append(ParsedAttachment(_filename(msg) or "message.eml", ctype, _as_bytes(msg)))
        return
    if msg.is_multipart():
        payload = msg.get_payload()
        if not isinstance(payload, list):
            return
        if ctype == "multipart/alternative":
            plain = [p for p in payload if _content_type(p) == "text/plain"]
            rich = [p for p in payload if _content_type(p) == "text/html"]
            chosen = plain[:1] or rich[:1] or payload[-1:]
            for part in chosen:
                _walk(part, texts, htmls, attachments, depth + 1)
            for part in rich[:1]:
                if part not in chosen:
                    htmls.append(_decode_part(part))
            return
        for part in payload:
            if isinstance(part, Message):
                _walk(part, texts, htmls, attachments, depth + 1)
        return
    if ctype in ("text/plain", "text/html") and not _is_attachment(msg, ctype):
        (texts if ctype == "text/plain" else htmls).append(_decode_part(msg))
        return
    try:
        data = msg.get_payload(decode=True) or b""
    except Exception:
        data = b""
    attachments.append(ParsedAttachment(_filename(msg), ctype, data))


def _as_bytes(msg: Message) -> bytes:
    try:
        payload = msg.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else msg
        return inner.as_bytes(policy=policy.compat32)
    except Exception:
        return b""


def auto_kind(msg: Message, *, envelope_from: str | None, from_address: str,
              defects: list[str]) -> str:
    """Why this mail must never be answered automatically ("" for a person's mail).

    RFC 3834 (Auto-Submitted), RFC 3464/6522 (multipart/report), RFC 2369/2919 (List-*),
    the de-facto Precedence header, the null reverse path, and mailer-daemon senders.
    """
    get = lambda name: _header(msg, name, defects).lower()  # noqa: E731
    ctype = _content_type(msg)
    return_path = get("return-path")
    local = from_address.split("@", 1)[0].lower()
    if (ctype == "multipart/report" or return_path.strip() == "<>" or envelope_from == ""
            or local in ("mailer-daemon", "postmaster")):
        return "bounce"
    auto_submitted = get("auto-submitted")
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto-reply"
    if get("x-autoreply") or get("x-autorespond") or get("x-autogenerated"):
        return "auto-reply"
    if "oof" in get("x-auto-response-suppress") and get("x-ms-exchange-generated-message-source"):
        return "auto-reply"
    precedence = get("precedence").strip()
    if precedence == "auto_reply":
        return "auto-reply"
    if precedence in ("bulk", "list", "junk"):
        return "list"
    if get("list-id") or get("list-unsubscribe") or get("list-post"):
        return "list"
    return ""


REPORTED_ID_RE = re.compile(rb"^Message-ID:[ \t]*(<[^<>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


def reported_ids(attachments: list[ParsedAttachment]) -> tuple[str, ...]:
    """Message-IDs of the mail a delivery report returns (its headers come attached)."""
    found: list[str] = []
    for item in attachments:
        if item.content_type in ("text/rfc822-headers", "message/rfc822"):
            head = item.data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            for match in REPORTED_ID_RE.findall(head):
                found.extend(message_ids(match.decode("ascii", "replace")))
    return tuple(dict.fromkeys(found))


def parse(raw: bytes, *, envelope_from: str | None = None) -> ParsedMail:
    """Parse one mail. Raises only on input that is not mail at all (no header, no body)."""
    if not raw or not raw.strip():
        raise ValueError("empty message")
    notes: list[str] = []
    try:
        msg: Message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # the modern parser chokes on some broken headers: the legacy one less
        notes.append("read with the legacy parser")
        try:
            msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        except ValueError:  # e.g. NUL bytes in an RFC 2231 parameter
            msg = BytesParser(policy=policy.compat32).parsebytes(raw.replace(b"\x00", b""))
    defects = notes + [type(d).__name__ for d in getattr(msg, "defects", [])]
    if not msg.keys() and not msg.get_payload():
        raise ValueError("no header and no body")
    from_name, from_address = parseaddr(_header(msg, "from", defects))
    if not from_address:
        pairs = _addresses(_header(msg, "sender", defects)) or _addresses(_header(msg, "reply-to", defects))
        if pairs:
            from_name, from_address = pairs[0]
    to = tuple(a.lower() for _, a in _addresses(
        ", ".join(filter(None, (_header(msg, "to", defects), _header(msg, "cc", defects))))))
    mids = message_ids(_header(msg, "message-id", defects))
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    _walk(msg, texts, htmls, attachments)
    kind = auto_kind(msg, envelope_from=envelope_from, from_address=from_address, defects=defects)
    markup = "\n".join(h for h in htmls if h)
    text = "\n\n".join(t.strip("\r\n") for t in texts if t.strip())
    if not text and markup:
        text = html_to_text(markup)
    return ParsedMail(
        message_id=mids[0] if mids else synthetic_id(raw),
        subject=_header(msg, "subject", defects)[:300],
        from_name=from_name.strip()[:200],
        from_address=from_address.strip().lower()[:254],
        to=to,
        in_reply_to=message_ids(_header(msg, "in-reply-to", defects)),
        references=message_ids(_header(msg, "references", defects))[-50:],
        text=text.replace("\r\n", "\n").replace("\x00", ""),
        html=sanitise_html(markup) if markup else "",
        attachments=tuple(attachments),
        auto_kind=kind,
        language_hint=_header(msg, "content-language", defects)[:8].lower(),
        defects=tuple(defects),
        reported_ids=reported_ids(attachments) if kind == "bounce" else (),
        cc=tuple(a.lower()[:254] for _, a in _addresses(_header(msg, "cc", defects)) if a)[:50],
    )

"""Which attachments roadie keeps: a size limit, a list of accepted types, and a check that
the first bytes are what the declared type says (no executable dressed up as a PDF)."""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED_TYPES = frozenset({
    "application/pdf", "application/zip", "application/msword", "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint", "application/rtf", "application/json",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/tiff", "image/bmp",
    "text/plain", "text/csv", "text/calendar", "text/html", "text/rfc822-headers",
    "message/rfc822", "message/delivery-status", "message/disposition-notification",
    "audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "video/mp4",
})

# First bytes -> the type they prove.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xca\xfe\xba\xbe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"#!", "text/x-shellscript"),
)
EXECUTABLE = frozenset({"application/x-msdownload", "application/x-executable",
                        "application/x-mach-binary", "text/x-shellscript"})
# Container formats that several declared types legitimately share.
FAMILIES = {
    "application/zip": {"application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        "application/vnd.oasis.opendocument.text",
                        "application/vnd.oasis.opendocument.spreadsheet"},
    "application/x-ole-storage": {"application/msword", "application/vnd.ms-excel",
                                  "application/vnd.ms-powerpoint"},
}
DANGEROUS_EXTENSIONS = (".exe", ".scr", ".bat", ".cmd", ".com", ".js", ".vbs", ".jar", ".msi",
                        ".ps1", ".hta", ".lnk", ".dll", ".sh")


def sniff(data: bytes) -> str:
    if data[8:12] == b"WEBP" and data[:4] == b"RIFF":
        return "image/webp"
    for magic, ctype in SIGNATURES:
        if data.startswith(magic):
            return ctype
    return ""


@dataclass(frozen=True)
class Verdict:
    content_type: str  # the type to record (declared, or detected for octet-stream)
    detected: str
    rejected_reason: str  # stored with an inbound file, in English
    kind: str = ""  # why, for a message in the reader's language: too_large, program, mismatch, type


def check(*, filename: str, declared: str, data: bytes, max_bytes: int) -> Verdict:
    declared = (declared or "application/octet-stream").lower()
    detected = sniff(data)
    if len(data) > max_bytes:
        return Verdict(declared, detected, f"larger than {max_bytes} bytes", "too_large")
    if detected in EXECUTABLE or filename.lower().endswith(DANGEROUS_EXTENSIONS):
        return Verdict(declared, detected, "executable content is not accepted", "program")
    effective = declared
    if declared == "application/octet-stream" and detected:
        effective = detected
    # (A BMP signature is only two letters: it does not get to veto a text file.)
    if (detected and effective != detected and effective not in FAMILIES.get(detected, ())
            and not (detected == "image/bmp" and effective.startswith("text/"))):
        return Verdict(effective, detected, f"content is {detected}, not {effective} as declared",
                       "mismatch")
    if effective not in ACCEPTED_TYPES and not (detected and detected in ACCEPTED_TYPES | set(FAMILIES)):
        return Verdict(effective, detected, f"type {effective} is not accepted", "type")
    return Verdict(effective, detected, "")

"""Finding and hiding personal data in free text: card numbers, IBANs, phone numbers and email
addresses typed by customers (or copied into a mail's headers, HTML part or file names).

Pure functions over strings, no Django: the policy (who sees what, for which brand) lives in
``roadie.desk.contacts.access``; this module only says where the data is and how it is hidden.

- Card numbers (kind ``payment``): 13 to 19 digits, in one block or in groups separated by a
  space or a dash, that pass the Luhn check; and any number written in the shape of a card
  (4-4-4-4, 4-6-5) even when a digit is mistyped, since fifteen right digits are as private as
  sixteen. The last four digits are kept so that the agent can say which card.
- IBANs (kind ``payment``): two letters, two check digits and up to 30 letters or digits, with
  or without spaces, whose ISO 13616 check (mod 97) holds.
- Phone numbers (kind ``phone``): the ``phonenumbers`` library (Google's libphonenumber data)
  with French national formats as the default region, so ``06 12 34 56 78``, ``0612345678``,
  ``+33 6 12 34 56 78`` and ``+44 20 7946 0958`` are found; any other ``+`` number of 8 to 15
  digits is hidden too.
- Email addresses (kind ``email``).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import nh3
import phonenumbers

PAYMENT = "payment"
PHONE = "phone"
EMAIL = "email"
KINDS = frozenset({PAYMENT, PHONE, EMAIL})

CARD_MASK = "•••• "
IBAN_MASK = "•••• (IBAN)"
EMAIL_MASK = "•••@•••"
PHONE_MASK = "•• •• •• •• ••"

_DIGIT_RUN = re.compile(r"(?<![\d])\d+(?:[ \-]\d+)*(?![\d])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}(?![A-Za-z0-9])")
_EMAIL_LOCAL = re.compile(r"[\w.+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:[ .\-]?\(?\d\)?){7,16}(?!\d)")
_CARD_SHAPES = ((4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3))


@dataclass(frozen=True, order=True)
class Span:
    """One piece of private data found in a text: ``text[start:end]``."""

    start: int
    end: int
    kind: str
    replacement: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# IBAN length per country (ISO 13616 registry).
_IBAN_REGISTRY = (
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 "
        "DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 "
        "IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 "
        "MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 "
        "ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20")
IBAN_LENGTHS = {item[:2]: int(item[2:]) for item in _IBAN_REGISTRY.split(" ")}


def iban_ok(candidate: str) -> bool:
    iban = candidate.replace(" ", "").upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    rotated = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rotated)
    return int(number) % 97 == 1


def _card_spans(text: str) -> list[Span]:
    spans = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start())
                  for m in re.finditer(r"\d+", run.group())]
        i = 0
        while i < len(groups):
            found, digits, shape = None, "", ()
            for j in range(i, len(groups)):  # at most 19 digits: a bounded window
                digits += text[groups[j][0]:groups[j][1]]
                if len(digits) > 19:
                    break
                shape += (groups[j][1] - groups[j][0],)
                if len(digits) >= 13 and (luhn_ok(digits) or shape in _CARD_SHAPES):
                    found = (j, digits)
            if found is None:
                i += 1
                continue
            j, digits = found
            spans.append(Span(groups[i][0], groups[j][1], PAYMENT, CARD_MASK + digits[-4:]))
            i = j + 1
    return spans


def _iban_spans(text: str) -> list[Span]:
    spans = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # The pattern may have swallowed a following word: shorten until the check holds.
        end = len(candidate)
        while end >= 15:
            piece = candidate[:end].rstrip()
            if iban_ok(piece):
                spans.append(Span(match.start(), match.start() + len(piece), PAYMENT, IBAN_MASK))
                break
            end = len(piece) - 1
    return spans


def _email_spans(text: str) -> list[Span]:
    # Anchored on each "@" with bounded parts: linear in the text, whatever it holds.
    spans = []
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            spans.append(Span(local.start(), domain.end(), EMAIL, EMAIL_MASK))
        at = text.find("@", at + 1)
    return spans


def _phone_spans(text: str) -> list[Span]:
    spans = [Span(m.start, m.end, PHONE, PHONE_MASK)
             for m in phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.VALID)]
    for m in _INTL_PHONE.finditer(text):
        if 8 <= sum(c.isdigit() for c in m.group()) <= 15:
            spans.append(Span(m.start(), m.end(), PHONE, PHONE_MASK))
    return spans


_FINDERS = ((PAYMENT, _card_spans), (PAYMENT, _iban_spans), (EMAIL, _email_spans), (PHONE, _phone_spans))


def find(text: str, kinds: Iterable[str]) -> list[Span]:
    """The private data of these kinds in ``text``, in order, without overlaps (the earlier
    and longer span wins)."""
    wanted = frozenset(kinds) & KINDS
    if not text or not wanted:
        return []
    found: list[Span] = []
    for kind, finder in _FINDERS:
        if kind in wanted:
            found.extend(finder(text))
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in found:
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def redact(text: str, kinds: Iterable[str]) -> str:
    """``text`` with every card number, IBAN, phone number and email address of ``kinds``
    replaced by a mask (cards keep their last four digits)."""
    if not text:
        return text
    spans = find(text, kinds)
    if not spans:
        return text
    out, last = [], 0
    for span in spans:
        out.append(text[last:span.start])
        out.append(span.replacement)
        last = span.end
    out.append(text[last:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """The readable text of an HTML part: tags dropped, entities decoded (``&#52;`` is a 4),
    so that data split or encoded by markup is found by ``find``."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", "\n", html)
    text = nh3.clean(text, tags=set())
    return html_lib.unescape(text)

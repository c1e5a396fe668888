"""Finding private data in free text (roadie.desk.contacts.redact): cards, IBANs, phones,
emails, in the shapes customers type them; and text without them left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.desk.contacts.redact import KINDS, find, html_to_text, iban_ok, luhn_ok, redact

ALL = KINDS


def card(prefix: str, length: int = 16) -> str:
    """A Luhn-valid number starting with ``prefix``."""
    body = prefix.ljust(length - 1, "7")
    for check in "0123456789":
        if luhn_ok(body + check):
            return body + check
    raise AssertionError


@pytest.mark.parametrize("text,hidden,kept", [
    ("ma carte 4539 5787 6362 1486, exp 12/28", "4539 5787 6362", "•••• 1486, exp 12/28"),
    ("carte: 4539-5787-6362-1486", "4539-5787-6362", "carte: •••• 1486"),
    ("4539578763621486", "453957876362", "•••• 1486"),
    ("amex 3714 496353 98431 merci", "3714 496353", "amex •••• 8431 merci"),
    # Mistyped (Luhn fails) but written as a card: still hidden.
    ("ma carte 4970 1012 3456 7890, exp 12/28", "4970 1012 3456", "•••• 7890, exp 12/28"),
])
def test_card_numbers_are_hidden_with_their_last_four(text, hidden, kept):
    out = redact(text, ALL)
    assert hidden not in out and kept in out


def test_a_card_followed_by_an_expiry_in_the_same_run_of_digits():
    assert redact("4539 5787 6362 1486 12 28", ALL) == "•••• 1486 12 28"


@pytest.mark.parametrize("text", [
    "IBAN FR76 3000 6000 0112 3456 7890 189 merci",
    "fr7630006000011234567890189",
    "GB82 WEST 1234 5698 7654 32",
    "DE89370400440532013000.",
])
def test_ibans_are_hidden_when_their_checksum_holds(text):
    out = redact(text, ALL)
    assert "•••• (IBAN)" in out
    assert "3000 6000" not in out and "WEST" not in out and "0532013000" not in out


def test_an_iban_shaped_string_with_a_bad_checksum_is_not_an_iban():
    assert not iban_ok("FR7630006000011234567890188")
    assert "•••• (IBAN)" not in redact("FR76 3000 6000 0112 3456 7890 188", {"payment"})


@pytest.mark.parametrize("text,phone", [
    ("appelez le 06 12 34 56 78 svp", "06 12 34 56 78"),
    ("0612345678", "0612345678"),
    ("06.12.34.56.78", "06.12.34.56.78"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
    ("+33612345678", "+33612345678"),
    ("0033 6 12 34 56 78", "6 12 34 56 78"),
    ("London +44 20 7946 0958", "20 7946 0958"),
    ("US +1 (415) 555-2671", "555-2671"),
    ("fixe 01 42 68 53 00", "01 42 68 53 00"),
])
def test_phone_numbers_french_and_international(text, phone):
    out = redact(text, {"phone"})
    assert phone not in out and "•• •• •• •• ••" in out


def test_email_addresses():
    out = redact("écrivez à marie.dupont+sav@mail.example.co.uk ou x@y.fr.", {"email"})
    assert out == "écrivez à •••@••• ou •••@•••."


def test_only_the_kinds_asked_for_are_hidden():
    text = "carte 4539 5787 6362 1486, tel 06 12 34 56 78, mail a@b.fr"
    assert redact(text, {"phone"}) == "carte 4539 5787 6362 1486, tel •• •• •• •• ••, mail a@b.fr"
    assert redact(text, {"payment"}) == "carte •••• 1486, tel 06 12 34 56 78, mail a@b.fr"
    assert redact(text, set()) == text


@pytest.mark.parametrize("text", [
    "Ma commande 123456 du 2026-12-01 à 10:21, montant 12,50 EUR, colis n° 8812.",
    "Référence 20260101123456789012",  # 20 digits: neither a card nor a phone
    "Bonjour, où en est ma facture ?",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text, ALL) == text


def test_html_is_read_as_text_so_entities_and_tags_cannot_hide_a_number():
    html = "<p>carte <b>4539</b> 5787 6362 &#49;&#52;&#56;&#54;</p><p>tel&nbsp;06 12 34 56 78</p>"
    out = redact(html_to_text(html), ALL)
    assert "6362" not in out and "12 34 56" not in out and "•••• 1486" in out


@settings(max_examples=60, deadline=None)
@given(prefix=st.sampled_from(["4", "51", "37", "6011", "35"]), length=st.sampled_from([15, 16, 19]),
       sep=st.sampled_from(["", " ", "-"]), before=st.text(alphabet="abc éà,.:", max_size=20),
       after=st.text(alphabet="abc éà,.:", max_size=20))
def test_any_luhn_valid_card_in_any_text_is_hidden(prefix, length, sep, before, after):
    number = card(prefix, length)
    written = sep.join(number[i:i + 4] for i in range(0, len(number), 4))
    out = redact(f"{before}{written}{after}", {"payment"})
    assert written not in out and number not in out.replace(" ", "").replace("-", "")
    assert out.startswith(before) and out.endswith(after) and number[-4:] in out


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="@+"),
               max_size=200))
def test_text_without_digits_or_at_signs_is_unchanged(text):
    assert find(text, ALL) == [] and redact(text, ALL) == text

"""Parsing real mail shapes (no database)."""

from __future__ import annotations

import contextlib
import email
from pathlib import Path

import pytest

from roadie.connectors.email import attachments
from roadie.connectors.email.parse import parse, sanitise_html

DATA = Path(__file__).parent / "data"
CORPUS = Path(email.__file__).parent.parent / "test" / "test_email" / "data"


def load(name: str):
    return parse((DATA / name).read_bytes())


def test_quoted_printable_and_rfc2047_headers():
    mail = load("qp_rfc2047.eml")
    assert mail.subject == "Commande n°42 : colis abîmé"
    assert (mail.from_name, mail.from_address) == ("Amélie Poulain", "amelie@customers.example")
    assert "Mon colis est arrivé abîmé" in mail.text
    assert "Pourriez-vous" in mail.text  # soft line break joined
    assert mail.message_id == "qp-1@customers.example"
    assert mail.language_hint == "fr"
    assert mail.auto_kind == ""


def test_raw_8bit_latin1_headers_and_body():
    mail = load("latin1_8bit.eml")
    assert mail.subject == "Facture erronée"
    assert mail.from_name == "Renée"
    assert "décembre est erronée" in mail.text


def test_nested_multipart_base64_with_attachments():
    mail = load("nested_attachments.eml")
    assert mail.text == "Bonjour, voici la facture et une photo du produit. Merci ! — Bob"
    assert "<b>photo</b>" in mail.html
    names = [(a.filename, a.content_type) for a in mail.attachments]
    assert names == [("photo.png", "image/png"), ("facture.pdf", "application/pdf"),
                     ("reçu.pdf", "application/pdf")]
    assert mail.attachments[0].data.startswith(b"\x89PNG")


def test_html_only_mail_is_sanitised_and_gives_text():
    mail = load("html_only.eml")
    assert "Où est ma commande ?" in mail.text
    for bad in ("<script", "alert(", "onload", "javascript:", "tracker.example", "<style", "<img"):
        assert bad not in mail.html
    assert 'href="https://maison-lune.example/suivi"' in mail.html


def test_sanitiser_keeps_structure_only():
    assert sanitise_html('<p onclick="x()">a<iframe src="https://e"></iframe></p>') == "<p>a</p>"


@pytest.mark.parametrize(("name", "kind"), [
    ("bounce.eml", "bounce"), ("out_of_office.eml", "auto-reply"), ("mailing_list.eml", "list"),
    ("qp_rfc2047.eml", ""), ("nested_attachments.eml", ""),
])
def test_automatic_mail_is_recognised(name, kind):
    assert load(name).auto_kind == kind


def test_null_envelope_sender_is_a_bounce():
    raw = (DATA / "qp_rfc2047.eml").read_bytes()
    assert parse(raw, envelope_from="").auto_kind == "bounce"
    assert parse(raw, envelope_from="amelie@customers.example").auto_kind == ""


def test_threading_headers_nearest_first():
    raw = (b"From: a@x.example\r\nMessage-ID: <3@x>\r\nIn-Reply-To: <2@x>\r\n"
           b"References: <1@x> <2@x>\r\nSubject: Re: hello [#77]\r\n\r\nbody\r\n")
    mail = parse(raw)
    assert mail.thread_ids == ("2@x", "1@x")
    assert mail.ticket_tokens == (77,)


def test_missing_message_id_gets_a_stable_synthetic_one():
    raw = b"From: a@x.example\r\nSubject: hi\r\n\r\nbody\r\n"
    assert parse(raw).message_id == parse(raw).message_id
    assert parse(raw).message_id != parse(raw + b"more\r\n").message_id


def test_empty_input_is_refused():
    with pytest.raises(ValueError):
        parse(b"  \r\n")


@pytest.mark.parametrize(("filename", "declared", "data", "reason"), [
    ("a.png", "image/png", b"\x89PNG\r\n\x1a\n....", ""),
    ("a.pdf", "application/octet-stream", b"%PDF-1.7 ...", ""),
    ("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04..", ""),
    ("a.pdf", "application/pdf", b"MZ\x90\x00", "executable content is not accepted"),
    ("run.exe", "application/octet-stream", b"hello", "executable content is not accepted"),
    ("a.png", "image/png", b"%PDF-1.4", "content is application/pdf, not image/png as declared"),
    ("a.bin", "application/x-thing", b"\x00\x01", "type application/x-thing is not accepted"),
    ("big.txt", "text/plain", b"x" * 101, "larger than 100 bytes"),
])
def test_attachment_policy(filename, declared, data, reason):
    verdict = attachments.check(filename=filename, declared=declared, data=data, max_bytes=100)
    assert verdict.rejected_reason == reason


@pytest.mark.skipif(not CORPUS.is_dir(), reason="this Python has no test/test_email/data")
def test_cpython_corpus_parses_without_exception():
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 40
    for path in files:
        parse(path.read_bytes())


def test_headers_that_break_the_modern_parser_are_read_with_the_legacy_one():
    raw = (b"From: a@x.example\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
           b"Content-Type: multipart/mixed; boundary*=utf\x00-8''abc\r\n\r\n"
           b"--abc\r\nContent-Type: text/plain\r\n\r\nhello\r\n--abc--\r\n")
    mail = parse(raw)
    assert (mail.subject, mail.text) == ("café", "hello")
    assert "read with the legacy parser" in mail.defects


def test_mangled_mail_parses_or_is_refused_cleanly():
    """Seeded mutations of the fixtures: parse returns, or refuses with ValueError (which
    intake turns into a flagged contact); no other exception escapes."""
    import random

    samples = [p.read_bytes() for p in sorted(DATA.glob("*.eml"))]
    tokens = [b"=?utf-8?q?", b"?=", b"\r\n", b"--", b'"', b"<", b">", b";", b"\x00", b"\xff",
              b'boundary="', b"Content-Type: multipart/mixed; boundary=x\r\n", b"charset=foo",
              b"Content-Transfer-Encoding: base64\r\n", b"=?x-unknown?b?AAA=?="]
    rng = random.Random(20261123)
    for _ in range(1500):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data)) if data else 0
            roll = rng.random()
            if roll < 0.4 and data:
                data[pos] = rng.randrange(256)
            elif roll < 0.7:
                data[pos:pos] = rng.choice(tokens)
            else:
                del data[pos:pos + rng.randint(1, 20)]
        with contextlib.suppress(ValueError):
            parse(bytes(data))

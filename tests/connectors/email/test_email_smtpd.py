"""`roadie smtpd` against a real SMTP client (swaks): 250 only once stored, 550, 552, 451."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from roadie.connectors.email import smtpd as smtpd_module
from roadie.desk.contacts.models import Contact, RawInbound, RawStatus

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_to_a_brand_address_is_stored_then_accepted(brands, smtpd, send):
    result = send(smtpd, "--to", "support@maison-lune.example", "--from", "amelie@customers.example",
                  "--data", str(DATA / "qp_rfc2047.eml"))
    assert result.code == 0, result.output
    raw = RawInbound.objects.get()
    assert f"250 2.0.0 OK: stored as #{raw.pk}" in result.output
    assert raw.source == "smtp" and raw.meta["mail_from"] == "amelie@customers.example"
    assert raw.status == RawStatus.PARSED
    contact = Contact.objects.get()
    assert contact.subject == "Commande n°42 : colis abîmé" and contact.brand.slug == "maison-lune"


def test_retry_of_the_same_mail_makes_one_message(brands, smtpd, send):
    for _ in range(2):
        result = send(smtpd, "--to", "support@maison-lune.example,contact@maison-lune.example",
                      "--from", "amelie@customers.example", "--data", str(DATA / "qp_rfc2047.eml"))
        assert result.code == 0, result.output
    assert Contact.objects.get().messages.count() == 1
    assert RawInbound.objects.count() == 2


def test_unknown_recipient_is_refused_with_550_and_logged(brands, smtpd, send, caplog):
    with caplog.at_level(logging.WARNING, logger="roadie.email.smtpd"):
        result = send(smtpd, "--to", "nobody@maison-lune.example", "--from", "a@customers.example")
    assert result.code != 0
    assert "550 5.1.1 <nobody@maison-lune.example>: no such mailbox here" in result.output
    assert any("550" in r.getMessage() for r in caplog.records)
    assert not RawInbound.objects.exists()


def test_over_the_size_limit_is_refused_with_552(brands, smtpd, send, caplog, tmp_path):
    body = tmp_path / "body.txt"
    body.write_text(("x" * 70 + "\n") * 4000)  # ~284 kB, over the fixture's 200 kB
    with caplog.at_level(logging.WARNING, logger="roadie.email.smtpd"):
        result = send(smtpd, "--to", "support@maison-lune.example", "--from", "a@customers.example",
                      "--body", f"@{body}")
    assert result.code != 0 and "552" in result.last_reply(), result.last_reply()
    assert any("552" in r.getMessage() for r in caplog.records)
    assert not RawInbound.objects.exists()
    # The listener is still there for the next mail.
    ok = send(smtpd, "--to", "support@maison-lune.example", "--from", "a@customers.example")
    assert ok.code == 0, ok.output


def test_storage_failure_answers_451_and_the_listener_survives(brands, smtpd, send, monkeypatch):
    def broken(**kwargs):
        raise OSError("database unavailable")

    monkeypatch.setattr(smtpd_module, "store_raw", broken)
    result = send(smtpd, "--to", "support@maison-lune.example", "--from", "a@customers.example")
    assert "451 4.3.0" in result.output and result.code != 0
    monkeypatch.undo()
    result = send(smtpd, "--to", "support@maison-lune.example", "--from", "a@customers.example")
    assert result.code == 0, result.output
    assert Contact.objects.count() == 1


def test_garbage_after_storage_becomes_a_flagged_contact(brands, smtpd, send, monkeypatch):
    from roadie.connectors.email import intake

    def unreadable(*args, **kwargs):
        raise ValueError("unreadable")

    monkeypatch.setattr(intake, "parse", unreadable)
    result = send(smtpd, "--to", "support@ondes.example", "--from", "a@customers.example")
    assert result.code == 0, result.output  # stored: accepted, never lost
    contact = Contact.objects.get()
    assert contact.flagged and contact.brand.slug == "ondes"
    assert RawInbound.objects.get().status == RawStatus.FAILED


def test_bad_commands_get_clear_codes(brands, smtpd, send):
    result = send(smtpd, "--to", "not an address", "--from", "a@customers.example")
    assert result.code != 0 and result.last_reply()[4:5] in ("5",), result.output
    ok = send(smtpd, "--to", "support@ondes.example", "--from", "a@customers.example")
    assert ok.code == 0


def test_the_cli_knows_smtpd_and_imap_poll():
    from roadie.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["smtpd", "--port", "2626", "--max-bytes", "1000"])
    assert (args.port, args.max_bytes) == (2626, 1000)
    args = parser.parse_args(["imap-poll", "--once", "--mailbox", "3"])
    assert args.once and args.mailbox == [3]


def test_demo_traffic_sends_its_email_over_smtp(brands, smtpd, settings):
    import random

    from roadie.desk.demo import traffic

    settings.ROADIE_SMTPD_HOST, settings.ROADIE_SMTPD_PORT = smtpd.host, smtpd.port
    inject = traffic.INJECTORS["email"]("http://127.0.0.1:8000", api=None)
    arrival = traffic.make_arrival(random.Random(3), "ondes", "email")
    inject(arrival)
    contact = Contact.objects.get()
    assert (contact.brand.slug, contact.subject) == ("ondes", arrival.subject)
    assert contact.customer.email == arrival.email and contact.language == arrival.language
    assert RawInbound.objects.get().source == "smtp"


def test_too_many_recipients_get_452(brands, smtpd, send):
    to = ",".join(["support@ondes.example"] * (smtpd_module.MAX_RECIPIENTS + 1))
    result = send(smtpd, "--to", to, "--from", "a@customers.example")
    assert "452 4.5.3" in result.output


def test_starttls_when_a_certificate_is_given(brands, send, tmp_path, closed_port):
    import subprocess
    from types import SimpleNamespace

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    ctl = smtpd_module.controller(host="127.0.0.1", port=closed_port, tls_cert=str(cert), tls_key=str(key))
    ctl.start()
    try:
        result = send(SimpleNamespace(host="127.0.0.1", port=closed_port), "--tls", "--to", "support@ondes.example",
                      "--from", "a@customers.example")
    finally:
        ctl.stop()
    assert result.code == 0, result.output
    assert "STARTTLS" in result.output and "TLS started" in result.output
    assert Contact.objects.get().brand.slug == "ondes"


@pytest.mark.slow
def test_the_roadie_smtpd_process(tmp_path, send, closed_port):
    """The real command in its own process, on its own SQLite file: 250 for a brand address
    (created with `roadie shell`), 550 otherwise, a clean stop on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from types import SimpleNamespace

    env = {k: v for k, v in os.environ.items() if k != "ROADIE_DATABASE_URL"}
    env.update(ROADIE_DATA_DIR=str(tmp_path), ROADIE_SQLITE_PATH=str(tmp_path / "smtpd.sqlite3"),
               DJANGO_SETTINGS_MODULE="roadie.desk.settings")
    roadie = [sys.executable, "-m", "roadie.cli"]
    subprocess.run([*roadie, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([*roadie, "shell", "-c",
                    "from roadie.desk.brands.models import Brand, Channel;"
                    "b = Brand.objects.create(slug='ondes', name='Ondes');"
                    "Channel.objects.create(brand=b, kind='email', address='support@ondes.example')"],
                   env=env, check=True, timeout=60, capture_output=True)
    process = subprocess.Popen([*roadie, "smtpd", "--port", str(closed_port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", closed_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        server = SimpleNamespace(host="127.0.0.1", port=closed_port)
        ok = send(server, "--to", "support@ondes.example", "--from", "a@customers.example")
        refused = send(server, "--to", "nobody@ondes.example", "--from", "a@customers.example")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert ok.code == 0 and "250 2.0.0 OK: stored as #1" in ok.output, ok.output
    assert "550 5.1.1" in refused.output
    assert process.returncode == 0, output
    assert "roadie smtpd stopped" in output and "refused" in output


def test_null_reverse_path_marks_a_bounce(brands, smtpd, send):
    from roadie.connectors.email.models import InboundMail

    result = send(smtpd, "--to", "support@ondes.example", "--from", "<>",
                  "--header", "From: postmaster-robot@mx.example", "--body", "Delivery failed")
    assert result.code == 0, result.output
    assert "MAIL FROM:<>" in result.output
    assert RawInbound.objects.get().meta["mail_from"] == ""
    assert InboundMail.objects.get().auto_kind == "bounce"


def test_concurrent_deliveries_of_one_mail_make_one_message(brands):
    """N listeners (or an SMTP retry racing the first attempt) delivering the same mail."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache memory databases fail fast on table locks instead of waiting; on a real
        # SQLite file, IMMEDIATE transactions queue writers, so they cannot race anyway.
        pytest.skip("needs a database with real concurrent writers (run on PostgreSQL)")

    from roadie.connectors.email import intake
    from roadie.desk.contacts.actions import store_raw

    payload = (DATA / "qp_rfc2047.eml").read_bytes()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver():
        try:
            barrier.wait()
            raw = store_raw(channel="email", source="smtp", payload=payload,
                            meta={"rcpt_tos": ["support@maison-lune.example"]})
            intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Contact.objects.count() == 1 and Contact.objects.get().messages.count() == 1
    assert not Contact.objects.filter(flagged=True).exists()
    assert RawInbound.objects.filter(status=RawStatus.DUPLICATE).count() == 3

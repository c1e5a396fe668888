"""The IMAP poller against a real Dovecot server: idempotent by UIDVALIDITY + UID and
Message-ID, resumes after a crash mid-mailbox, backfills after an outage, alerts the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from roadie.connectors.email import imap
from roadie.connectors.email.models import FetchedMail, Mailbox
from roadie.desk.contacts.models import Contact, Message, RawInbound


def mail(n: int, *, sender: str = "amelie@customers.example") -> bytes:
    return (f"From: Customer {n} <{sender}>\r\nTo: support@neobank.example\r\n"
            f"Subject: Question {n}\r\nMessage-ID: <imap-{n}@customers.example>\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nMa question numéro {n}.\r\n").encode()


@pytest.fixture
def mailbox(dovecot, brands):
    user, password = dovecot.add_user()
    box = Mailbox.objects.create(brand=brands["ondes"], host=dovecot.host, port=dovecot.port,
                                 use_ssl=False, user=user, password=password)
    client = dovecot.client(user, password)
    yield box, client
    client.logout()


def subjects() -> list[str]:
    return sorted(Message.objects.values_list("contact__subject", flat=True))


def test_poll_files_everything_once(mailbox):
    box, client = mailbox
    for n in (1, 2, 3):
        client.append("INBOX", mail(n))
    assert imap.poll(box).filed == 3
    assert imap.poll(box).filed == 0  # re-read: nothing new
    client.append("INBOX", mail(4))
    assert imap.poll(box).filed == 1
    assert Contact.objects.filter(brand=box.brand, channel="email").count() == 4
    box.refresh_from_db()
    assert box.last_uid == 4 and box.uidvalidity and box.last_success_at and not box.last_error
    assert RawInbound.objects.filter(source="imap").count() == 4
    # Read-only: the brand's mail keeps its flags (still unseen).
    client.select_folder("INBOX")
    assert len(client.search(["UNSEEN"])) == 4


def test_restart_mid_mailbox_resumes_without_duplicates_or_gaps(mailbox, monkeypatch):
    box, client = mailbox
    for n in range(1, 6):
        client.append("INBOX", mail(n))
    real_ingest, calls = imap.ingest, []

    def dies_on_third(raw, deliveries):
        calls.append(raw.pk)
        if len(calls) == 3:
            raise SystemError("the poller process was killed")
        return real_ingest(raw, deliveries)

    monkeypatch.setattr(imap, "ingest", dies_on_third)
    result = imap.poll(box)
    assert result.filed == 2 and "killed" in result.error
    box.refresh_from_db()
    assert box.last_uid == 2  # only what was filed
    monkeypatch.setattr(imap, "ingest", real_ingest)
    imap.poll(box)
    assert subjects() == [f"Question {n}" for n in range(1, 6)]
    assert FetchedMail.objects.filter(mailbox=box).count() == 5


def test_uidvalidity_change_rereads_without_duplicates(mailbox):
    box, client = mailbox
    client.create_folder("Support")
    Mailbox.objects.filter(pk=box.pk).update(folder="Support")
    for n in (1, 2):
        client.append("Support", mail(n))
    assert imap.poll(box).filed == 2
    first = Mailbox.objects.get(pk=box.pk).uidvalidity
    # The server rebuilds the folder: new UIDVALIDITY, same mail plus one new.
    client.delete_folder("Support")
    client.create_folder("Support")
    for n in (1, 2, 3):
        client.append("Support", mail(n))
    imap.poll(box)
    box.refresh_from_db()
    assert box.uidvalidity != first
    assert subjects() == ["Question 1", "Question 2", "Question 3"]


def test_outage_raises_an_alert_then_backfills_everything(mailbox, dovecot, closed_port):
    box, client = mailbox
    client.append("INBOX", mail(0))
    imap.poll(box)
    # The mailbox becomes unreachable; mail keeps arriving meanwhile.
    Mailbox.objects.filter(pk=box.pk).update(port=closed_port)
    result = imap.poll(box)
    assert result.error
    for n in range(1, 121):
        client.append("INBOX", mail(n))
    box.refresh_from_db()
    later = timezone.now() + timedelta(minutes=box.alert_after_minutes + 1)
    [alert] = imap.mailbox_alerts(now=later)
    assert alert.mailbox == box and "Error" in alert.reason
    assert imap.mailbox_alerts() == []  # not yet silent for long enough
    # The supervisor board shows it.
    Mailbox.objects.filter(pk=box.pk).update(last_success_at=timezone.now() - timedelta(hours=1))
    from roadie.desk.web.views_board import _board_context

    html = render_to_string("roadie/_board_panel.html", _board_context())
    assert "Mailboxes not heard from" in html and box.user in html
    # Back online: everything missed is filed, not only the latest few.
    Mailbox.objects.filter(pk=box.pk).update(port=dovecot.port)
    assert imap.poll(box).filed == 120
    assert Message.objects.filter(contact__brand=box.brand).count() == 121
    assert imap.mailbox_alerts(now=timezone.now()) == []


def test_same_mail_by_smtp_and_imap_is_one_message(mailbox):
    from roadie.connectors.email import intake
    from roadie.desk.contacts.actions import store_raw

    box, client = mailbox
    raw = store_raw(channel="email", source="smtp", payload=mail(7),
                    meta={"rcpt_tos": ["support@ondes.example"]})
    intake.ingest(raw, intake.deliveries_for(["support@ondes.example"]))
    client.append("INBOX", mail(7))
    imap.poll(box)
    assert Message.objects.count() == 1


def test_roadie_imap_poll_once(mailbox, capsys):
    from roadie.cli import main

    box, client = mailbox
    client.append("INBOX", mail(1))
    assert main(["imap-poll", "--once", "--mailbox", str(box.pk)]) == 0
    assert f"mailbox {box.pk}: 1 new" in capsys.readouterr().out
    Mailbox.objects.filter(pk=box.pk).update(password="wrong")
    assert main(["imap-poll", "--once", "--mailbox", str(box.pk)]) == 1
    assert "AUTHENTICATIONFAILED" in Mailbox.objects.get(pk=box.pk).last_error


def test_a_reachable_mailbox_that_receives_nothing_can_alert(mailbox):
    box, client = mailbox
    Mailbox.objects.filter(pk=box.pk).update(quiet_alert_minutes=120)
    client.append("INBOX", mail(1))
    imap.poll(box)
    assert imap.mailbox_alerts() == []
    box.refresh_from_db()
    later = box.last_mail_at + timedelta(minutes=121)
    Mailbox.objects.filter(pk=box.pk).update(last_success_at=later)
    [alert] = imap.mailbox_alerts(now=later)
    assert alert.reason == "reachable, but no new mail arrives"


def test_history_before_since_is_not_filed(mailbox):
    box, client = mailbox
    since = timezone.now() - timedelta(hours=1)
    client.append("INBOX", mail(1), msg_time=since - timedelta(days=2000))
    client.append("INBOX", mail(2), msg_time=since - timedelta(minutes=1))
    client.append("INBOX", mail(3))
    Mailbox.objects.filter(pk=box.pk).update(since=since)
    assert imap.poll(box).filed == 1
    assert subjects() == ["Question 3"]
    box.refresh_from_db()
    assert box.last_uid == 3


def test_a_message_too_large_to_import_becomes_a_flagged_contact(mailbox, settings):
    box, client = mailbox
    settings.ROADIE_MAIL_MAX_BYTES = 2000
    client.append("INBOX", mail(1))
    client.append("INBOX", mail(2).replace(b"\r\n\r\n", b"\r\n\r\n" + b"x" * 3000 + b"\r\n", 1))
    client.append("INBOX", mail(3))
    assert imap.poll(box).filed == 3
    big = Contact.objects.get(flagged=True)
    assert big.subject == "Question 2" and "too large to import" in big.flag_reason
    assert "UID 2" in big.flag_reason
    raw = RawInbound.objects.get(contact=big)
    assert raw.meta["size"] > 3000 and len(bytes(raw.payload)) < 1000  # the header only
    assert Contact.objects.filter(flagged=False).count() == 2

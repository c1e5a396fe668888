"""Replies out over SMTP through a local relay (aiosmtpd): headers for threading, the brand
address written to, permanent refusals recorded, temporary failures retried with the same
Message-ID, no relay configured."""

from __future__ import annotations

import email
from email import policy

from roadie.connectors.email import intake
from roadie.connectors.email.models import OutboundMail, OutboundStatus
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import Direction, Message
from roadie.desk.contacts.tasks import deliver_message


def deliver(payload: bytes, to: str = "contact@maison-lune.example"):
    raw = store_raw(channel="email", source="smtp", payload=payload, meta={"rcpt_tos": [to]})
    [contact] = intake.ingest(raw, intake.deliveries_for([to]))
    return contact


def customer_mail(mid: str, *, sender="amelie@customers.example", extra="") -> bytes:
    return (f"From: Amélie <{sender}>\r\nTo: contact@maison-lune.example\r\nSubject: Vase cassé\r\n"
            f"Message-ID: <{mid}>\r\n{extra}\r\nBonjour\r\n").encode()


def answer(contact, body="Bonjour, c'est noté.") -> Message:
    """An agent's reply as the desk stores it (the worker then sends it)."""
    return Message.objects.create(contact=contact, direction=Direction.OUTBOUND, body=body)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_replies_thread_and_come_from_the_address_written_to(brands, relay):
    contact = deliver(customer_mail("c1@customers.example"))
    first = answer(contact)
    deliver_message.call(first.pk)
    sender, rcpts, raw = relay.received[0]
    mail = parsed(raw)
    assert sender == "contact@maison-lune.example" and rcpts == ["amelie@customers.example"]
    assert mail["From"].addresses[0].addr_spec == "contact@maison-lune.example"
    assert mail["Subject"] == f"Re: Vase cassé [#{contact.pk}]"
    assert mail["In-Reply-To"] == "<c1@customers.example>"
    first.refresh_from_db()
    assert mail["Message-ID"] == f"<{first.external_id}>" and first.delivered_at

    # The customer answers our reply; our second reply carries the whole chain.
    again = deliver(customer_mail("c2@customers.example", extra=f"In-Reply-To: <{first.external_id}>\r\n"))
    assert again.pk == contact.pk
    second = answer(contact, "Le vase part demain.")
    deliver_message.call(second.pk)
    mail = parsed(relay.received[1][2])
    assert mail["In-Reply-To"] == "<c2@customers.example>"
    assert mail["References"].split() == ["<c1@customers.example>", f"<{first.external_id}>",
                                          "<c2@customers.example>"]
    assert mail["Subject"].count(f"[#{contact.pk}]") == 1


def test_permanent_refusal_is_recorded_not_retried(brands, relay):
    from django_tasks_db.models import DBTaskResult

    relay.answer = "550 5.1.1 no such user"
    contact = deliver(customer_mail("r1@customers.example"))
    message = answer(contact)
    deliver_message.call(message.pk)
    outbound = OutboundMail.objects.get(message=message)
    assert outbound.status == OutboundStatus.REFUSED and "550" in outbound.reason
    assert not DBTaskResult.objects.exists()


def test_temporary_failure_is_retried_with_the_same_message_id(brands, relay, settings):
    import socket

    from django_tasks_db.models import DBTaskResult

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    contact = deliver(customer_mail("t1@customers.example"))
    message = answer(contact)
    relay_port = settings.ROADIE_SMTP_PORT
    settings.ROADIE_SMTP_PORT = closed_port  # the relay is down
    deliver_message.call(message.pk)
    assert DBTaskResult.objects.count() == 1  # tried again later by the worker
    msgid = OutboundMail.objects.get(message=message).msgid
    settings.ROADIE_SMTP_PORT = relay_port
    deliver_message.call(message.pk, 2)
    assert parsed(relay.received[0][2])["Message-ID"] == f"<{msgid}>"
    assert OutboundMail.objects.get(message=message).status == OutboundStatus.SENT


def test_no_relay_configured_holds_the_reply(brands, settings):
    settings.ROADIE_SMTP_HOST = ""
    contact = deliver(customer_mail("h1@customers.example"))
    message = answer(contact)
    deliver_message.call(message.pk)
    assert OutboundMail.objects.get(message=message).status == OutboundStatus.HELD


def test_a_customer_without_address_is_not_written_to(brands, relay):
    contact = deliver(b"Subject: anonymous\r\nMessage-ID: <anon@x>\r\n\r\nhello\r\n")
    message = answer(contact)
    deliver_message.call(message.pk)
    assert OutboundMail.objects.get(message=message).status == OutboundStatus.SKIPPED
    assert relay.received == []


def test_a_bounce_of_our_reply_returns_to_its_conversation(brands, relay):
    contact = deliver(customer_mail("b1@customers.example"))
    message = answer(contact)
    deliver_message.call(message.pk)
    msgid = OutboundMail.objects.get(message=message).msgid
    bounce = (
        "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.customers.example\r\n"
        "To: contact@maison-lune.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-b1@mx.customers.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; amelie@customers.example\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: contact@maison-lune.example\r\nMessage-ID: <{msgid}>\r\nSubject: Re: Vase\r\n\r\n"
        "--b--\r\n"
    ).encode()
    returned = deliver(bounce)
    assert returned.pk == contact.pk  # the agent sees it in the conversation
    outbound = OutboundMail.objects.get(message=message)
    assert outbound.status == OutboundStatus.BOUNCED
    assert "mailer-daemon@mx.customers.example" in outbound.reason
    # Answering now would write to a mail system, not a person: not sent.
    again = answer(contact, "Nouvel essai")
    deliver_message.call(again.pk)
    assert OutboundMail.objects.get(message=again).status == OutboundStatus.SKIPPED
    assert len(relay.received) == 1
    # A bounce naming no reply of ours starts its own (marked) contact.
    stranger = deliver(bounce.replace(msgid.encode(), b"unknown@elsewhere").replace(b"bounce-b1", b"bounce-b2"))
    assert stranger.pk != contact.pk


def test_made_up_ids_are_not_sent_out(brands, relay):
    contact = deliver(b"From: amelie@customers.example\r\nSubject: sans id\r\n\r\nBonjour\r\n")
    assert contact.messages.get().external_id.startswith("sha256:")
    message = answer(contact)
    deliver_message.call(message.pk)
    mail = parsed(relay.received[0][2])
    assert mail["In-Reply-To"] is None and mail["References"] is None
    assert mail["Subject"] == f"Re: sans id [#{contact.pk}]"

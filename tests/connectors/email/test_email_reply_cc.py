"""Replies keep the Cc: the agent sees whom the customer copied (as the brand's masking
allows), keeps them ticked as a mail client's "reply all" does or unticks them, and the mail
goes through a real SMTP relay (aiosmtpd) to the real addresses, Cc header included."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from roadie.connectors.email.models import OutboundMail
from roadie.desk.contacts.models import Direction, Message
from roadie.desk.contacts.tasks import deliver_message

MAIL = ("From: Amélie <amelie@customers.example>\r\nTo: support@maison-lune.example\r\n"
        "Cc: Paul Mari <paul@customers.example>, \"Service juridique\" <juridique@avocats.example>,"
        " contact@maison-lune.example, AMELIE@customers.example\r\n"
        "Subject: Canapé abîmé\r\nMessage-ID: <rcc-1@customers.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je mets mon mari en copie.\r\n").encode()


@pytest.fixture
def handled(handled_mail):
    def make(mail: bytes = MAIL):
        contact, _, client = handled_mail(mail)
        return contact, client
    return make


def cc_boxes(html: str) -> list[tuple[str, str]]:
    """(token, label shown) of each Cc checkbox of the reply form, in order."""
    return re.findall(r'<input type="checkbox" name="cc" value="([0-9a-f]+)" checked> ([^<]*)</label>', html)


def sent(relay) -> tuple[list[str], email.message.EmailMessage]:
    _, rcpts, raw = relay.received[-1]
    return rcpts, email.message_from_bytes(raw, policy=policy.default)


def test_reply_all_by_default_reaches_everyone_copied(handled, relay):
    contact, client = handled()
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    boxes = cc_boxes(page)
    # Neither the brand's own addresses nor the customer are offered as copies.
    assert [shown for _, shown in boxes] == ["paul@customers.example", "juridique@avocats.example"]
    response = client.post(f"/desk/contacts/{contact.pk}/reply", {
        "body": "Bonjour à tous, le canapé est remplacé.", "cc_choice": "1", "cc": [t for t, _ in boxes]})
    assert response.status_code == 302
    reply = Message.objects.get(contact=contact, direction=Direction.OUTBOUND)
    deliver_message.call(reply.pk)
    rcpts, mail = sent(relay)
    assert rcpts == ["amelie@customers.example", "paul@customers.example", "juridique@avocats.example"]
    assert [a.addr_spec for a in mail["Cc"].addresses] == ["paul@customers.example", "juridique@avocats.example"]
    assert [a.addr_spec for a in mail["To"].addresses] == ["amelie@customers.example"]
    # The conversation shows whom the reply copied.
    thread = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    assert "Cc: paul@customers.example, juridique@avocats.example" in thread


def test_an_unticked_person_is_not_copied(handled, relay):
    contact, client = handled()
    boxes = cc_boxes(client.get(f"/desk/contacts/{contact.pk}/").content.decode())
    paul = next(t for t, shown in boxes if shown.startswith("paul"))
    client.post(f"/desk/contacts/{contact.pk}/reply", {"body": "Réponse", "cc_choice": "1", "cc": [paul]})
    deliver_message.call(Message.objects.get(contact=contact, direction=Direction.OUTBOUND).pk)
    rcpts, mail = sent(relay)
    assert rcpts == ["amelie@customers.example", "paul@customers.example"]
    assert mail["Cc"] == "paul@customers.example"
    # Nobody ticked: no Cc header at all.
    client.post(f"/desk/contacts/{contact.pk}/reply", {"body": "Seule", "cc_choice": "1"})
    second = Message.objects.filter(contact=contact, direction=Direction.OUTBOUND).latest("pk")
    deliver_message.call(second.pk)
    rcpts, mail = sent(relay)
    assert rcpts == ["amelie@customers.example"] and mail["Cc"] is None


def test_masked_addresses_stay_off_the_page_but_the_mail_reaches_them(handled, relay, brands):
    lune = brands["lune"]
    type(lune).objects.filter(pk=lune.pk).update(masked_fields=["email"])
    contact, client = handled()
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "paul@customers.example" not in page and "juridique@avocats.example" not in page
    boxes = cc_boxes(page)
    assert len(boxes) == 2
    client.post(f"/desk/contacts/{contact.pk}/reply", {"body": "Réponse", "cc_choice": "1",
                                                        "cc": [t for t, _ in boxes]})
    deliver_message.call(Message.objects.get(contact=contact, direction=Direction.OUTBOUND).pk)
    rcpts, _ = sent(relay)
    assert rcpts == ["amelie@customers.example", "paul@customers.example", "juridique@avocats.example"]
    thread = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    assert "Cc:" in thread and "paul@customers.example" not in thread


def test_a_choice_that_is_not_a_copied_person_writes_nothing(handled):
    contact, client = handled()
    response = client.post(f"/desk/contacts/{contact.pk}/reply",
                           {"body": "Réponse", "cc_choice": "1", "cc": ["0123456789abcdef0123"]}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert "Copie à : ne mettez en copie que les personnes que le client a mises en copie" in response.content.decode()
    response = client.post(f"/desk/contacts/{contact.pk}/reply",
                           {"body": "Réponse", "cc_choice": "1", "cc": ["0123456789abcdef0123"]}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Copy to: copy only people the customer copied" in response.content.decode()
    assert not Message.objects.filter(contact=contact, direction=Direction.OUTBOUND).exists()
    assert not OutboundMail.objects.exists()


def test_a_recipient_the_relay_refuses_is_recorded_the_others_get_it(handled, relay):
    contact, client = handled(MAIL.replace(b"juridique@avocats.example", b"refused@avocats.example"))
    client.post(f"/desk/contacts/{contact.pk}/reply", {"body": "Réponse"})  # no choice sent: reply-all
    reply = Message.objects.get(contact=contact, direction=Direction.OUTBOUND)
    deliver_message.call(reply.pk)
    rcpts, mail = sent(relay)
    assert rcpts == ["amelie@customers.example", "paul@customers.example"]
    assert "refused@avocats.example" in mail["Cc"]
    outbound = OutboundMail.objects.get(message=reply)
    assert outbound.status == "sent" and "refused@avocats.example refused: 550" in outbound.reason


def test_the_api_replies_all_unless_told_not_to(handled, relay, api_client):
    contact, _ = handled()
    contact.refresh_from_db()
    api = api_client(contact.agent.user)
    response = api.post(f"/api/contacts/{contact.pk}/replies", {"body": "Pour tous"}, content_type="application/json")
    assert response.status_code == 201, response.content
    deliver_message.call(response.json()["id"])
    assert sent(relay)[0] == ["amelie@customers.example", "paul@customers.example", "juridique@avocats.example"]
    response = api.post(f"/api/contacts/{contact.pk}/replies", {"body": "Pour vous", "cc": False},
                        content_type="application/json")
    deliver_message.call(response.json()["id"])
    assert sent(relay)[0] == ["amelie@customers.example"]

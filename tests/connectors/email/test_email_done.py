"""End to end: a mail sent with swaks to a demo brand address becomes a contact routed to an
agent, whose reply (sent by the real worker over SMTP) arrives in the customer's real IMAP
mailbox, threaded under the original.

The outbound relay is a local aiosmtpd server that delivers each mail into the recipient's
Dovecot mailbox by IMAP APPEND (Debian's dovecot-imapd has no LMTP)."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from roadie.connectors.email.models import OutboundMail, OutboundStatus
from roadie.desk.agents.models import Agent
from roadie.desk.contacts.actions import reply
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.demo.data import load_demo
from roadie.desk.routing.actions import accept_offer, set_presence
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer

DATA = Path(__file__).parent / "data"
CUSTOMER = "amelie@customers.example"

pytestmark = pytest.mark.django_db(transaction=True)


class AppendToDovecot:
    """An SMTP relay that files each message in the recipient's Dovecot INBOX."""

    def __init__(self, dovecot) -> None:
        self.dovecot = dovecot
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            client = self.dovecot.client(rcpt)
            client.append("INBOX", envelope.original_content)
            client.logout()
        self.received.append(envelope.original_content)
        return "250 OK delivered to IMAP"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def relay(dovecot, settings, closed_port):
    handler = AppendToDovecot(dovecot)
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port)
    controller.start()
    settings.ROADIE_SMTP_HOST, settings.ROADIE_SMTP_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


def route_to_camille(contact: Contact) -> Agent:
    agent = Agent.objects.select_related("user").get(user__username="camille")
    set_presence(agent, "available")
    assert tick() == 1
    offer = Offer.objects.get(contact=contact)
    assert offer.agent_id == agent.pk
    accept_offer(agent.user, offer.pk)
    return agent


def headers(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_mail_to_a_demo_brand_is_routed_answered_and_threaded_in_imap(smtpd, send, dovecot, relay):
    load_demo(agents=3)
    customer, password = dovecot.add_user(CUSTOMER)
    sent = send(smtpd, "--to", "support@maison-lune.example", "--from", customer,
                "--data", str(DATA / "qp_rfc2047.eml"))
    assert sent.code == 0, sent.output
    contact = Contact.objects.get()
    assert contact.brand.slug == "maison-lune" and contact.status == Status.QUEUED

    agent = route_to_camille(contact)
    reply(agent.user, contact, body="Bonjour Amélie, un nouveau vase part aujourd'hui.")
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)  # the real worker

    [out] = relay.received
    mail = headers(out)
    outbound = OutboundMail.objects.get()
    assert outbound.status == OutboundStatus.SENT
    assert mail["Message-ID"] == f"<{outbound.msgid}>"
    assert mail["In-Reply-To"] == "<qp-1@customers.example>"
    assert "<qp-1@customers.example>" in mail["References"]
    assert mail["Subject"] == f"Re: Commande n°42 : colis abîmé [#{contact.pk}]"
    assert mail["From"].addresses[0].addr_spec == "support@maison-lune.example"

    # In the customer's real mailbox (with their own copy of what they sent), the server
    # itself threads the reply under the original.
    client = dovecot.client(customer, password)
    client.append("INBOX", (DATA / "qp_rfc2047.eml").read_bytes())
    client.select_folder("INBOX")
    [reply_uid] = client.search(["HEADER", "In-Reply-To", "qp-1@customers.example"])
    [original_uid] = client.search(["HEADER", "Message-ID", "qp-1@customers.example"])
    threads = client.thread(algorithm="REFERENCES")
    assert (original_uid, reply_uid) in [tuple(t) for t in threads], threads
    fetched = client.fetch([reply_uid], ["BODY.PEEK[]"])[reply_uid][b"BODY[]"]
    assert "un nouveau vase part aujourd'hui" in headers(fetched).get_content()
    client.logout()

    # The customer answers from their mail client: the answer joins the same contact.
    answer = send(smtpd, "--to", "support@maison-lune.example", "--from", customer,
                  "--header", f"In-Reply-To: <{outbound.msgid}>",
                  "--header", f"Subject: {mail['Subject']}", "--body", "Merci beaucoup !")
    assert answer.code == 0, answer.output
    assert Contact.objects.count() == 1
    assert contact.messages.count() == 3


def test_automatic_mail_is_never_answered(smtpd, send, dovecot, relay):
    load_demo(agents=3)
    sent = send(smtpd, "--to", "support@maison-lune.example", "--from", "",
                "--data", str(DATA / "out_of_office.eml"))
    assert sent.code == 0, sent.output
    contact = Contact.objects.get()
    agent = route_to_camille(contact)
    reply(agent.user, contact, body="Bonjour !")
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    outbound = OutboundMail.objects.get()
    assert outbound.status == OutboundStatus.SKIPPED and "automatic" in outbound.reason
    assert relay.received == []

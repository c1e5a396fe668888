"""The masking scan: every byte an agent of a masking brand can fetch (pages, panels, API
answers, live events) is searched for every masked value, structured or typed as free text
(card numbers, IBANs, phones, emails), in every format a customer may write it. Users allowed
to see the data (a supervisor, the brand's own users) still get the originals."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from django.test import Client

from roadie.connectors.email import intake
from roadie.connectors.email.models import OutboundMail, OutboundStatus
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts import actions
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, store_raw
from roadie.desk.live.lib import events_after, topics_for
from roadie.desk.live.models import LiveEvent
from roadie.desk.routing.actions import accept_offer, make_offer
from roadie.desk.web.views_live import frame

pytestmark = pytest.mark.django_db

EMAIL = "marie.secret@example.org"
PHONE = "+33 6 12 34 56 78"
PAN = "4539 5787 6362 1486"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
ADDRESS = "12 rue des Secrets, 75011 Paris"
CHAT_TEXT = (f"ma carte {PAN}, exp 12/28 et mon portable 06 12 34 56 78, "
             f"IBAN {IBAN}, écrivez-moi à {EMAIL}")

# Every way a masked value could leak, normalised: digits only for numbers.
FORBIDDEN_TEXT = [EMAIL, "marie.secret", ADDRESS, "rue des Secrets"]
FORBIDDEN_DIGITS = ["4539578763621486", "453957876362", "612345678", "30006000011234567890189",
                    "0112345678901"]


def leaks(body: str) -> list[str]:
    """The masked values found in ``body`` (HTML entities and JSON escapes decoded)."""
    import html

    text = html.unescape(body)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    found = [v for v in FORBIDDEN_TEXT if v.lower() in text.lower()]
    # Digits of the page joined within short runs (separators: space, dot, dash, nbsp).
    runs = ["".join(re.findall(r"\d", m)) for m in re.findall(r"[\d][\d \.\-\u00a0/()+]*", text)]
    found += [d for d in FORBIDDEN_DIGITS if any(d in r for r in runs)]
    return found


def mail_with_html_and_attachment() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Marie <{EMAIL}>"
    mail["Reply-To"] = EMAIL
    mail["To"] = "support@secret.example"
    mail["Subject"] = f"Rappelez-moi au {PHONE}"
    mail["Message-ID"] = "<m1@example.org>"
    mail.set_content(f"Ma carte {PAN}.")
    mail.add_alternative(f"<p>Ma carte <b>4539</b> 5787 6362 &#49;&#52;&#56;&#54;, "
                         f"IBAN {IBAN}, tel&nbsp;06&nbsp;12&nbsp;34&nbsp;56&nbsp;78, "
                         f"<a href='mailto:{EMAIL}'>{EMAIL}</a></p>", subtype="html")
    mail.add_attachment(b"%PDF-1.4 hello", maintype="application", subtype="pdf",
                        filename="releve 06 12 34 56 78.pdf")
    return mail.as_bytes()


@pytest.fixture
def world(make_brand, make_agent, make_user):
    brand = make_brand(slug="secret", masked=("email", "phone", "payment", "address"),
                       channels=("chat", "email"))
    Channel.objects.create(brand=brand, kind=ChannelKind.EMAIL, address="support@secret.example")
    agent = make_agent(brands=[brand], presence="available", capacity=10)
    contacts = []
    chat, _, _ = receive(Inbound(
        brand=brand, channel="chat", body=CHAT_TEXT, subject=CHAT_TEXT[:80],
        customer=CustomerData(name=f"Marie {PHONE}", email=EMAIL, phone=PHONE, address=ADDRESS),
        external_id="chat-1"))
    actions.add_customer_message(chat, body=f"ou au 0612345678, ou {PAN.replace(' ', '-')}")
    contacts.append(chat)
    deliveries = intake.deliveries_for(["support@secret.example"])
    raw = store_raw(channel="email", source="smtp", payload=mail_with_html_and_attachment(),
                    meta={"rcpt_tos": ["support@secret.example"]})
    [mail] = intake.ingest(raw, deliveries)
    contacts.append(mail)
    unreadable = (f"From: Marie <{EMAIL}>\r\nReply-To: {PHONE}\r\nReceived: from host\r\n"
                  f"Subject: carte {PAN}\r\n\r\n" + "x" * 300).encode()
    raw = store_raw(channel="email", source="smtp", payload=unreadable,
                    meta={"rcpt_tos": ["support@secret.example"]})
    [flagged] = intake.flag(raw, deliveries, "larger than the limit")
    contacts.append(flagged)
    for contact in contacts:
        offer = make_offer(contact_id=contact.pk, agent_id=agent.pk)
        accept_offer(agent.user, offer.pk)
    reply = actions.reply(agent.user, mail, body="Nous vous rappelons.")
    OutboundMail.objects.update_or_create(message=reply, defaults={
        "msgid": "r1@secret.example", "from_address": "support@secret.example",
        "to_address": EMAIL, "status": OutboundStatus.REFUSED,
        "reason": f"550 5.1.1 <{EMAIL}>: Recipient address rejected"})
    LiveEvent.objects.create(topic=f"agent:{agent.pk}", kind="contact.note",
                             payload={"text": CHAT_TEXT})
    return {"brand": brand, "agent": agent, "contacts": contacts,
            "supervisor": make_user(role="supervisor"),
            "brand_user": make_user(role="brand", brand=brand)}


def agent_bytes(world, api_client) -> dict[str, str]:
    user = world["agent"].user
    page = Client()
    page.force_login(user)
    api = api_client(user)
    got = {}
    for url in ("/desk/", "/desk/panel"):
        got[url] = page.get(url).content.decode()
    got["/api/contacts"] = api.get("/api/contacts").content.decode()
    got["/api/agents/me/offers"] = api.get("/api/agents/me/offers").content.decode()
    for c in world["contacts"]:
        for url in (f"/desk/contacts/{c.pk}/", f"/desk/contacts/{c.pk}/messages"):
            response = page.get(url)
            assert response.status_code == 200, url
            got[url] = response.content.decode()
        got[f"/api/contacts/{c.pk}"] = api.get(f"/api/contacts/{c.pk}").content.decode()
    from roadie.desk.contacts.access import live_redaction_kinds

    kinds = live_redaction_kinds(user)
    got["/events"] = "".join(frame(e, kinds) for e in events_after(0, topics_for(user), limit=10_000))
    return got


def test_no_masked_value_reaches_an_agent_in_any_byte(world, api_client):
    got = agent_bytes(world, api_client)
    found = {url: leaks(body) for url, body in got.items() if leaks(body)}
    assert found == {}
    # The agent still sees that something was there, and which card.
    conversation = got[f"/desk/contacts/{world['contacts'][0].pk}/messages"]
    assert "•••• 1486" in conversation and "•• •• •• •• ••" in conversation
    assert "•••• (IBAN)" in conversation and "•••@•••" in conversation
    flagged = got[f"/desk/contacts/{world['contacts'][2].pk}/messages"]
    assert "Received:" not in flagged and "hidden by the brand" in flagged
    assert "releve" in got[f"/desk/contacts/{world['contacts'][1].pk}/messages"]
    assert "Recipient address rejected" in got[f"/desk/contacts/{world['contacts'][1].pk}/messages"]


def test_the_scan_would_catch_a_leak(world, api_client, settings):
    """The same scan, with the brand masking nothing, finds every value: it can fail."""
    world["brand"].masked_fields = []
    world["brand"].save()
    got = agent_bytes(world, api_client)
    found = set().union(*(leaks(b) for b in got.values()))
    assert set(FORBIDDEN_DIGITS) <= found and EMAIL in found


@pytest.mark.parametrize("who", ["supervisor", "brand_user"])
def test_those_allowed_see_the_originals(world, api_client, who):
    api = api_client(world[who])
    chat, mail, flagged = world["contacts"]
    data = api.get(f"/api/contacts/{chat.pk}").json()
    assert data["messages"][0]["body"] == CHAT_TEXT and data["subject"] == CHAT_TEXT[:80]
    assert data["customer"]["phone"] == PHONE
    raw_view = api.get(f"/api/contacts/{flagged.pk}").json()["messages"][0]["body"]
    assert "Received: from host" in raw_view


def test_conversation_reads_are_audited(world, api_client):
    from roadie.desk.audit.models import AuditEntry

    chat = world["contacts"][0]
    api_client(world["agent"].user).get(f"/api/contacts/{chat.pk}")
    page = Client()
    page.force_login(world["agent"].user)
    page.get(f"/desk/contacts/{chat.pk}/messages")
    reads = AuditEntry.objects.filter(action="conversation.read", object_id=str(chat.pk),
                                      user=world["agent"].user)
    assert sorted(reads.values_list("via", flat=True)) == ["api", "page"]

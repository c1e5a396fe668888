"""The email side of the agent's reply (``roadie.desk.contacts.composer``): whom the customer
copied and whether to copy them again, as a mail client's "reply all" does.

The page never carries a Cc address the brand masks: each candidate is named by a token (an
HMAC of the contact and the address) and shown redacted for the reader; the mail goes to the
real addresses, looked up again when the reply is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from roadie.connectors.email import outbound
from roadie.connectors.email.models import InboundMail
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.access import redact_for
from roadie.desk.contacts.composer import Composer, ReplyExtras, ReplyRefused
from roadie.desk.contacts.models import Contact, Direction


def cc_candidates(contact: Contact) -> list[str]:
    """The Cc of the customer's last mail, without the brand's own addresses nor the customer."""
    last = (InboundMail.objects.filter(message__contact=contact, message__direction=Direction.INBOUND)
            .order_by("-message__created_at", "-message__pk").only("cc", "to_address").first())
    if last is None or not last.cc:
        return []
    own = {a.lower() for a in Channel.objects.filter(brand_id=contact.brand_id, kind=ChannelKind.EMAIL)
           .exclude(address="").values_list("address", flat=True)}
    own |= {last.to_address.lower(), (contact.customer.email or "").lower()}
    return [a for a in dict.fromkeys(a.lower() for a in last.cc) if a and a not in own]


def cc_token(contact: Contact, address: str) -> str:
    return salted_hmac("roadie.email.cc", f"{contact.pk}:{address.lower()}").hexdigest()[:20]


@dataclass(frozen=True)
class Prepared:
    cc: list[str]


class EmailReply:
    """Registered for the email channel in ``EmailConfig.ready``."""

    def composer(self, user, contact: Contact) -> Composer:
        cc = [{"token": cc_token(contact, a), "shown": redact_for(user, contact.brand, a)}
              for a in cc_candidates(contact)]
        return Composer("roadie_email/_composer.html", {"cc": cc})

    def prepare(self, user, contact: Contact, extras: ReplyExtras) -> Prepared:
        candidates = cc_candidates(contact)
        if extras.copy is None:
            return Prepared(cc=candidates)
        by_token = {cc_token(contact, a): a for a in candidates}
        unknown = [t for t in extras.copy if t not in by_token]
        if unknown:
            raise ReplyRefused("cc", "copy only people the customer copied (unknown choice "
                               f"{unknown[0][:24]!r}; reload the contact)")
        return Prepared(cc=[by_token[t] for t in dict.fromkeys(extras.copy)])

    def store(self, message, prepared: Prepared) -> None:
        outbound.prepare(message, cc=prepared.cc)

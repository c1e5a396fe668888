"""Who a visitor is: the trust rule for identities typed into public forms.

A visitor of the chat widget, the offline form or the video form types a name and an email:
anyone can type anyone's address. So such a visitor is a *new, unverified* customer
(``Customer.verified = False``) and is never matched to the brand's existing customer with
that address (whose stored data and history an agent would then show them). Two things make
the claim trusted:

- the brand's signed identity token, from the brand's own site where the visitor is logged
  in (as chat products do): ``{"email", "expires", "signature"}`` where ``signature`` is
  ``HMAC-SHA256(secret, lower(email) + "\\n" + expires)`` in hex, ``expires`` a Unix time, and
  ``secret`` the channel's ``config["identity_secret"]``. A valid, unexpired token makes the
  visitor that customer at once;
- a confirmation link mailed to the typed address (``/identity/confirm/<token>``, signed,
  valid ``CONFIRM_MAX_AGE``): opening it moves the visitor's contacts to the brand's customer
  with that address (or marks the visitor verified when there is none).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from roadie.desk.contacts.models import Contact, Customer

log = logging.getLogger("roadie.identity")

CONFIRM_SALT = "roadie.identity.confirm"
CONFIRM_MAX_AGE = timedelta(days=3)


def signature(secret: str, *, email: str, expires: int) -> str:
    """The signature a brand's site computes for one of its logged-in customers."""
    message = f"{email.strip().lower()}\n{int(expires)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def vouched_email(config: dict | None, identity) -> str:
    """The email a brand's signed identity token vouches for, or "" (absent, malformed,
    expired, wrong signature, or no secret configured for the channel)."""
    secret = (config or {}).get("identity_secret") or ""
    if not secret or not isinstance(identity, dict):
        return ""
    email, expires, sig = identity.get("email"), identity.get("expires"), identity.get("signature")
    if not (isinstance(email, str) and isinstance(sig, str) and type(expires) is int):
        return ""
    if not email or len(email) > 254 or "@" not in email or expires < time.time():
        return ""
    if not hmac.compare_digest(signature(secret, email=email, expires=expires), sig):
        log.warning("identity token with a wrong signature for a visitor claiming %s", email)
        return ""
    return email.strip().lower()


def created_unverified(customer: Customer) -> None:
    """A visitor typed an address: mail them the confirmation link once this commits."""
    if not customer.email:
        return
    from roadie.desk.contacts.tasks import send_identity_confirmation

    pk = customer.pk
    transaction.on_commit(lambda: send_identity_confirmation.enqueue(pk))


def confirmation_token(customer: Customer) -> str:
    return signing.dumps({"c": customer.pk, "e": customer.email.lower()}, salt=CONFIRM_SALT)


def confirmation_url(customer: Customer) -> str:
    base = getattr(settings, "ROADIE_PUBLIC_URL", "").rstrip("/")
    return f"{base}/identity/confirm/{confirmation_token(customer)}"


class ConfirmError(Exception):
    """The link is not valid (tampered, expired, or already used)."""


def confirm(token: str) -> Customer:
    """Open a confirmation link: the visitor is the brand's customer with that address."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature as exc:
        raise ConfirmError("this link is not valid or has expired") from exc
    with transaction.atomic():
        visitor = (Customer.objects.select_for_update()
                   .filter(pk=data.get("c"), email__iexact=data.get("e", ""), verified=False).first())
        if visitor is None:
            raise ConfirmError("this link was already used")
        known = (Customer.objects.filter(brand=visitor.brand_id, verified=True,
                                         email__iexact=visitor.email).order_by("pk").first())
        if known is None:
            try:
                with transaction.atomic():
                    Customer.objects.filter(pk=visitor.pk).update(verified=True)
                visitor.verified = True
                return visitor
            except IntegrityError:  # that customer was made meanwhile: join them
                known = (Customer.objects.filter(brand=visitor.brand_id, verified=True,
                                                 email__iexact=visitor.email).order_by("pk").first())
                if known is None:
                    raise
        moved = Contact.objects.filter(customer=visitor).update(customer=known)
        visitor.delete()
        log.info("visitor confirmed %s: %d contact(s) joined customer %s", known.email, moved, known.pk)
        return known

"""Background work on contacts (run by ``roadie worker``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from roadie.desk.contacts.models import Message

log = logging.getLogger("roadie.contacts")

# Channel name -> callable(message) that sends an outbound message; connectors register here.
SENDERS: dict = {}

# A failed send is tried again later, with a growing delay, this many times in all.
MAX_ATTEMPTS = 6


def retry_delay(attempt: int) -> timedelta:
    """Delay before attempt ``attempt + 1``: 10 s, 20 s, 40 s... at most 10 minutes."""
    return timedelta(seconds=min(10 * 2 ** (attempt - 1), 600))


@task()
def deliver_message(message_id: int, attempt: int = 1) -> None:
    message = Message.objects.select_related("contact__brand").get(pk=message_id)
    if message.delivered_at:
        return
    sender = SENDERS.get(message.contact.channel)
    if sender is not None:
        try:
            sender(message)
        except Exception as exc:
            permanent = bool(getattr(exc, "permanent", False))
            if permanent or attempt >= MAX_ATTEMPTS:
                why = "refused for good" if permanent else f"failed {attempt} times"
                log.error("message %s not delivered (%s): %s", message_id, why, exc)
                _failed(message, reason=str(exc), permanent=permanent, attempts=attempt)
                if permanent:
                    return
                raise
            delay = retry_delay(attempt)
            log.warning("message %s not sent (attempt %d): %s; next try in %s", message_id, attempt,
                        exc, delay)
            deliver_message.using(run_after=timezone.now() + delay).enqueue(message_id, attempt + 1)
            return
    # Channels without a sender (API, chat widget) read replies from roadie itself.
    Message.objects.filter(pk=message.pk).update(delivered_at=timezone.now(), failed_at=None,
                                                 delivery_error="")


def _failed(message: Message, *, reason: str, permanent: bool, attempts: int) -> None:
    """The final failure, on the message (the agent's conversation, the API) and in the
    contact's history; the agents following the contact hear of it."""
    from roadie.desk.contacts.models import ContactEvent, EventKind
    from roadie.desk.live.actions import publish_contact_change

    contact = message.contact
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(failed_at=timezone.now(), delivery_error=reason[:1000])
        ContactEvent.objects.create(contact=contact, kind=EventKind.NOT_DELIVERED,
                                    detail={"message": message.pk, "permanent": permanent,
                                            "attempts": attempts, "reason": reason[:300]})
        publish_contact_change(contact, "contact.not_delivered", agent_ids=(contact.agent_id,))


@task()
def send_identity_confirmation(customer_id: int) -> None:
    """Mail the confirmation link to the address a visitor typed (held, and logged, when no
    relay is configured, as in the demo)."""
    from django.conf import settings
    from django.core.mail import send_mail

    from roadie.desk.contacts.identity import confirmation_url
    from roadie.desk.contacts.models import Customer

    customer = Customer.objects.select_related("brand").filter(pk=customer_id, verified=False).first()
    if customer is None or not customer.email:
        return
    url = confirmation_url(customer)
    if not getattr(settings, "EMAIL_HOST", ""):
        log.info("identity confirmation for customer %s held (no relay): %s", customer.pk, url)
        return
    send_mail(
        subject=f"{customer.brand.name} : confirmez votre adresse / confirm your address",
        message=(f"Bonjour,\n\nPour que {customer.brand.name} retrouve votre dossier, confirmez "
                 f"votre adresse :\n{url}\n\nTo let {customer.brand.name} find your file, confirm "
                 f"your address with the link above.\n"),
        from_email=None, recipient_list=[customer.email])


@task()
def wake_snoozed(contact_id: int, until: str) -> str:
    """At the end of a snooze (run by the worker at that time): the contact comes back to the
    agent who snoozed it, or to the queue (``roadie.desk.routing.actions.wake_snoozed``). A
    contact snoozed again, resumed or answered since is left alone; overdue snoozes whose
    own task was lost are woken too."""
    from roadie.desk.routing.actions import wake_due
    from roadie.desk.routing.actions import wake_snoozed as wake

    now = timezone.now()
    result = wake(contact_id, expected_until=until, now=now) or "nothing to do"
    others = wake_due(now=now, ended_by=now - WAKE_LATE)
    if others:
        log.info("woke %d overdue snoozed contact(s)", others)
    return result


# A snooze whose own task has not run this long after its time is woken by another's.
WAKE_LATE = timedelta(minutes=5)


def schedule_wake(contact_id: int, until) -> None:
    """Queue the wake-up for ``until`` once the snooze is committed."""
    from django.db import transaction

    stamp = until.isoformat()
    transaction.on_commit(lambda: wake_snoozed.using(run_after=until).enqueue(contact_id, stamp))

"""Background work on contacts (run by ``roadie worker``)."""

from __future__ import annotations

import logging
from datetime import timedelta

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
            if attempt >= MAX_ATTEMPTS:
                log.error("giving up on message %s after %d attempts: %s", message_id, attempt, exc)
                raise
            delay = retry_delay(attempt)
            log.warning("message %s not sent (attempt %d): %s; next try in %s", message_id, attempt,
                        exc, delay)
            deliver_message.using(run_after=timezone.now() + delay).enqueue(message_id, attempt + 1)
            return
    # Channels without a sender (API, chat widget) read replies from roadie itself.
    Message.objects.filter(pk=message.pk).update(delivered_at=timezone.now())

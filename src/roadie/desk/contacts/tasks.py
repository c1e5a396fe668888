"""Background work on contacts (run by ``roadie worker``)."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from roadie.desk.contacts.models import Message

log = logging.getLogger("roadie.contacts")

# Channel name -> callable(message) that sends an outbound message; connectors register here.
SENDERS: dict = {}


@task()
def deliver_message(message_id: int) -> None:
    message = Message.objects.select_related("contact__brand").get(pk=message_id)
    if message.delivered_at:
        return
    sender = SENDERS.get(message.contact.channel)
    if sender is not None:
        sender(message)  # raises to be retried by the worker
    # Channels without a sender (API, chat widget) read replies from roadie itself.
    Message.objects.filter(pk=message.pk).update(delivered_at=timezone.now())

"""A visitor who closed the chat before anyone answered is not left in the queue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from roadie.connectors.chat.models import ChatSession
from roadie.desk.contacts.actions import abandon
from roadie.desk.contacts.models import Contact, Status

# How long a visitor may be away (a reload, a network change) before the chat is abandoned.
GRACE = timedelta(minutes=2)


@task()
def abandon_if_gone(session_id: int, left_at: str) -> bool:
    """Abandon the session's waiting contact if the visitor has not come back since."""
    session = ChatSession.objects.filter(pk=session_id, left_at__isnull=False).first()
    if session is None or session.contact_id is None or session.left_at.isoformat() != left_at:
        return False
    contact = Contact.objects.filter(pk=session.contact_id, status__in=[Status.QUEUED, Status.OFFERED]).first()
    if contact is None:
        return False
    abandon(contact, reason="the visitor left the chat before an answer")
    return True


def visitor_left(session: ChatSession) -> None:
    now = timezone.now()
    ChatSession.objects.filter(pk=session.pk).update(left_at=now)
    abandon_if_gone.using(run_after=now + GRACE).enqueue(session.pk, now.isoformat())

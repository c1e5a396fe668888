"""A sign-language call-back comes back: once an adviser who signs takes the request, the
customer who asked to be told by email gets the meeting link (in the brand's language)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

log = logging.getLogger("roadie.connectors.video")


def on_contact_event(sender, instance, created, **kwargs) -> None:
    """An adviser accepting a call-back request: mail the link once the answer is committed
    (the first acceptance only: after a transfer the customer already has the link)."""
    from roadie.connectors.voice.models import Call, Callback, Medium
    from roadie.desk.contacts.models import ContactEvent, EventKind

    if not created or instance.kind != EventKind.ACCEPTED:
        return
    call = (Call.objects.filter(contact_id=instance.contact_id, medium=Medium.VIDEO, callback=Callback.EMAIL)
            .values_list("pk", flat=True).first())
    if call is not None and not ContactEvent.objects.filter(
            contact_id=instance.contact_id, kind=EventKind.ACCEPTED).exclude(pk=instance.pk).exists():
        transaction.on_commit(lambda: send_callback_link.enqueue(call))


def page_url(call) -> str:
    base = getattr(settings, "ROADIE_PUBLIC_URL", "").rstrip("/")
    return base + reverse("video-wait", args=[call.contact.brand.slug, call.token])


@task()
def send_callback_link(call_id: int) -> str:
    """Mail the meeting link to the address the customer gave (held, and logged, when no relay
    is configured, as in the demo)."""
    from django.core.mail import send_mail

    from roadie.connectors.voice.models import Call, Callback

    call = Call.objects.select_related("contact__brand", "contact__customer").filter(
        pk=call_id, callback=Callback.EMAIL).first()
    if call is None or not call.contact.customer.email:
        return "nothing to send"
    brand = call.contact.brand
    if not getattr(settings, "EMAIL_HOST", ""):
        log.info("call-back link for call %s held (no relay): %s", call.pk, call.meeting_url)
        return "held"
    with translation.override(brand.default_language or "fr"):
        subject = _("%(brand)s: an adviser who signs is ready for your video call") % {"brand": brand.name}
        body = _("Hello %(name)s,\n\nAn adviser of %(brand)s who signs is ready to call you back by video. "
                 "Join the meeting now:\n%(url)s\n\nYour request: %(page)s\n") % {
            "name": call.contact.customer.name, "brand": brand.name, "url": call.meeting_url,
            "page": page_url(call)}
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[call.contact.customer.email])
    return "sent"

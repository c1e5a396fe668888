"""Background work of self-scheduling: the email of an uncovered-slot offer (the worker sends
it through the operator's SMTP relay, the one replies and identity confirmations use; with no
relay configured, as in the demo, it is held and logged)."""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from django_tasks import task

log = logging.getLogger("roadie.scheduling")


def offer_mail(notice) -> tuple[str, str]:
    """Subject and body of an uncovered-slot offer, in the roadie's language."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    slot = notice.slot
    local = timezone.localtime(slot.starts_at)
    when = date_format(local, "l j F H:i") + "–" + timezone.localtime(slot.ends_at).strftime(
        "%H:%M")
    url = settings.ROADIE_PUBLIC_URL.rstrip("/") + reverse("schedule") + \
        f"?week={slot.day - timezone.timedelta(days=slot.day.weekday())}"
    subject = _("A slot needs you: %(pool)s, %(when)s") % {"pool": slot.plan.pool.name,
                                                          "when": when}
    body = _("Hello,\n\nThe slot %(when)s of %(pool)s still has free seats. Book it in one "
             "click from your schedule:\n%(url)s\n\nroadie") % {
        "when": when, "pool": slot.plan.pool.name, "url": url}
    return subject, body


@task()
def send_uncovered_offer(notice_id: int) -> bool:
    """Mail one uncovered-slot notice to its roadie, once. Returns whether a mail left."""
    from django.conf import settings
    from django.core.mail import send_mail

    from roadie.desk.scheduling.models import Notice

    notice = (Notice.objects.select_related("agent__user", "slot__plan__pool")
              .filter(pk=notice_id, emailed_at__isnull=True).first())
    if notice is None or not notice.agent.user.email:
        return False
    with translation.override(notice.agent.user.language or "en"):
        subject, body = offer_mail(notice)
    if not getattr(settings, "EMAIL_HOST", ""):
        log.info("uncovered-slot offer %s to %s held (no relay): %s", notice.pk,
                 notice.agent.user.email, subject)
        return False
    send_mail(subject=subject, message=body, from_email=None,
              recipient_list=[notice.agent.user.email])
    Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
    return True

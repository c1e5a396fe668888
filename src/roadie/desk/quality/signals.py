"""A resolved contact gets its satisfaction survey: the quality app listens for the
contacts app's RESOLVED history event rather than the contacts app calling quality."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from roadie.desk.contacts.models import ContactEvent, EventKind


@receiver(post_save, sender=ContactEvent, dispatch_uid="quality-survey-on-resolve")
def _survey_on_resolve(sender, instance: ContactEvent, created: bool, raw: bool = False, **kwargs):
    if raw or not created or instance.kind != EventKind.RESOLVED or instance.agent_id is None:
        return
    from roadie.desk.quality.surveys import open_survey

    contact_id = instance.contact_id

    def create() -> None:
        from roadie.desk.contacts.models import Contact

        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is not None:
            with transaction.atomic():
                open_survey(contact)

    transaction.on_commit(create)

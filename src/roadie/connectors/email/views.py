"""Attachments of email messages, for the people who may see the contact."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from roadie.connectors.email.models import Attachment
from roadie.desk.audit.actions import record_read
from roadie.desk.contacts.access import access_contact
from roadie.desk.contacts.files import FileContent, download


@login_required
@require_GET
def attachment(request, attachment_id: int):
    item = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if item is None or not item.stored:
        raise Http404("No such attachment")
    contact = access_contact(request.user, item.message.contact_id)  # 404 when not visible
    record_read(request.user, action="read", obj=item, brand_id=contact.brand_id,
                fields=["attachment"], via="page")
    return download(FileContent(filename=item.filename, content_type=item.content_type, data=bytes(item.data)),
                    fallback=f"attachment-{item.pk}")

"""The email side of ``roadie.desk.contacts.files``: a mail's attachments (the customer's,
and those of the agent's replies) as the desk lists and serves them."""

from __future__ import annotations

from roadie.connectors.email.models import Attachment
from roadie.desk.contacts.access import redact_for
from roadie.desk.contacts.files import FileContent, MessageFile


class EmailFiles:
    def list(self, user, contact, message_ids) -> list[MessageFile]:
        query = (Attachment.objects.filter(message_id__in=list(message_ids), message__contact_id=contact.pk)
                 .defer("data").order_by("pk"))
        return [MessageFile(id=item.pk, message_id=item.message_id,
                            filename=redact_for(user, contact.brand, item.filename),
                            content_type=item.content_type, size=item.size, stored=item.stored,
                            reason=redact_for(user, contact.brand, item.rejected_reason))
                for item in query]

    def open(self, contact, file_id: int) -> FileContent | None:
        item = Attachment.objects.filter(pk=file_id, message__contact_id=contact.pk).first()
        if item is None or not item.stored:
            return None
        return FileContent(filename=item.filename, content_type=item.content_type, data=bytes(item.data),
                           row=item)

"""The console page of a brand's IMAP mailboxes (linked from its channels page): add and change
them, the password write-only; "test connection" is on the email channel's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadie.connectors.email.mailboxes import save_mailbox
from roadie.connectors.email.models import Mailbox
from roadie.desk.console.views.common import brand_or_404, checked, errors_of
from roadie.desk.web.guards import console_page


@console_page
def mailboxes(request, slug: str):
    brand = brand_or_404(request.user, slug)
    errors, failed = {}, None
    if request.method == "POST":
        post = request.POST
        pk = post.get("mailbox", "")
        mailbox = Mailbox.objects.filter(brand=brand, pk=pk).first() if pk else None
        try:
            save_mailbox(request.user, brand, mailbox=mailbox, password=post.get("password", ""),
                         name=post.get("name", ""), host=post.get("host", ""), port=post.get("port", "993"),
                         use_ssl=checked(post, "use_ssl"), starttls=checked(post, "starttls"),
                         user=post.get("user", ""), folder=post.get("folder", "") or "INBOX",
                         enabled=checked(post, "enabled"))
        except ValidationError as exc:
            errors, failed = errors_of(exc), pk or "new"
        else:
            messages.success(request, _("Mailbox saved. The password is not shown again."))
            return redirect("email-mailboxes", slug=brand.slug)
    return render(request, "roadie_email/console_mailboxes.html", {
        "brand": brand, "mailboxes": brand.mailboxes.order_by("pk"), "errors": errors, "failed": failed,
        "email_channel": brand.channels.filter(kind="email").order_by("pk").first(),
    }, status=422 if errors else 200)

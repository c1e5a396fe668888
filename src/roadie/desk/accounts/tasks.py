"""Mail roadie sends about accounts: the invitation to set a password."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

log = logging.getLogger("roadie.accounts")


@task()
def send_invitation(user_id: int) -> None:
    """Mail a fresh one-time link to a user who has no password yet (held, and logged, when no
    relay is configured, as in the demo). The link is made now, never stored."""
    from django.core.mail import send_mail

    from roadie.desk.accounts.actions import invite_path
    from roadie.desk.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or user.has_usable_password():
        return
    url = settings.ROADIE_PUBLIC_URL.rstrip("/") + invite_path(user)
    if not getattr(settings, "EMAIL_HOST", ""):
        log.info("invitation for user %s held (no relay configured)", user.pk)
        return
    name = user.get_full_name() or user.username
    send_mail(
        subject="roadie : choisissez votre mot de passe / choose your password",
        message=(f"Bonjour {name},\n\nVotre compte roadie est prêt (identifiant : {user.username}). "
                 f"Choisissez votre mot de passe avec ce lien, valable une fois :\n{url}\n\n"
                 f"Hello {name},\n\nYour roadie account is ready (username: {user.username}). "
                 f"Choose your password with the link above; it works once.\n"),
        from_email=None, recipient_list=[user.email])

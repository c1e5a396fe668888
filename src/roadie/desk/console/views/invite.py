"""The invitation page: a new user sets their password from the one-time link an administrator
gave them (``accounts.actions.invite_path``). A tampered link, or one already used, is refused."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from roadie.desk.accounts import actions
from roadie.desk.accounts.models import User


def _user(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@never_cache
@sensitive_post_parameters("password", "password2")
def set_password(request, uidb64: str, token: str):
    user = _user(uidb64)
    if user is None or not actions.invite_valid(user, token):
        return render(request, "console/invite.html", {"invalid": True}, status=410)
    errors: dict = {}
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password2", ""):
            errors = {"password2": [_("The two passwords differ.")]}
        else:
            try:
                actions.set_password_from_invite(user, token=token, password=password)
            except ValidationError as exc:
                errors = exc.message_dict
            except PermissionDenied:
                return render(request, "console/invite.html", {"invalid": True}, status=410)
            else:
                messages.success(request, _("Your password is set: log in with it."))
                return redirect("login")
    return render(request, "console/invite.html", {"invited": user, "errors": errors},
                  status=422 if errors else 200)

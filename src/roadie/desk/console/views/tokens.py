"""My account: API tokens (label, scope, expiry, revoke). The raw token is shown once."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts import actions
from roadie.desk.accounts.models import TokenScope


def _context(request, **extra) -> dict:
    return {"tokens": actions.visible_tokens(request.user)[:200], "scopes": TokenScope.choices,
            "now": timezone.now(), **extra}

@login_required
def account(request):
    return render(request, "console/account.html", _context(request))

@login_required
@require_POST
def token_new(request):
    expires_at = None
    errors: dict = {}
    days = request.POST.get("expires_days", "").strip()
    if days:
        try:
            expires_at = timezone.now() + timedelta(days=int(days))
        except ValueError:
            errors["expires_days"] = [_("a whole number of days")]
    if not errors:
        try:
            token, raw = actions.create_token(request.user, label=request.POST.get("label", "").strip(),
                                              scope=request.POST.get("scope", TokenScope.READ),
                                              expires_at=expires_at)
            return render(request, "console/account.html", _context(request, new_token=raw, created=token))
        except ValidationError as exc:
            errors = exc.message_dict
    return render(request, "console/account.html", _context(request, errors=errors), status=422)

@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(actions.visible_tokens(request.user), pk=token_id)
    actions.revoke_token(request.user, token)
    messages.success(request, _("Token revoked: it no longer works."))
    return redirect("account")


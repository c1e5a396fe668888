"""The call panel's buttons on the agent's contact page: hold, resume, transfer, end. Each
calls its write path in ``voice.actions`` and goes back to the contact page (the workspace
pane reloads it), with the outcome as a message."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.connectors.voice import actions
from roadie.desk.contacts.access import access_contact
from roadie.desk.contacts.actions import ActionError
from roadie.desk.web.guards import contact_page, is_desk_agent


def _do(request, contact_id: int, step, done: str):
    access_contact(request.user, contact_id)  # 404 when the user may not see it
    try:
        result = step()
        messages.success(request, done)
    except ActionError as exc:
        messages.error(request, str(exc))
        result = None
    return result


@contact_page
@require_POST
def hold(request, contact_id: int):
    _do(request, contact_id, lambda: actions.hold_call(request.user, contact_id), _("The caller is on hold."))
    return redirect("desk-contact", contact_id=contact_id)


@contact_page
@require_POST
def resume(request, contact_id: int):
    _do(request, contact_id, lambda: actions.resume_call(request.user, contact_id), _("Back on the line."))
    return redirect("desk-contact", contact_id=contact_id)


@contact_page
@require_POST
def end(request, contact_id: int):
    _do(request, contact_id, lambda: actions.end_call(request.user, contact_id),
        _("Call ended: choose the wrap-up code."))
    return redirect("desk-contact", contact_id=contact_id)


@contact_page
@require_POST
def transfer(request, contact_id: int):
    contact = _do(request, contact_id, lambda: actions.transfer_call(
        request.user, contact_id, to=request.POST.get("to", ""), note=request.POST.get("note", "")),
        _("Call transferred."))
    if contact is not None and is_desk_agent(request.user):
        return redirect("desk")
    return redirect("desk-contact", contact_id=contact_id)

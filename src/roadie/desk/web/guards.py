"""Page guards: which role may open which page (403 otherwise)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from roadie.desk.accounts import access


def role_page(check, message: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


agent_page = role_page(access.is_agent, "agents only")
supervisor_page = role_page(access.can_supervise, "supervisors only")
# Kept for views written before the roles were split: the board and planning are supervision.
operator_page = supervisor_page
brand_page = role_page(access.is_brand_user, "brand users only")
# Pages that show a conversation read-only to whoever may read it (access_contact decides which).
reader_page = role_page(access.can_read_conversations, "your role reads no conversations")
# Acting on a contact: the agents it was offered to, and supervisors (any contact).
contact_page = role_page(lambda u: access.is_agent(u) or access.can_supervise(u),
                         "agents and supervisors only")
console_page = role_page(access.can_administer_any_brand, "administrators only")
is_desk_agent = access.is_agent
# Saved replies (macros): supervisors for every brand, brand administrators for their own.
macros_page = role_page(access.can_edit_any_macros, "supervisors and brand administrators only")

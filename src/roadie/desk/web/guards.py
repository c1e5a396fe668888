"""Page guards: which role may open which page (403 otherwise)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from roadie.desk.accounts.access import can_supervise


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


def is_desk_agent(user) -> bool:
    return user.is_agent and hasattr(user, "agent")


agent_page = role_page(is_desk_agent, "agents only")
operator_page = role_page(lambda u: u.is_operator, "operator staff only")
supervisor_page = role_page(can_supervise, "supervisors only")
brand_page = role_page(lambda u: u.is_brand_user and u.brand_id is not None, "brand users only")
# The contact page: the agents it was offered to, and supervisors (any contact).
contact_page = role_page(lambda u: is_desk_agent(u) or can_supervise(u), "agents and supervisors only")

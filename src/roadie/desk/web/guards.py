"""Page guards: which role may open which page (403 otherwise)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


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


agent_page = role_page(lambda u: u.is_agent and hasattr(u, "agent"), "agents only")
operator_page = role_page(lambda u: u.is_operator, "operator staff only")
brand_page = role_page(lambda u: u.is_brand_user and u.brand_id is not None, "brand users only")

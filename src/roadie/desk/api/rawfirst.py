"""Raw first for the API's intake: the body of an authenticated request is stored
(``RawInbound``, source ``api``) before django-ninja parses and validates it, so a payload
that is refused is kept, with the answer's reason, like every other channel's.

``@raw_first`` goes under the router's decorator. It wraps the operation's value reading
(which runs after authentication and before validation: an unauthenticated request stores
nothing) and settles the stored row from the answer: 4xx ``rejected`` with its detail, 5xx
or an exception ``failed``; a row the write path already settled (``parsed``, ``duplicate``)
keeps its status. The view reads the row as ``request.roadie_raw``.
"""

from __future__ import annotations

import functools
import json

from ninja.decorators import decorate_view

from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import RawInbound, RawStatus


def _settle(raw: RawInbound, *, status: str, error: str) -> None:
    RawInbound.objects.filter(pk=raw.pk, status=RawStatus.STORED).update(status=status, error=error[:2000])


def _detail(response) -> str:
    try:
        detail = json.loads(response.content).get("detail")
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)[:2000]


def _wrap(run):
    operation = run.__self__
    read_values = operation._get_values  # after authentication, before validation

    @functools.wraps(read_values)
    def store_then_read(request, path_params, temporal_response):
        request.roadie_raw = store_raw(
            channel="", source="api", payload=request.body, content_type=(request.content_type or "")[:120],
            meta={"user": getattr(request.auth, "username", ""), "path": request.path[:500],
                  "method": request.method})
        return read_values(request, path_params, temporal_response)

    operation._get_values = store_then_read

    @functools.wraps(run)
    def settled(request, *args, **kwargs):
        try:
            response = run(request, *args, **kwargs)
        except Exception as exc:
            raw = getattr(request, "roadie_raw", None)
            if raw is not None:
                _settle(raw, status=RawStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        raw = getattr(request, "roadie_raw", None)
        if raw is not None and response.status_code >= 400:
            status = RawStatus.FAILED if response.status_code >= 500 else RawStatus.REJECTED
            _settle(raw, status=status, error=f"{response.status_code}: {_detail(response)}")
        return response

    return settled


def raw_first(view):
    return decorate_view(_wrap)(view)

"""The API's OpenAPI schema says which errors every operation may answer, not only its own:
400 (a body that is not JSON, a parameter that cannot be read), 401 (no valid token), 403 (the role or the token's scope may
not), 404 (an object the caller may not see, for operations with path parameters), 409 (not
in the current state), 413 (a body over the limit), 422 (a field missing or invalid) and,
for writes, 429 with ``Retry-After`` (``ApiWriteThrottle``). Each is ``{"detail": ...}``.
"""

from __future__ import annotations

import json
import math
import threading

from django.db import DataError
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled
from ninja.throttling import BaseThrottle

from roadie.desk.throttle import lib as throttle

WRITES = {"post", "put", "patch", "delete"}
ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
ERROR_SCHEMA = {
    "title": "ApiError", "type": "object", "required": ["detail"],
    "properties": {"detail": {"title": "Detail", "description": "what was wrong: a message, or the "
                              "list of invalid fields (422)"}},
}
REASONS = {
    "400": "a body that is not valid JSON, or a parameter that cannot be read",
    "401": "no token, or one that is unknown, expired or revoked",
    "403": "the caller's role or the token's scope may not do this",
    "404": "no such object, or one the caller may not see",
    "409": "not allowed in the object's current state",
    "413": "the body is over ROADIE_MAX_BODY_BYTES",
    "422": "a field is missing or invalid; detail names it",
    "429": "too many writes from this token or address; retry after Retry-After seconds",
}


def _error(code: str) -> dict:
    answer = {"description": REASONS[code], "content": {"application/json": {"schema": ERROR_REF}}}
    if code == "429":
        answer["headers"] = {"Retry-After": {"description": "seconds to wait",
                                             "schema": {"type": "integer", "minimum": 1}}}
    return answer


def document_errors(schema: dict) -> dict:
    schema.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = ERROR_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "422"]
            if operation.get("security"):
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if method in WRITES:
                codes += ["409", "429"]
            if "requestBody" in operation:
                codes.append("413")
            for code in codes:
                operation["responses"].setdefault(code, _error(code))
    return schema


class RoadieAPI(NinjaAPI):
    def set_default_exception_handlers(self) -> None:
        super().set_default_exception_handlers()
        self.add_exception_handler(Throttled, self._throttled)
        self.add_exception_handler(DataError, self._out_of_range)

    def _out_of_range(self, request, exc):
        # A number the database cannot hold (an id past 2^63 on PostgreSQL): the caller's
        # mistake, named, not a server error.
        return self.create_response(
            request, {"detail": "a value is out of range (ids and numbers are 64-bit integers)"}, status=422)

    def _throttled(self, request, exc):
        wait = math.ceil(exc.wait or 1)
        return self.create_response(
            request, {"detail": f"too many writes; retry after {wait} seconds"}, status=429)

    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))

    def create_temporal_response(self, request):
        # Called once per operation, after authentication, before the body is validated: a
        # PATCH says what to change, so its body is a JSON object; ``null``, a list or a
        # string would otherwise read as "nothing to change" and still write a new version.
        if request.method == "PATCH" and request.body:
            try:
                data = json.loads(request.body)
            except ValueError:
                data = {}  # unreadable: django-ninja answers 400
            if not isinstance(data, dict):
                kind = "null" if data is None else type(data).__name__
                raise HttpError(422, f"body: a JSON object of the fields to change, not {kind}")
        return super().create_temporal_response(request)


class ApiWriteThrottle(BaseThrottle):
    """Writes through the API, per token's user and per client address (scope ``api`` of
    ``ROADIE_RATE_LIMITS``), counted in the shared database like the public endpoints' limits.
    Reads are not counted (they write nothing, and each count is a write)."""

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every thread

    def allow_request(self, request) -> bool:
        self._local.wait = 0.0
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        user = getattr(request, "auth", None)
        self._local.wait = throttle.check("api", address=throttle.client_address(request),
                                          channel=f"user:{getattr(user, 'pk', '')}")
        return not self._local.wait

    def wait(self) -> float | None:
        wait = getattr(self._local, "wait", 0.0)
        return math.ceil(wait) if wait else None

"""Request guards shared by pages and API."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import JsonResponse

# Pages whose form carries files (the reply box's attachments): the larger upload limit.
UPLOAD_PATHS = re.compile(r"^/desk/contacts/\d+/reply$")


class BodySizeLimitMiddleware:
    """Refuse an oversize body with 413 before anything reads or parses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "invalid Content-Length"}, status=400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if UPLOAD_PATHS.match(request.path_info):
            limit = settings.ROADIE_MAX_UPLOAD_BYTES
        if limit and length > limit:
            return JsonResponse(
                {"detail": f"request body of {length} bytes is over the {limit}-byte limit"}, status=413
            )
        return self.get_response(request)

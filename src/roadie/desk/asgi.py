"""ASGI entry point (``roadie serve`` runs it under uvicorn).

HTTP goes to Django; websocket connections (the web chat) to roadie's own small handler.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
django_application = get_asgi_application()

from roadie.connectors.chat.ws import websocket_application  # noqa: E402  (needs Django set up)


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        return await websocket_application(scope, receive, send)
    return await django_application(scope, receive, send)

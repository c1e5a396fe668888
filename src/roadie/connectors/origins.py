"""Which web pages may talk to a brand's public browser endpoints (the chat websocket, the chat
status and offline form, the video request API).

A browser says which page a request comes from in its ``Origin`` header. A request is allowed
when it has no ``Origin`` (not sent by a page: a server, an app, curl), when it comes from
roadie's own address (the demo shop, the video page), or when its origin is one of the sites
the channel declares in its config, ``"origins": ["https://www.brand.example"]``. Anything else
is refused with a message naming the origin and the setting. Allowed cross-site answers carry
``Access-Control-Allow-Origin`` with that one origin, never ``*``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import patch_vary_headers

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port; "" when unreadable."""
    try:
        parts = urlsplit(origin.strip().rstrip("/"))
        port = parts.port
    except ValueError:
        return ""
    scheme, host = (parts.scheme or "").lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.path or parts.query:
        return ""
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


def _netloc(origin: str) -> str:
    return origin.split("://", 1)[-1]


def declared(channel) -> frozenset[str]:
    """The sites the channel declares (its config's ``origins``), normalised."""
    values = (channel.config or {}).get("origins") or []
    if isinstance(values, str):
        values = [values]
    return frozenset(o for o in (normalise(str(v)) for v in values) if o)


def _own(host: str) -> frozenset[str]:
    """roadie's own addresses: the host the request was sent to, the public URL, and the
    trusted origins of the settings (compared without the scheme: same host, same site)."""
    own = {normalise(o) for o in (*settings.CSRF_TRUSTED_ORIGINS, settings.ROADIE_PUBLIC_URL)}
    own = {_netloc(o) for o in own if o}
    if host and normalise(f"http://{host}"):
        own.add(_netloc(normalise(f"http://{host}")))
    return frozenset(own)


def refusal(channel, origin: str | None, *, host: str) -> str | None:
    """Why a request from the page ``origin`` (its Origin header) to this brand's channel is
    refused, or None when it is allowed. ``host`` is the Host the request was sent to."""
    if origin is None or origin == "":
        return None
    clean = normalise(origin)
    if clean and (clean in declared(channel) or _netloc(clean) in _own(host)):
        return None
    shown = origin[:200].encode("ascii", "backslashreplace").decode()
    return (f"origin {shown!r} is not one of the sites declared for the {channel.kind} channel of "
            f"brand {channel.brand.slug!r} (the channel config's \"origins\")")


def cross_site(origin: str | None, *, host: str) -> bool:
    """Whether an allowed request needs CORS headers (it comes from another site)."""
    clean = normalise(origin or "")
    return bool(clean) and _netloc(clean) not in _own(host)


def request_refusal(request, channel) -> str | None:
    return refusal(channel, request.headers.get("Origin"), host=request.get_host())


def cors(request, response, *, methods: str = "GET, POST, OPTIONS"):
    """Add the CORS headers for an allowed cross-site request (its own origin, never ``*``)."""
    origin = request.headers.get("Origin")
    patch_vary_headers(response, ["Origin"])
    if cross_site(origin, host=request.get_host()):
        response["Access-Control-Allow-Origin"] = normalise(origin)
        response["Access-Control-Allow-Methods"] = methods
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    return response

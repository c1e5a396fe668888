"""Routers that connectors add to the REST API, without the desk importing them.

Each connector's app appends its ninja ``Router`` to ``ROUTERS`` in its ``ready()``;
``roadie.desk.api.main`` mounts them after the desk's own routers when the URLconf is first
loaded, which Django does after every app is ready.
"""

from __future__ import annotations

from ninja import Router

ROUTERS: list[Router] = []


def register(router: Router) -> None:
    """Add a connector's router once (``ready()`` may run twice in some test set-ups)."""
    if router not in ROUTERS:
        ROUTERS.append(router)

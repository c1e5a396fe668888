"""The NinjaAPI instance: routers, authentication and error shapes."""

from __future__ import annotations

from django.http import Http404
from ninja.errors import AuthenticationError, ValidationError

from roadie.desk.api import agents, brands, contacts, desk, macros, pools, queues, registry, users
from roadie.desk.api import tokens as tokens_api
from roadie.desk.api.auth import AUTH
from roadie.desk.api.openapi import ApiWriteThrottle, RoadieAPI
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.composer import ReplyRefused
from roadie.desk.kb import api as kb_api
from roadie.desk.pay import api as pay_api
from roadie.desk.planning import api as planning_api
from roadie.desk.quality import api as quality_api
from roadie.desk.routing.models import Offer
from roadie.desk.scheduling import api as scheduling_api
from roadie.desk.scheduling import api_settings as scheduling_settings_api

api = RoadieAPI(
    title="roadie API",
    version="1",
    description="Contacts, agents and queues of a roadie operation. Authenticate with "
    "`Authorization: Bearer <token>` (get one with `roadie token USERNAME`).",
    auth=AUTH,
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
    throttle=[ApiWriteThrottle()],
)
api.add_router("", contacts.router)
api.add_router("", agents.router)
api.add_router("", queues.router)
api.add_router("", tokens_api.router)
api.add_router("", brands.router)
api.add_router("", users.router)
api.add_router("", pools.router)
api.add_router("", kb_api.router)
api.add_router("", scheduling_api.router)
api.add_router("", quality_api.router)
api.add_router("", pay_api.router)
api.add_router("", planning_api.router)
api.add_router("", scheduling_settings_api.router)
api.add_router("", macros.router)
api.add_router("", desk.router)
for _router in registry.ROUTERS:  # the connectors' own (mailboxes, call control)
    api.add_router("", _router)


@api.exception_handler(ActionError)
def _conflict(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(ReplyRefused)
def _reply_refused(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)


@api.exception_handler(Offer.DoesNotExist)
def _no_offer(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "authentication required: Authorization: Bearer <token>"}, status=401)

"""The access matrix (tests/desk/access_matrix.py, docs/security.md#access-matrix) holds for
every page and every API operation, for every role; an endpoint without a rule fails here."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from access_matrix import API, PAGES, QUERY, ROLES
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from roadie.desk.accounts.models import ApiToken, TokenScope
from roadie.desk.api.main import api

pytestmark = pytest.mark.django_db


def page_names() -> set[str]:
    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace != "api":
                yield p.name
    return set(walk(get_resolver().url_patterns))


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def test_every_page_and_operation_has_a_rule():
    pages, ops = page_names(), api_operations()
    assert None not in pages, "every URL pattern needs a name to be in the access matrix"
    assert sorted(pages - set(PAGES)) == [], "pages without a rule in tests/desk/access_matrix.py"
    assert sorted(ops - set(API)) == [], "API operations without a rule in tests/desk/access_matrix.py"
    assert sorted(set(PAGES) - pages) == [], "rules for pages that no longer exist"
    assert sorted(set(API) - ops) == [], "rules for API operations that no longer exist"


@dataclass
class World:
    ours: object
    theirs: object
    mine: object
    article: object
    users: dict
    admin_token: object


@pytest.fixture
def world(make_brand, make_user, make_agent, make_contact):
    from roadie.desk.kb.actions import ArticleData, create_article
    from roadie.desk.routing import actions as routing
    from roadie.desk.routing.dispatcher import tick

    ours = make_brand(slug="ours", masked=("phone",))
    theirs = make_brand(slug="theirs")
    agent = make_agent(brands=[ours], presence="available")
    mine = make_contact(brand=ours)
    make_contact(brand=theirs)
    tick()
    routing.accept_offer(agent.user, mine.offers.get().pk)
    users = {
        "admin": make_user(role="admin"), "supervisor": make_user(role="supervisor"),
        "qa": make_user(role="qa"), "finance": make_user(role="finance"),
        "brand_admin": make_user(role="brand_admin", brand=ours),
        "brand": make_user(role="brand", brand=ours), "agent": agent.user,
    }
    article = create_article(users["admin"], ours, ArticleData(
        title="Livraison", body="Livré en 3 jours.", slug="livraison", status="published",
        category="", tags=(), summary=""))
    token = ApiToken.objects.get(pk=ApiToken.objects.create(
        user=users["admin"], digest=ApiToken.hash("matrix"), label="m").pk)
    return World(ours=ours, theirs=theirs, mine=mine, article=article, users=users,
                 admin_token=token)


class _Rollback(Exception):
    pass


def _request(client: Client, method: str, url: str, *, body=None, query=None):
    """One request in a savepoint rolled back afterwards: writes never leak to the next role."""
    holder = {}
    try:
        with transaction.atomic():
            if method == "GET":
                holder["r"] = client.get(url, query or {})
            elif body is not None:
                holder["r"] = client.generic(method, url, data=__import__("json").dumps(body),
                                             content_type="application/json")
            else:
                holder["r"] = client.generic(method, url, data="", content_type="application/x-www-form-urlencoded")
            raise _Rollback
    except _Rollback:
        pass
    return holder["r"]


def _refused(response, rule) -> bool:
    if response.status_code in (301, 302) and response["Location"].startswith("/login/"):
        return True
    denied = {401, 403} if rule.guard_only else rule.denied
    return response.status_code in denied


def _check(kind: str, key: str, rule, world: World, clients: dict) -> list[str]:
    wrong = []
    for role in ROLES:
        if rule.anonymous_only and role != "anonymous":
            continue
        if kind == "page":
            url = reverse(key, kwargs=rule.args(world))
            method = rule.method
        else:
            method, path = key.split(" ", 1)
            url = re.sub(r"\{(\w+)\}", lambda m: str(rule.args(world)[m.group(1)]), path)
        response = _request(clients[role], method, url,
                            body=rule.body(world) if rule.body else ({} if kind == "api" and method != "GET" else None),
                            query=QUERY.get(key))
        assert response.status_code < 500, f"{role} {method} {url}: {response.status_code}"
        allowed = role in rule.allowed
        if allowed == _refused(response, rule):
            wrong.append(f"{role:<12} {method} {url}: {response.status_code} "
                         f"({'refused but allowed' if allowed else 'let through but not allowed'})")
    return wrong


@pytest.fixture
def clients(world):
    out = {"anonymous": Client()}
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        out[role] = client
    return out


@pytest.fixture
def api_clients(world):
    out = {"anonymous": Client()}
    for role, user in world.users.items():
        # An admin-scoped token: the scope never grants more than the role allows.
        raw = ApiToken.issue(user, scope=TokenScope.ADMIN)
        out[role] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return out


def test_every_page_follows_the_matrix(world, clients):
    wrong = []
    for name, rule in sorted(PAGES.items()):
        if rule.allowed is not None:
            wrong += _check("page", name, rule, world, clients)
    assert wrong == []


def test_every_api_operation_follows_the_matrix(world, api_clients):
    wrong = []
    for key, rule in sorted(API.items()):
        if rule.allowed is not None:
            wrong += _check("api", key, rule, world, api_clients)
    assert wrong == []

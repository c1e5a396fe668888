"""schemathesis against the API's OpenAPI schema, as an operator administrator, a brand
administrator and an agent: every operation gets derandomised, bounded examples (valid and
not), and must answer without a server error, with a status the schema documents, a body
matching it and the documented content type."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def tokens(make_brand, make_agent, make_user, make_contact, settings):
    from roadie.desk.accounts.models import ApiToken

    settings.ROADIE_RATE_LIMITS = {"api": {"address": [100_000, 60], "channel": [100_000, 60]}}
    brand = make_brand(slug="st-brand", channels=("chat", "email"))
    agent = make_agent(brands=[brand], presence="available")
    make_contact(brand=brand)
    users = {"admin": make_user(role="admin"), "brand_admin": make_user(role="brand_admin", brand=brand),
             "agent": agent.user}
    return {role: ApiToken.issue(user, scope="admin" if role != "agent" else "write")
            for role, user in users.items()}


def _run(operation, tokens) -> list[str]:
    """Bounded, derandomised examples of one operation, for every role; the failures."""
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def check(case):
        for role, token in tokens.items():
            try:
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported together
                failures.append(f"{operation.label} as {role}: {str(exc)[:600]}")
                return

    check()
    return failures


@pytest.mark.django_db(transaction=True)  # each request commits, as served (not one shared transaction)
def test_the_api_keeps_its_schema_for_every_role(tokens):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    failures = [f for operation in operations for f in _run(operation, tokens)]
    assert not failures, "\n\n".join(failures)

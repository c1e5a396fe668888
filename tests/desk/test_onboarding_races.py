"""Administrators racing on onboarding (PostgreSQL, threads, one connection each): the same
email address for two channels, the same username for two agents, the same brand slug — one
wins, every other gets the clear refusal naming the field (never a 500), and nothing is left
half-written (no user without their agent profile)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from roadie.desk.accounts.models import User
from roadie.desk.agents import actions as agents
from roadie.desk.agents.models import Agent
from roadie.desk.brands import actions as brands
from roadie.desk.brands.models import Brand, Channel

pytestmark = pytest.mark.django_db(transaction=True)
N = 8


def _race(step, n: int = N) -> tuple[int, list[str], list[BaseException]]:
    barrier = threading.Barrier(n)
    won, refused, errors = [], [], []

    def run(i):
        try:
            barrier.wait()
            step(i)
            won.append(i)
        except ValidationError as exc:
            refused.extend(exc.message_dict)
        except BaseException as exc:  # an IntegrityError or anything else is a bug
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return len(won), refused, errors


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers race for real on PostgreSQL (SQLite serialises them)")


def test_one_email_address_for_one_channel(make_user, make_brand):
    admin = make_user(role="admin")
    many = [make_brand(channels=()) for _ in range(N)]
    won, refused, errors = _race(lambda i: brands.create_channel(admin, many[i], kind="email",
                                                                 address="help@race.example"))
    assert errors == [] and won == 1 and refused == ["address"] * (N - 1)
    assert Channel.objects.filter(address="help@race.example").count() == 1


def test_one_username_for_one_agent_and_no_half_written_user(make_user, make_brand):
    admin = make_user(role="admin")
    make_brand(slug="b1")
    won, refused, errors = _race(lambda i: agents.create_agent(
        admin, username="same", capacity=6, certifications=[agents.Cert(brand="b1")]))
    assert errors == [] and won == 1 and refused == ["username"] * (N - 1)
    assert User.objects.filter(username="same").count() == 1
    assert Agent.objects.filter(user__username="same").count() == 1


def test_one_slug_for_one_brand(make_user):
    admin = make_user(role="admin")
    won, refused, errors = _race(lambda i: brands.create_brand(admin, slug="same", name=f"Brand {i}"))
    assert errors == [] and won == 1 and refused == ["slug"] * (N - 1)
    assert Brand.objects.filter(slug="same").count() == 1

"""Shared fixtures: keyword-only factories for the desk's domain objects."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import settings as hypothesis_settings

_seq = itertools.count(1)

# Speed is measured in bench/, not asserted in tests: no per-example deadline (on a loaded CI
# machine the first example of a test, which imports or builds what the rest reuse, can take
# over half a second). Tests that set their own settings keep them.
hypothesis_settings.register_profile("roadie", deadline=None)
hypothesis_settings.load_profile("roadie")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Tests create many users; a deliberately slow hash would dominate their run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_brand(db):
    from roadie.desk.brands.models import Brand, ServiceLevelPolicy, WrapUpCode

    def make(*, slug: str | None = None, masked: tuple[str, ...] = (), show_history: bool = True,
             channels: tuple[str, ...] = ("chat", "email", "voice", "video")) -> Brand:
        n = next(_seq)
        brand = Brand.objects.create(slug=slug or f"brand-{n}", name=f"Brand {n}",
                                     masked_fields=list(masked), show_history=show_history)
        for channel in channels:
            ServiceLevelPolicy.objects.create(brand=brand, channel=channel, answer_seconds=60)
        WrapUpCode.objects.create(brand=brand, code="solved", label="Solved")
        return brand

    return make


@pytest.fixture
def make_user(db):
    from roadie.desk.accounts.models import User

    def make(*, role: str, brand=None, username: str | None = None) -> User:
        return User.objects.create_user(
            username=username or f"{role}-{next(_seq)}", password="pw", role=role, brand=brand
        )

    return make


@pytest.fixture
def make_agent(db, make_user):
    from roadie.desk.agents.models import Agent, Certification

    def make(*, brands=(), languages=("fr",), capacity: int = 6, sign_language: bool = False,
             presence: str = "offline", username: str | None = None) -> Agent:
        from django.utils import timezone

        user = make_user(role="agent", username=username)
        agent = Agent.objects.create(user=user, languages=list(languages), capacity=capacity,
                                     sign_language=sign_language, presence=presence,
                                     last_seen_at=timezone.now())
        for brand in brands:
            Certification.objects.create(agent=agent, brand=brand)
        return agent

    return make


@pytest.fixture
def make_contact(db):
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive

    def make(*, brand, channel: str = "chat", body: str = "Bonjour", email: str = "",
             phone: str = "", language: str = "fr", external_id: str = ""):
        contact, _, _ = receive(Inbound(
            brand=brand, channel=channel, body=body, language=language, external_id=external_id,
            customer=CustomerData(name="Marie Client", email=email or f"c{next(_seq)}@example.org",
                                  phone=phone),
        ))
        return contact

    return make


@pytest.fixture
def handled_chat(make_brand, make_agent, make_contact, make_user):
    """``make(masked=(), body=...)``: one brand, two available agents, one chat contact the
    dispatcher offered and one of them accepted. A dict: brand, contact, handler (the agent
    who has it), other (the other agent), supervisor (a user)."""

    def make(*, masked: tuple[str, ...] = (), body: str = "Ma box ne marche plus.") -> dict:
        from roadie.desk.contacts.models import Contact
        from roadie.desk.routing import actions as routing
        from roadie.desk.routing.dispatcher import tick

        brand = make_brand(masked=masked)
        first = make_agent(brands=[brand], presence="available")
        second = make_agent(brands=[brand], presence="available")
        contact = make_contact(brand=brand, body=body)
        tick()
        offer = contact.offers.get()
        routing.accept_offer(offer.agent.user, offer.pk)
        handler = offer.agent
        other = second if handler == first else first
        return {"brand": brand, "contact": Contact.objects.get(pk=contact.pk), "handler": handler,
                "other": other, "supervisor": make_user(role="supervisor")}

    return make


@pytest.fixture
def api_client(db):
    """A Django test client that authenticates with a real API token."""
    from django.test import Client

    from roadie.desk.accounts.models import ApiToken

    def make(user) -> Client:
        token = ApiToken.issue(user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make

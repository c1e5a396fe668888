"""Rate limits on every public endpoint: past the limit, 429 with Retry-After, per client
address and per channel, counted across processes (in the database), before anything is
stored."""

from __future__ import annotations

import pytest
from django.test import Client

from hostile import channels, post_signed, post_whatsapp, wa_payload
from roadie.desk.contacts.models import RawInbound
from roadie.desk.throttle.lib import hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(make_brand, settings):
    settings.ROADIE_RATE_LIMITS = {
        "webhook": {"address": (3, 60), "channel": (7, 60)},
        "video": {"address": (2, 60)}, "chat": {"address": (2, 60)},
        "login": {"address": (100, 60), "channel": (3, 60)}, "survey": {"address": (2, 60)},
    }
    return channels(make_brand(channels=("whatsapp", "social", "voice", "video", "chat")))


def test_fixed_window_counts_and_says_when_to_come_back():
    assert [hit("k", limit=2, window=60, now=120.0) for _ in range(3)] == [0.0, 0.0, 60.0]
    assert hit("k", limit=2, window=60, now=150.0) == 30.0
    assert hit("k", limit=2, window=60, now=180.0) == 0.0  # a new window


def test_webhooks_per_address_then_per_channel(hooks):
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    codes = [post_whatsapp(one, hooks["whatsapp"], wa_payload()).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    stored = RawInbound.objects.count()
    response = post_whatsapp(one, hooks["whatsapp"], wa_payload())
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert RawInbound.objects.count() == stored  # refused before anything is stored
    # Another address still gets through, until the channel's own limit (7 in all, refused
    # ones included).
    assert [post_whatsapp(other, hooks["whatsapp"], wa_payload()).status_code
            for _ in range(3)] == [200, 200, 429]
    # Channels count apart: the social channel still answers a third address.
    assert post_signed(Client(REMOTE_ADDR="10.0.0.3"), f"/hooks/social/{hooks['social'].address}", {}).status_code == 400


def test_forms_video_chat_offline_and_login(hooks):
    visitor = Client(REMOTE_ADDR="10.0.0.9")
    slug = hooks["video"].brand.slug
    assert [visitor.post(f"/video/{slug}/request", {"name": "P"}, content_type="application/json").status_code
            for _ in range(3)] == [201, 201, 429]
    assert [visitor.post(f"/chat/{slug}/offline", {"name": "P", "email": "p@x.fr", "message": "m"}).status_code
            for _ in range(3)] == [201, 201, 429]
    guesses = [Client(REMOTE_ADDR=f"10.1.0.{i}").post("/login/", {"username": "admin", "password": "x"})
               for i in range(4)]
    assert [g.status_code for g in guesses] == [200, 200, 200, 429]
    assert "Retry-After" in guesses[-1]

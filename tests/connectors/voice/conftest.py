"""Fixtures for voice: a premium line with a secret, signed event posts, agents on duty."""

from __future__ import annotations

import json

import pytest

from roadie.connectors.hooks import hmac_sha256_hex

SECRET = "test-voice-secret"


@pytest.fixture
def line(db, make_brand):
    from roadie.desk.brands.models import Channel

    brand = make_brand(channels=("voice",))
    return Channel.objects.create(brand=brand, kind="voice", address="+33170000060", premium=True,
                                  sunday_open=True, config={
                                      "secret": SECRET, "twilio_auth_token": "twilio-token",
                                      "price_per_minute": "0.60",
                                      # On duty at any hour Monday to Saturday, so tests that post calls "now" do not
                                      # depend on the clock; Sunday (no hours) is off: the relay test.
                                      "hours": {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
                                  })


@pytest.fixture
def call_event(client, line):
    def post(payload: dict, *, secret: str = SECRET, address: str | None = None):
        body = json.dumps(payload).encode()
        return client.post(f"/hooks/voice/{address or line.address}", data=body, content_type="application/json",
                           HTTP_X_ROADIE_SIGNATURE="sha256=" + hmac_sha256_hex(secret, body))

    return post

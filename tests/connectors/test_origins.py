"""Browser endpoints answer only the pages of the sites a brand declares for the channel
(config ``origins``) and roadie's own pages: the video request API, the chat's status and
offline form, the chat websocket. Another site's page is refused with a message naming the
origin and the setting, and nothing of its request is filed."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync

from roadie.connectors import origins
from roadie.connectors.chat.ws import websocket_application
from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, RawInbound

pytestmark = pytest.mark.django_db
SHOP = "https://www.shop.example"
EVIL = "https://evil.example"


@pytest.fixture
def video(make_brand):
    brand = make_brand(channels=("video",))
    return Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video",
                                  config={"origins": [SHOP + "/", "https://App.Shop.example:443"]})


@pytest.fixture
def chat(make_brand):
    brand = make_brand(channels=("chat", "email"))
    return Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat",
                                  config={"origins": [SHOP]})


def _post(client, path, origin=None, **extra):
    if origin:
        extra["HTTP_ORIGIN"] = origin
    return client.post(path, json.dumps({"name": "Inès", "subject": "Ma box"}),
                       content_type="application/json", **extra)


def test_origins_are_compared_in_their_canonical_form():
    assert origins.normalise("HTTPS://WWW.Shop.example:443/") == "https://www.shop.example"
    assert origins.normalise("http://shop.example:8080") == "http://shop.example:8080"
    assert origins.normalise("wss://shop.example") == "https://shop.example"
    for junk in ("null", "", "shop.example", "javascript:alert(1)", "https://shop.example/path",
                 "https://shop.example:99999", "ftp://shop.example"):
        assert origins.normalise(junk) == "", junk


def test_video_request_from_another_site_is_refused_and_not_filed(client, video):
    response = _post(client, f"/video/{video.brand.slug}/request", EVIL)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert EVIL in detail and video.brand.slug in detail and '"origins"' in detail
    assert "Access-Control-Allow-Origin" not in response
    assert not Call.objects.exists() and not Contact.objects.exists()
    assert list(RawInbound.objects.values_list("status", flat=True)) == ["rejected"]
    # A look-alike of a declared site is another site.
    for other in ("https://www.shop.example.evil.example", "http://www.shop.example", "null"):
        assert _post(client, f"/video/{video.brand.slug}/request", other).status_code == 403, other
    preflight = client.options(f"/video/{video.brand.slug}/request", HTTP_ORIGIN=EVIL,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight


def test_video_request_from_a_declared_site_gets_cors_for_that_site_only(client, video):
    preflight = client.options(f"/video/{video.brand.slug}/request", HTTP_ORIGIN=SHOP,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == SHOP
    assert "content-type" in preflight["Access-Control-Allow-Headers"].lower()
    response = _post(client, f"/video/{video.brand.slug}/request", SHOP)
    assert response.status_code == 201 and response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    second = _post(client, f"/video/{video.brand.slug}/request", "https://app.shop.example")
    assert second["Access-Control-Allow-Origin"] == "https://app.shop.example"
    bad = client.post(f"/video/{video.brand.slug}/request", "{}", content_type="application/json",
                      HTTP_ORIGIN=SHOP)
    assert bad.status_code == 422 and bad["Access-Control-Allow-Origin"] == SHOP  # readable error
    assert Call.objects.count() == 2


def test_video_request_without_origin_or_from_roadie_itself_is_served(client, video):
    plain = _post(client, f"/video/{video.brand.slug}/request")  # a server or an app: no Origin
    assert plain.status_code == 201 and "Access-Control-Allow-Origin" not in plain
    own = _post(client, f"/video/{video.brand.slug}/request", "http://testserver")
    assert own.status_code == 201 and "Access-Control-Allow-Origin" not in own
    video.config = {}
    video.save()
    assert _post(client, f"/video/{video.brand.slug}/request", SHOP).status_code == 403  # none declared


def test_chat_status_and_offline_form_answer_only_declared_sites(client, chat):
    slug = chat.brand.slug
    assert client.get(f"/chat/{slug}/status", HTTP_ORIGIN=EVIL).status_code == 403
    ok = client.get(f"/chat/{slug}/status", HTTP_ORIGIN=SHOP)
    assert ok.status_code == 200 and ok["Access-Control-Allow-Origin"] == SHOP
    form = {"name": "Jeanne", "email": "jeanne@example.org", "message": "Rappelez-moi."}
    refused = client.post(f"/chat/{slug}/offline", form, HTTP_ORIGIN=EVIL)
    assert refused.status_code == 403 and EVIL in refused.json()["detail"]
    assert not Contact.objects.exists()
    accepted = client.post(f"/chat/{slug}/offline", form, HTTP_ORIGIN=SHOP)
    assert accepted.status_code == 201 and accepted["Access-Control-Allow-Origin"] == SHOP
    assert Contact.objects.count() == 1


def _connect(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    async def scenario():
        inbox: asyncio.Queue = asyncio.Queue()
        sent: list[dict] = []
        inbox.put_nowait({"type": "websocket.connect"})

        async def send(event):
            sent.append(event)
            if event["type"] == "websocket.accept":  # let it welcome us, then leave
                await inbox.put({"type": "websocket.receive", "text": '{"type": "ping"}'})
                await inbox.put({"type": "websocket.disconnect", "code": 1000})

        scope = {"type": "websocket", "path": path, "headers": headers}
        await asyncio.wait_for(websocket_application(scope, inbox.get, send), 10)
        return sent

    return async_to_sync(scenario)()


@pytest.fixture
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


def test_chat_websocket_answers_only_declared_sites_and_roadie(chat, keep_test_connection):
    path = f"/chat/ws/{chat.brand.slug}"
    host = (b"host", b"roadie.example:8000")
    for origin in (SHOP, "http://roadie.example:8000"):
        sent = _connect(path, [host, (b"origin", origin.encode())])
        assert sent[0] == {"type": "websocket.accept"}
        assert all(e["type"] != "websocket.close" for e in sent), origin
    sent = _connect(path, [host])  # no Origin: not a page
    assert all(e["type"] != "websocket.close" for e in sent)

    chat.config = {}  # nothing declared: only roadie's own pages
    chat.save()
    for origin in (SHOP, "http://roadie.example:8001", "null"):
        sent = _connect(path, [host, (b"origin", origin.encode())])
        assert [e["type"] for e in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
        frame = json.loads(sent[1]["text"])
        assert frame["fatal"] is True and "origins" in frame["detail"] and origin in frame["detail"]
        assert sent[2]["code"] == 4403

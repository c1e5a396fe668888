"""GET /events against a real server (two web processes): a stream delivers the user's own
events live, resumes from Last-Event-ID, and never carries another user's events."""

from __future__ import annotations

import http.client
import http.cookiejar
import threading
import urllib.parse
import urllib.request

import pytest

from livestack import running_roadie

pytestmark = pytest.mark.slow


def session_opener(base: str, username: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"username": username, "password": "roadie",
                                   "csrfmiddlewaretoken": csrf}).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=form,
                                       headers={"Referer": f"{base}/login/"})).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie


def read_events(port: int, cookie: str, *, after: int | None, until: str, found: list, done: threading.Event):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Accept": "text/event-stream"}
    if after is not None:
        headers["Last-Event-ID"] = str(after)
    conn.request("GET", "/events", headers=headers)
    response = conn.getresponse()
    assert response.status == 200
    seen = False
    while not done.is_set():
        line = response.readline().decode()
        if not line:
            break
        if line.startswith(("id:", "event:", "data:")):
            found.append(line.strip())
        if seen and line.startswith("data:"):
            done.set()  # the awaited event, with its data
        seen = seen or until in line
    conn.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with running_roadie(tmp_path_factory.mktemp("events")) as live:
        yield live


def test_stream_delivers_own_events_live_and_resumes(live):
    port = int(live.url.rsplit(":", 1)[1])
    admin = live.token("admin")
    camille = live.token("camille")
    live.api("POST", "/agents/me/presence", token=camille, payload={"presence": "available"})
    _, cookie = session_opener(live.url, "camille")
    _, other_cookie = session_opener(live.url, "brand-maison-lune")

    found, done = [], threading.Event()
    reader = threading.Thread(target=read_events, args=(port, cookie),
                              kwargs={"after": None, "until": "offer.new", "found": found, "done": done})
    other, other_done = [], threading.Event()
    other_reader = threading.Thread(target=read_events, args=(port, other_cookie), daemon=True,
                                    kwargs={"after": None, "until": "never", "found": other, "done": other_done})
    reader.start()
    other_reader.start()
    created = live.api("POST", "/contacts", token=admin, payload={
        "brand": "ondes", "channel": "chat", "body": "Bonjour", "language": "fr"})
    reader.join(timeout=30)
    other_done.set()
    assert done.is_set(), f"no offer event within 30 s: {found}"
    assert f'"contact": {created["id"]}' in " ".join(found)
    # The Maison Lune brand user heard nothing of an Ondes Mobile contact.
    assert not any(str(created["id"]) in line for line in other if line.startswith("data:"))

    # A stream that resumes from an earlier id gets what it missed, and only its own.
    first_id = int(next(line for line in found if line.startswith("id:")).split(":")[1])
    resumed, resumed_done = [], threading.Event()
    read_events(port, cookie, after=0, until="offer.new", found=resumed, done=resumed_done)
    assert resumed_done.is_set()
    ids = [int(line.split(":")[1]) for line in resumed if line.startswith("id:")]
    assert ids[0] == 0 and max(ids) >= first_id
    live.api("POST", "/agents/me/presence", token=camille, payload={"presence": "offline"})

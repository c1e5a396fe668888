"""Live panels re-fetch themselves on every event; when two fetches overlap, the page keeps
the newest answer, never an older one that happens to arrive last (on a loaded server the
first of two quick refreshes can answer after the second). A refresh that answers while a
pointer is pressed waits for the release: replacing the button between press and release
swallowed the click (a roadie who had just logged in clicked "Set Available" as the page's
first refresh landed, and stayed offline)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_late_answer_to_an_older_refresh_does_not_replace_a_newer_one(live_roadie, login_as):
    board = login_as("supervisor")
    expect(board).to_have_url(re.compile(r"/board/$"))
    held = []

    def answer(route):
        if not held:  # the first refresh after this point: keep it waiting
            held.append(route)
            return
        route.fulfill(status=200, content_type="text/html", body='<p id="state">newer</p>')

    board.route(re.compile(r"/board/panel"), answer)
    # The board refreshes itself every 5 s: the first refresh is held, the next one answers.
    expect(board.locator("#state")).to_have_text("newer", timeout=20_000)
    assert len(held) == 1

    held[0].fulfill(status=200, content_type="text/html", body='<p id="state">older</p>')
    board.wait_for_timeout(700)  # well inside the 5 s before the next timed refresh
    assert board.locator("#state").inner_text() == "newer"


LUCAS = "from roadie.desk.agents.models import Agent\nlucas = Agent.objects.get(user__username='lucas')\n"
HEARS = LUCAS + ("from roadie.desk.live.actions import agent_topic, publish\n"
                 "publish('agent.presence', topics=[agent_topic(lucas.pk)], payload={'agent': lucas.pk})")
GOES_AVAILABLE = LUCAS + "from roadie.desk.routing.actions import set_presence\nset_presence(lucas, 'available')"


def _hold_panel_refreshes(page) -> list:
    held = []

    def hold(route):
        held.append(route)

    page.route(re.compile(r"/desk/panel"), hold)
    return held


def _first(held: list, page) -> object:
    for _ in range(150):
        if held:
            return held[0]
        page.wait_for_timeout(100)
    raise AssertionError("the panel never refreshed")


def test_a_click_is_not_swallowed_by_a_refresh_that_lands_between_press_and_release(live_roadie, login_as):
    """The status panel refreshes on an event while the roadie's button is pressed: the
    button is still the one pressed when it is released, and the click goes through."""
    agent = login_as("lucas")
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")
    held = _hold_panel_refreshes(agent)
    live_roadie.python(HEARS)
    refresh = _first(held, agent)
    box = agent.get_by_role("button", name="Set Available").bounding_box()
    agent.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    agent.mouse.down()
    refresh.fulfill(response=refresh.fetch())  # the panel's new HTML arrives, the button held
    agent.wait_for_timeout(500)
    agent.mouse.up()
    agent.unroute(re.compile(r"/desk/panel"))
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available", timeout=15_000)


def _answer_held(held: list, page, *, for_ms: int = 0, until=None) -> int:
    """Answer every held refresh from the server as it stands now (and those that come
    meanwhile), for ``for_ms`` or until ``until()`` holds; the number answered."""
    answered = 0
    for _ in range(max(for_ms // 100, 1) if until is None else 100):
        while held:
            route = held.pop(0)
            route.fulfill(response=route.fetch())
            answered += 1
        if until is not None and until():
            return answered
        page.wait_for_timeout(100)
    if until is not None:
        raise AssertionError("the panel never showed what its refreshes answered")
    return answered


def test_a_refresh_that_answers_while_a_pointer_is_pressed_lands_on_release(live_roadie, login_as):
    agent = login_as("lucas")
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    # Every refresh of the page goes through the route from its first one (a reload after the
    # route is set), answered at once until `hold`: none can answer the later change unseen.
    state = {"hold": False}
    held = []

    def refreshes(route):
        if state["hold"]:
            held.append(route)
        else:
            route.fulfill(response=route.fetch())

    agent.route(re.compile(r"/desk/panel"), refreshes)
    agent.reload()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")
    state["hold"] = True
    live_roadie.python(GOES_AVAILABLE)  # from elsewhere (the API, another tab): an event
    _first(held, agent)  # a refresh asked after the change: its answer says "available"
    box = agent.get_by_role("heading", name="My status").bounding_box()
    agent.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    agent.mouse.down()
    assert _answer_held(held, agent, for_ms=500) >= 1
    assert agent.locator("#presence").get_attribute("data-presence") == "offline"  # not while pressed
    agent.mouse.up()
    _answer_held(held, agent, until=lambda: agent.locator("#presence")
                 .get_attribute("data-presence") == "available")

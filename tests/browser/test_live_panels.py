"""Live panels re-fetch themselves on every event; when two fetches overlap, the page keeps
the newest answer, never an older one that happens to arrive last (on a loaded server the
first of two quick refreshes can answer after the second)."""

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

"""The live parts of My schedule and Coverage: the panels live.js re-fetches, and the events
that make it re-fetch them reach every roadie of the pool (a seat booked by a colleague
changes my seats left), not roadies of other pools."""

from __future__ import annotations

import pytest
from sched_helpers import MONDAY

from roadie.desk.live.lib import events_after, latest_id, topics_for
from roadie.desk.scheduling import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool_and_roadies(make_pool, make_plan, make_agent):
    pool = make_pool()
    plan = make_plan(pool=pool, slots=[(0, 9, 17, 3)])
    me, mate = (make_agent(brands=pool.brands.all()) for _ in range(2))
    elsewhere = make_agent(brands=[make_pool().brands.get()])
    return {"pool": pool, "slot": plan.slots.get(), "me": me, "mate": mate, "elsewhere": elsewhere}


def test_a_colleagues_booking_reaches_my_schedule_not_other_pools(pool_and_roadies):
    w = pool_and_roadies
    start = latest_id()
    actions.book(agent=w["mate"], slot_id=w["slot"].pk)
    heard = [(e.kind, e.payload["slot"]) for e in events_after(start, topics_for(w["me"].user))]
    assert heard == [("scheduling.booked", w["slot"].pk)]
    assert events_after(start, topics_for(w["elsewhere"].user)) == []


def test_the_schedule_panel_is_the_page_body_and_sends_actions_back_to_the_page(pool_and_roadies, client):
    w = pool_and_roadies
    client.force_login(w["me"].user)
    page = client.get(f"/schedule/?week={MONDAY}").content.decode()
    assert 'data-live-panel="/schedule/panel?week=' in page and "scheduling.booked" in page
    actions.book(agent=w["mate"], slot_id=w["slot"].pk)
    panel = client.get(f"/schedule/panel?week={MONDAY}").content.decode()
    assert "<html" not in panel and f'data-slot="{w["slot"].pk}"' in panel
    assert "seats left: 2" in panel
    assert f'name="next" value="/schedule/?week={MONDAY}"' in panel


def test_the_coverage_panel_counts_bookings(pool_and_roadies, client, make_user):
    w = pool_and_roadies
    client.force_login(make_user(role="supervisor"))
    slug = w["pool"].slug
    page = client.get(f"/schedule/coverage/{slug}/?date={MONDAY}").content.decode()
    assert f'data-live-panel="/schedule/coverage/{slug}/panel?date={MONDAY}"' in page
    actions.book(agent=w["mate"], slot_id=w["slot"].pk)
    panel = client.get(f"/schedule/coverage/{slug}/panel?date={MONDAY}").content.decode()
    assert "<html" not in panel
    row = panel.split('data-interval="09:00"')[1].split("</tr>")[0]
    assert '<td class="sched-num">3</td><td class="sched-num">1</td>' in row  # required, booked
    assert f'name="next" value="/schedule/coverage/{slug}/?date={MONDAY}"' in panel
    assert client.get("/schedule/coverage/nope/panel").status_code == 404

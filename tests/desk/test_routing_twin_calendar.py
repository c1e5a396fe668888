"""Calendars through the simulator and the live dispatcher: the same queue order.

Two brands share one roadie. ``soleil`` is closed today (its opening hours are on another
weekday), so its call is due once it has been open for the answer time, tomorrow or later;
``lune`` is open around the clock, its calls due 20 s after they arrive. The queue goes by
deadline, so the two later ``lune`` calls are answered before the earlier ``soleil`` one, live
(``deadline_at`` from ``contacts.actions``) and simulated (the scenario's ``[[opening_hours]]``,
``roadie.engine.sim.deadlines``): every offer the same (contact, agent, second).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import OpeningHours, ServiceLevelPolicy
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, resolve
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer
from roadie.engine.sim import run, scenario_from_dict

pytestmark = pytest.mark.django_db

# second, brand, handle (s)
LOG = [(0, "lune", 30), (1, "soleil", 20), (2, "lune", 20), (3, "lune", 20)]
HORIZON = 120


def _start() -> dt.datetime:
    """A day next week at 10:00, Paris time, whatever the hour the test runs."""
    day = timezone.localtime(timezone.now()).date() + timedelta(days=7)
    return dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Europe/Paris"))


def _soleil_hours(t0: dt.datetime) -> list[dict]:
    return [{"weekday": (t0.weekday() + 1) % 7, "opens": "09:00", "closes": "18:00"}]  # tomorrow only


def simulated(tmp_path, t0: dt.datetime) -> list[tuple[int, int, int]]:
    midnight = dt.datetime.combine(t0.date(), dt.time(0), tzinfo=t0.tzinfo)
    offset = (t0 - midnight).total_seconds()  # 10 hours, or 9 or 11 on a day the clocks change
    log = tmp_path / "log.csv"
    log.write_text("arrival,brand,channel,handle_seconds\n" + "".join(
        f"{offset + t},{b},voice,{h}\n" for t, b, h in LOG))
    scn = scenario_from_dict({
        "replay": {"file": str(log)}, "date": t0.date().isoformat(), "timezone": "Europe/Paris",
        "policy": "on_shift_first",
        "teams": [{"name": "roadie", "count": 1, "brands": ["lune", "soleil"]}],
        "opening_hours": [{"brand": "soleil", **h} for h in _soleil_hours(t0)],
    })
    offers: list = []
    run(scn, np.random.default_rng(0), offer_log=offers)
    return [(int(round(t - offset)), c, a) for t, c, a in offers]


def dispatched(make_brand, make_agent, route, t0: dt.datetime) -> list[tuple[int, int, int]]:
    brands = {"lune": make_brand(slug="lune"), "soleil": make_brand(slug="soleil")}
    ServiceLevelPolicy.objects.all().delete()  # no policy: a call is due 20 s later, as simulated
    for h in _soleil_hours(t0):
        OpeningHours.objects.create(brand=brands["soleil"], weekday=h["weekday"], opens=dt.time(9),
                                    closes=dt.time(18))
    make_agent(brands=list(brands.values()), presence="available")
    Agent.objects.update(idle_since=t0, last_seen_at=t0 + timedelta(days=1))
    clock = [t0]
    contacts: dict[int, int] = {}
    ends: dict[int, int] = {}
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        for second in range(HORIZON):
            now = clock[0] = t0 + timedelta(seconds=second)
            for cid in [c for c, end in ends.items() if end == second]:
                offer = Offer.objects.select_related("agent__user", "contact").get(contact_id=cid, status="accepted")
                resolve(offer.agent.user, offer.contact, wrap_up_code="solved")
                del ends[cid]
            for n, (t, brand, _) in enumerate(LOG):
                if t == second:
                    contact, _, _ = receive(Inbound(
                        brand=brands[brand], channel="voice", body="Allô", language="fr", received_at=now,
                        customer=CustomerData(name="Client", email=f"c{n}@example.org")))
                    contacts[contact.pk] = n
            while route(now=now):
                for offer in Offer.objects.filter(status="pending").select_related("agent__user"):
                    actions.accept_offer(offer.agent.user, offer.pk)
                    ends[offer.contact_id] = second + LOG[contacts[offer.contact_id]][2]
    return [(int(round((o.offered_at - t0).total_seconds())), contacts[o.contact_id], 0)
            for o in Offer.objects.order_by("offered_at", "pk")]


@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_a_closed_brands_call_waits_behind_later_calls_due_sooner(tmp_path, make_brand, make_agent, settings,
                                                                    mode):
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    t0 = _start()
    sim = simulated(tmp_path, t0)
    route = LiveCore(reconcile_every=10**9).round if mode == "events" else tick
    live = dispatched(make_brand, make_agent, route, t0)
    assert live == sim, f"\nlive {live}\nsim  {sim}"
    # by deadline: the lune calls of 2 s and 3 s, then soleil's of 1 s (due in its opening hours)
    assert [c for _, c, _ in sim] == [0, 2, 3, 1]

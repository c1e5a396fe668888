"""One day with more of the lifecycle through the simulator and the live dispatcher: every offer
the same (contact, agent, second).

`test_routing_twin.py` compares pools and overflow with agents who accept every offer; this
adds what the offer rules do, with the defaults both share (`roadie.engine.routing_defaults`):

- a booked slot: the roadie on a slot for the brand's pool is offered first (`OnShiftFirst`
  live, ``policy = "on_shift_first"`` and ``booked_pools`` in the scenario);
- a decline: the decliner is set aside for the cool-down and the contact goes to the other
  roadie at once;
- no-answers: the booked roadie lets one contact time out three times in a row (offered back to
  them while nobody else qualifies) and is put away; the scenario brings them back after
  ``away_seconds``, the test's bot goes available again at the same second;
- the supervisors tier: the contact nobody answered reaches the supervisor 300 s after it
  arrived, not before.

The simulator's answers are scripted (``[[answers]]``: contact, agent, answer), the bots answer
the same way; every other offer is accepted at once and resolved after the logged handle time.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import numpy as np
import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent, Certification
from roadie.desk.brands.models import Pool, ServiceLevelPolicy
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, resolve
from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import OFFER_MARGIN, tick
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer
from roadie.desk.scheduling import actions as scheduling
from roadie.engine import routing_defaults
from roadie.engine.sim import run, scenario_from_dict
from roadie.engine.sim.engine import DONE

pytestmark = pytest.mark.django_db

# arrival (s), handle (s): calls for one brand whose pool has two roadies (0: the team, 1:
# booked on a slot) and a supervisor (2)
LOG = [(1, 100), (5, 40), (50, 60), (52, 30), (60, 260), (120, 30), (200, 50), (260, 40)]
# contact 0 is declined by the booked roadie; contact 2 is never answered by them
ANSWERS = {(0, 1): "decline", (2, 1): "no_answer"}
DECLINE_DELAY = 2
HORIZON = 520
TEAMS = ("team", "booked", "supervisor")


def simulated(tmp_path) -> list[tuple[int, int, int]]:
    log = tmp_path / "log.csv"
    log.write_text("arrival,brand,channel,handle_seconds\n" + "".join(f"{t},lune,voice,{h}\n" for t, h in LOG))
    scn = scenario_from_dict({
        "replay": {"file": str(log)},
        "policy": "on_shift_first",  # the dispatcher's OnShiftFirst(RegularBrandFirst(LongestIdle()))
        "decline_delay": DECLINE_DELAY,
        "pools": [{"slug": "own", "brands": ["lune"]}],
        "teams": [
            {"name": "team", "count": 1, "brands": ["lune"]},
            {"name": "booked", "count": 1, "brands": ["lune"], "booked_pools": ["own"]},
            {"name": "supervisor", "count": 1, "brands": ["lune"], "supervisor": True},
        ],
        "answers": [{"contact": c, "agent": a, "answer": answer} for (c, a), answer in ANSWERS.items()],
    })
    offers: list = []
    res = run(scn, np.random.default_rng(0), offer_log=offers)
    assert (res.outcome == DONE).all()
    return [(int(round(t)), c, a) for t, c, a in offers]


def _booked_slot(pool: Pool, agent: Agent, t0: dt.datetime) -> None:
    """A published slot of the pool around the whole day, booked by ``agent`` three days ahead."""
    local = timezone.localtime(t0)
    plan = SlotPlan.objects.create(
        pool=pool, first_day=local.date() - timedelta(days=local.weekday()), days=7,
        status=PlanStatus.PUBLISHED, published_at=t0 - timedelta(days=5),
        required_hours=Decimal(0), paid_hours=Decimal(0), uncovered_hours=Decimal(0),
        solver_status="optimal", solver_gap=0.0)
    slot = PlanSlot.objects.create(plan=plan, day=local.date(), starts_at=t0 - timedelta(hours=1),
                                   ends_at=t0 + timedelta(hours=2), roadies=1)
    scheduling.book(agent=agent, slot_id=slot.pk, now=t0 - timedelta(days=3))


def dispatched(make_brand, make_agent, make_user, route) -> list[tuple[int, int, int]]:
    lune = make_brand(slug="lune")
    ServiceLevelPolicy.objects.all().delete()  # no policy: each channel's default, as simulated
    pool = Pool.objects.create(slug="own", name="Own")
    pool.brands.set([lune])
    # a day next week at 10:00, Paris time, whatever the hour the test runs
    day = timezone.localtime(timezone.now()).date() + timedelta(days=7)
    t0 = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    agents = [make_agent(brands=[lune], presence="available"), make_agent(brands=[lune], presence="available")]
    supervisor = Agent.objects.create(user=make_user(role="supervisor"), languages=["fr"], presence="available")
    Certification.objects.create(agent=supervisor, brand=lune)
    agents.append(supervisor)
    _booked_slot(pool, agents[1], t0)
    Agent.objects.update(idle_since=t0, last_seen_at=t0 + timedelta(days=1))  # logged in at 0, as simulated
    index = {a.pk: i for i, a in enumerate(agents)}
    clock = [t0]
    contacts: dict[int, int] = {}  # contact id -> index in the log
    ends: dict[int, int] = {}  # contact id -> second its handling ends
    declines: dict[int, int] = {}  # offer id -> second the bot declines it
    back: dict[int, int] = {}  # agent index -> second the bot is available again
    answered: set[int] = set()
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        for second in range(HORIZON):
            now = clock[0] = t0 + timedelta(seconds=second)
            for cid in [c for c, end in ends.items() if end == second]:
                offer = Offer.objects.select_related("agent__user", "contact").get(contact_id=cid, status="accepted")
                resolve(offer.agent.user, offer.contact, wrap_up_code="solved")
                del ends[cid]
            for offer_id in [o for o, at in declines.items() if at == second]:
                offer = Offer.objects.select_related("agent__user").get(pk=offer_id)
                actions.decline_offer(offer.agent.user, offer_id, reason="not now")
                del declines[offer_id]
            for i in [i for i, at in back.items() if at == second]:
                actions.set_presence(agents[i], "available", now=now)
                del back[i]
            for n, (t, _) in enumerate(LOG):
                if t == second:
                    contact, _, _ = receive(Inbound(
                        brand=lune, channel="voice", body="Allô", language="fr", received_at=now,
                        customer=CustomerData(name="Client", email=f"c{n}@example.org")))
                    contacts[contact.pk] = n
            while route(now=now):  # each answer wakes the dispatcher again, as in the simulator
                for offer in Offer.objects.filter(status="pending").exclude(pk__in=answered).select_related("agent__user"):
                    answered.add(offer.pk)
                    answer = ANSWERS.get((contacts[offer.contact_id], index[offer.agent_id]))
                    if answer == "decline":
                        declines[offer.pk] = second + DECLINE_DELAY
                    elif answer is None:
                        actions.accept_offer(offer.agent.user, offer.pk)
                        ends[offer.contact_id] = second + LOG[contacts[offer.contact_id]][1]
                    # "no_answer": the offer times out
            for agent in Agent.objects.filter(presence="break"):
                # put away by no-answers this second: back after the simulator's away_seconds
                back.setdefault(index[agent.pk], second + int(routing_defaults.AWAY_SECONDS))
    return [(int(round((o.offered_at - t0).total_seconds())), contacts[o.contact_id], index[o.agent_id])
            for o in Offer.objects.order_by("offered_at", "pk")]


@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_bookings_declines_no_answers_and_supervisors_decide_as_simulated(
        tmp_path, make_brand, make_agent, make_user, settings, mode):
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    # the core times an offer out OFFER_MARGIN after the database; with the clock moved by whole
    # seconds, the database's timeout is set so that the core's falls on the simulator's second
    settings.ROADIE_OFFER_TIMEOUT = routing_defaults.OFFER_TIMEOUT - OFFER_MARGIN
    sim = simulated(tmp_path)
    route = LiveCore(reconcile_every=10**9).round if mode == "events" else tick
    live = dispatched(make_brand, make_agent, make_user, route)
    assert live == sim, f"\nlive {live}\nsim  {sim}"
    # the day does exercise each rule
    assert sim[:2] == [(1, 0, 1), (3, 0, 0)]  # the booked roadie first; declined: the other at once
    no_answers = [t for t, c, a in sim if (c, a) == (2, 1)]
    assert no_answers == [50, 80, 110]  # three in a row, then away until 140 + 300
    assert (350, 2, 2) in sim  # the supervisor, 300 s after contact 2 arrived
    assert not any(a == 2 and t < 350 for t, _, a in sim)
    assert (440, 7, 1) in sim  # back from away

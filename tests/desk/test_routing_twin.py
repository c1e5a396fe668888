"""One scenario through the simulator and through the live dispatcher: the same decisions.

Two brands pooled together, overflowing to a weekend relay after 60 s; calls and chats replayed
from one contact log. The simulator runs it (`roadie.engine.sim`, pools from the scenario's
``[[pools]]``); the dispatcher runs it on the database (pools from `brands.Pool`), with bots
accepting every offer at once and resolving it after the logged handle time, the clock moved
second by second. Each contact must go to the same agent at the same second in both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import numpy as np
import pytest
from django.utils import timezone

from roadie.desk.brands.models import Pool, ServiceLevelPolicy
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, resolve
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer
from roadie.engine.sim import run, scenario_from_dict
from roadie.engine.sim.engine import DONE

pytestmark = pytest.mark.django_db

# arrival (s), brand, channel, handle (s): the pooled team (two agents) is soon busy with
# calls; the relay agent takes what waited 60 s, or at once what nobody of the team can hold
LOG = [
    (1, "lune", "voice", 200), (3, "soleil", "voice", 150), (5, "lune", "chat", 90),
    (8, "soleil", "chat", 120), (12, "lune", "voice", 100), (20, "soleil", "voice", 80),
    (31, "lune", "chat", 40), (45, "soleil", "chat", 60), (70, "lune", "voice", 30),
    (90, "soleil", "voice", 50), (140, "lune", "chat", 30), (160, "soleil", "chat", 20),
]
HORIZON = 600


def simulated(tmp_path) -> list[tuple[int, int]]:
    log = tmp_path / "log.csv"
    log.write_text("arrival,brand,channel,handle_seconds\n" + "".join(
        f"{t},{b},{c},{h}\n" for t, b, c, h in LOG))
    scn = scenario_from_dict({
        "replay": {"file": str(log)},
        "policy": "regular_brand_first",
        "max_pending_offers": 1,
        "pools": [{"slug": "pooled", "brands": ["lune", "soleil"], "overflow_to": "relay",
                   "overflow_after": 60}, {"slug": "relay"}],
        "teams": [
            {"name": "pooled", "count": 2, "brands": ["lune", "soleil"], "pools": ["pooled"]},
            {"name": "relay", "count": 1, "brands": ["lune", "soleil"], "pools": ["relay"]},
        ],
    })
    res = run(scn, np.random.default_rng(0))
    assert (res.outcome == DONE).all()
    return [(int(a), int(round(s))) for a, s in zip(res.agent, res.start, strict=True)]


def dispatched(make_brand, make_agent, route) -> list[tuple[int, int]]:
    lune, soleil = make_brand(slug="lune"), make_brand(slug="soleil")
    ServiceLevelPolicy.objects.all().delete()  # no policy: each channel's default answer time, as simulated
    relay = Pool.objects.create(slug="relay", name="Relay")
    pooled = Pool.objects.create(slug="pooled", name="Pooled", overflow_to=relay, overflow_after_seconds=60)
    pooled.brands.set([lune, soleil])
    t0 = timezone.now().replace(microsecond=0) + timedelta(days=1)
    clock = [t0]
    agents = [make_agent(brands=[lune, soleil], presence="available") for _ in range(2)]
    agents.append(make_agent(brands=[lune, soleil], presence="available"))
    agents[2].is_backup = True
    agents[2].save()
    for a in agents:  # logged in at the start, as the simulated agents
        type(a).objects.filter(pk=a.pk).update(idle_since=t0, last_seen_at=t0 + timedelta(days=1))
    index = {a.pk: i for i, a in enumerate(agents)}
    contacts, ends = [], {}
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        for second in range(HORIZON):
            now = clock[0] = t0 + timedelta(seconds=second)
            for contact in [c for c, end in ends.items() if end == second]:
                resolve(contact.agent.user, contact, wrap_up_code="solved")
                del ends[contact]
            for t, brand, channel, _ in LOG:
                if t == second:
                    contact, _, _ = receive(Inbound(
                        brand=lune if brand == "lune" else soleil, channel=channel, body="Bonjour",
                        language="fr", received_at=now,
                        customer=CustomerData(name="Client", email=f"c{t}@example.org")))
                    contacts.append(contact)
            while route(now=now):  # each accept wakes the dispatcher again, as in the simulator
                for offer in Offer.objects.filter(status="pending").select_related("agent__user", "contact"):
                    actions.accept_offer(offer.agent.user, offer.pk)
                    handle = next(h for t, *_, h in LOG if t == _seconds(offer.contact.arrived_at, t0))
                    offer.contact.refresh_from_db()
                    ends[offer.contact] = second + handle
    out = []
    for contact in contacts:
        offer = Offer.objects.get(contact=contact, status="completed")
        out.append((index[offer.agent_id], _seconds(offer.offered_at, t0)))
    return out


def _seconds(at: datetime, t0: datetime) -> int:
    return int(round((at - t0).total_seconds()))


@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_the_dispatcher_decides_as_the_simulator(tmp_path, make_brand, make_agent, settings, mode):
    settings.ROADIE_MAX_PENDING_OFFERS = 1
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    sim = simulated(tmp_path)
    # the in-memory core fed by events, or a core rebuilt from the database every round
    route = LiveCore(reconcile_every=10**9).round if mode == "events" else tick
    live = dispatched(make_brand, make_agent, route)
    assert live == sim, f"{live}\n{sim}"
    # the scenario does exercise the cascade: the relay agent (2) served someone, late
    assert any(agent == 2 and start - t >= 60 for (agent, start), (t, *_) in zip(live, LOG, strict=True))

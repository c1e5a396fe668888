"""Routing across processes: two dispatchers (one leads, one stands by), the leader killed
with SIGKILL mid-stream, agents accepting, declining and ignoring offers through the API.
Afterwards the offer history, read from the database, must show that no contact was ever
offered to two agents at once, no agent was ever over capacity or offered a brand they are
not certified for, and every contact was handled."""

from __future__ import annotations

import json
import random
import signal
import time
import urllib.error

import pytest

from livestack import running_roadie

pytestmark = pytest.mark.slow

CHECK = r"""
import json
from collections import defaultdict
from roadie.desk.routing.models import Offer
from roadie.desk.contacts.models import Contact
from roadie.desk.agents.models import Certification
certified = set(Certification.objects.values_list("agent_id", "brand_id"))
capacity = {}
events = defaultdict(list)
per_contact = defaultdict(list)
bad_cert = 0
for o in Offer.objects.select_related("agent", "contact"):
    capacity[o.agent_id] = o.agent.capacity
    end = o.ended_at.timestamp() if o.ended_at else float("inf")
    events[o.agent_id] += [(o.offered_at.timestamp(), o.cost), (end, -o.cost)]
    per_contact[o.contact_id].append((o.offered_at.timestamp(), end))
    bad_cert += (o.agent_id, o.contact.brand_id) not in certified
over = 0
for agent, evs in events.items():
    load = 0
    for _, delta in sorted(evs, key=lambda e: (e[0], e[1])):
        load += delta
        over += load > capacity[agent]
overlap = 0
for spans in per_contact.values():
    spans.sort()
    overlap += sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1])
print(json.dumps({"over_capacity": over, "overlapping_offers": overlap, "uncertified": bad_cert,
                  "offers": Offer.objects.count(),
                  "statuses": sorted(set(Offer.objects.values_list("status", flat=True))),
                  "open": Contact.objects.exclude(status="resolved").count()}))
"""


def _leader(live) -> str:
    """Who holds the dispatcher lease (``/healthz`` names a state only)."""
    return live.roadie("shell", "-c", "from roadie.desk.routing.dispatcher import dispatcher_leader; "
                       "print(dispatcher_leader())").splitlines()[-1]


def test_dispatchers_keep_the_invariants_through_a_leader_kill(tmp_path):
    with running_roadie(tmp_path, dispatchers=2, agents=10,
                        extra_env={"ROADIE_OFFER_TIMEOUT": "2",
                                   # bots on a 2 s timeout: no break after missed offers
                                   "ROADIE_AWAY_AFTER_NO_ANSWERS": "0"}) as live:
        live.wait_healthy(tmp_path)
        leader = _leader(live)
        admin = live.token("admin")
        agents = live.api("GET", "/agents", token=admin)
        tokens = live.roadie("token", *[a["username"] for a in agents]).split()
        for token in tokens:
            live.api("POST", "/agents/me/presence", token=token, payload={"presence": "available"})

        rng = random.Random(3)
        brands_of = {token: set(a["brands"]) for token, a in zip(tokens, agents, strict=True)}
        served_brands = sorted(set().union(*brands_of.values()))
        created = []
        for i in range(40):
            brand = rng.choice(served_brands)
            for channel in (rng.choice(["chat", "chat", "email", "voice"]), "chat", "email", "voice"):
                try:  # a channel the brand does not have is refused (422): take another
                    created.append(live.api("POST", "/contacts", token=admin, payload={
                        "brand": brand, "channel": channel, "body": f"Message {i}", "language": "fr",
                    })["id"])
                    break
                except urllib.error.HTTPError as exc:
                    assert exc.code == 422, exc.read()

        killed = False
        resolved: set[int] = set()
        ignored: set[int] = set()
        deadline = time.monotonic() + 120
        while len(resolved) < len(created) and time.monotonic() < deadline:
            if not killed and any(live.api("GET", "/agents/me/offers", token=t) for t in tokens[:3]):
                # Kill whichever dispatcher leads, mid-stream, without a chance to clean up.
                pid = int(leader.rsplit(":", 1)[1])
                victim = next(p for p in live.processes if p.pid == pid)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                killed = True
            for token in tokens:
                for offer in live.api("GET", "/agents/me/offers", token=token):
                    if offer["id"] in ignored:
                        continue
                    roll = rng.random()
                    try:
                        if roll < 0.75:
                            live.api("POST", f"/offers/{offer['id']}/accept", token=token)
                            cid = offer["contact"]["id"]
                            live.api("POST", f"/contacts/{cid}/replies", token=token, payload={"body": "Voilà"})
                            live.api("POST", f"/contacts/{cid}/resolve", token=token,
                                     payload={"wrap_up_code": "solved"})
                            resolved.add(cid)
                        elif roll < 0.9:
                            live.api("POST", f"/offers/{offer['id']}/decline", token=token)
                        else:
                            ignored.add(offer["id"])  # let it time out
                    except urllib.error.HTTPError as exc:
                        assert exc.code == 409, exc.read()  # timed out meanwhile: fine
            time.sleep(0.2)

        assert killed, "no offer was ever made"
        # The dead leader's lease runs out (10 s) and the standby takes the lead.
        deadline = time.monotonic() + 30
        while _leader(live) in (leader, "None"):
            assert time.monotonic() < deadline, "the standby did not take over"
            time.sleep(0.5)
        assert resolved == set(created), f"{len(set(created) - resolved)} contacts never handled"
        report = json.loads(live.roadie("shell", "-c", CHECK).splitlines()[-1])
        print(report)
        assert report["over_capacity"] == 0
        assert report["overlapping_offers"] == 0
        assert report["uncertified"] == 0
        assert report["open"] == 0
        assert {"completed", "declined", "expired"} <= set(report["statuses"])

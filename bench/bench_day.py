"""A day at scale: a whole day of contacts replayed through the live dispatcher, faster than
real time, then checked from the database.

CONTACTS contacts arrive over one day (an intraday curve: quiet at night, peaks late morning
and mid-afternoon) for 20 brands on four channels (voice, chat, email, WhatsApp), some needing
a product-area skill (``area:billing``) or English. The brands are served by five team pools
of four brands each, every one overflowing to a relay pool after its delay; the fifth team
works days only, so at night its contacts wait out the delay and go to the relay (the weekend
relay of the field, here every night). AGENTS agents work 8-hour shifts following the curve
(each team keeps one roadie on the night shift, the relay is on all day), each certified for
their team's four brands (regular on two), or, for the relay, all 20; capacity 6 units with
channel limits (chat 3, email 2, voice 1; one in ten never takes calls).

Every part is a separate process, the same code production runs:

* the **live dispatcher** (``roadie.desk.routing.dispatcher.Dispatcher``, what ``roadie
  dispatch`` runs, in-memory core fed by events, LISTEN/NOTIFY on PostgreSQL);
* ``--generators`` **intake** processes: each arrival through ``contacts.actions.receive`` at its
  time; a caller or chatter still waiting after their patience hangs up (``abandon``, with the
  reason);
* ``--bots`` **agent** processes, each playing a range of agents (answers and resolutions on
  ``--bot-threads`` threads each): log in and out at their shift
  times (``routing.actions.set_presence``: available, then a break at the end of the shift
  until the contacts in hand are done, then offline), accept 90 % of offers after a reaction
  time (``accept_offer``), decline 6 % (``decline_offer``), let 4 % time out, hold each contact
  for its handle time and resolve it (``contacts.actions.resolve``); an agent the dispatcher
  put on a break for missing offers comes back two (replayed) minutes later.

What is compressed, by SPEED = 86,400 / DAY_SECONDS: the arrival times, the handle times, the
customers' patience, the pools' overflow delays, the answer targets of the service levels,
``ROADIE_DECLINE_COOLDOWN`` and ``ROADIE_SUPERVISORS_AFTER`` (all divided by SPEED), and the
shifts. What is not: the dispatcher's own clock and timings (its round interval, wake-up,
lease, reconciliation every ``ROADIE_RECONCILE_SECONDS``), the database, and the offer timeout
(``--offer-timeout``, real seconds: bots need real time to answer). Agents never send
heartbeats (``ROADIE_AGENT_STALE_SECONDS`` is set out of reach). No clock is faked: every
timestamp is the real one, so durations in the database are real, compressed ones.

After the day, the bots keep working until no contact is waiting or in service (``--drain``
seconds at most), then everything is checked from the database:

* **lost**: contacts sent but not in the database, resolved ones without the accepted offer of
  their agent, abandoned ones without a reason (0 expected); still waiting at the end is
  counted as such, not as lost;
* **double-offered**: two active offers of one contact overlapping in time (pending or
  accepted: two agents holding one contact), from the whole offer history;
* **over capacity**: at any moment of the offer history, an agent holding more units than
  their capacity or more contacts of a channel than their limit for it;

and reported: wall time, offers by outcome, p50/p99 time to offer (first offer - arrival), the
dispatcher's CPU. Needs PostgreSQL (a scratch database named ``bench_day_replay_*`` is made and
dropped) unless ``--sqlite PATH`` (migrated if new) or ``--database-url URL`` (an existing
database, migrated and empty, left in place).

    python bench/bench_day.py --contacts 100000 --agents 2000 --day-seconds 1800
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import os
import platform
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = 86_400.0
BRANDS, TEAMS = 20, 5
# Share of the day's arrivals in each hour (Paris): night, morning ramp, late-morning peak,
# lunch dip, afternoon peak, evening.
PROFILE = (0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1.0, 2.5, 5.0, 7.5, 8.0, 7.5,
           6.0, 6.5, 7.5, 7.5, 7.0, 6.5, 5.5, 4.5, 3.5, 2.5, 1.8, 1.0)
DAY_MIX = {"voice": 0.35, "chat": 0.35, "email": 0.20, "whatsapp": 0.10}  # 08:00-20:00
NIGHT_MIX = {"voice": 0.10, "chat": 0.30, "email": 0.45, "whatsapp": 0.15}
HANDLE = {"voice": 300.0, "chat": 480.0, "email": 360.0, "whatsapp": 600.0}  # mean, replayed seconds
PATIENCE = {"voice": 180.0, "chat": 300.0, "whatsapp": None, "email": None}  # mean; messages wait
ANSWER = {"voice": 60, "chat": 60, "whatsapp": 900, "email": 14_400}  # answer targets (replayed)
OVERFLOW_AFTER = 120.0  # a team pool's overflow delay to the relay (replayed seconds)
# Shift starts (hour) with their share of the agents; 8 hours each; night wraps past midnight.
SHIFTS = ((22, 0.08), (6, 0.08), (7, 0.12), (8, 0.18), (9, 0.16), (10, 0.10), (12, 0.10),
          (13, 0.10), (14, 0.08))
DAY_TEAM_SHIFTS = ((8, 0.3), (9, 0.3), (10, 0.2), (12, 0.2))  # the fifth team: 08:00-20:00
SHIFT = 8 * 3600.0
ACCEPT, DECLINE = 0.90, 0.06  # the rest: let the offer time out
BREAK_BACK = 120.0  # an agent put on a break by the dispatcher comes back after (replayed)


# ---------------------------------------------------------------- the day (pure, seeded)
def plan(*, contacts: int, agents: int, seed: int, hours: tuple[float, float] = (0, 24)) -> dict:
    """The day: brands, pools, agents with their shifts (replayed seconds), arrivals (of the
    day's ``CONTACTS``, those in ``hours``: a window of the day, replayed alone)."""
    rng = random.Random(seed)
    brands = [f"d{i:02d}" for i in range(BRANDS)]
    weight = [1 / (i + 1) ** 0.6 for i in range(BRANDS)]
    team_of = {b: i * TEAMS // BRANDS for i, b in enumerate(brands)}
    team_load = [sum(w for b, w in zip(brands, weight, strict=True) if team_of[b] == t) for t in range(TEAMS)]
    relay = max(1, round(agents * 0.05))
    staff = agents - relay
    sizes = [max(1, round(staff * load / sum(team_load))) for load in team_load]
    sizes[0] += staff - sum(sizes)
    roster = []
    for team, size in enumerate(sizes):
        mine = [b for b in brands if team_of[b] == team]
        patterns = DAY_TEAM_SHIFTS if team == TEAMS - 1 else SHIFTS
        for k in range(size):
            # every 24-hour team has someone on the night shift, whatever its size
            start = 22 if k == 0 and team < TEAMS - 1 else _pick(rng, patterns)
            roster.append({"team": team, "brands": mine, "regular": rng.sample(mine, 2),
                           "shifts": _segments(start * 3600.0), "relay": False,
                           "languages": ["fr", "en"] if rng.random() < 0.5 else ["fr"],
                           "billing": rng.random() < 0.3,
                           "limits": {"chat": 3, "email": 2, "voice": 0 if rng.random() < 0.1 else 1}})
    for k in range(relay):  # the first relay roadie is on all day, the others on shifts
        roster.append({"team": None, "brands": brands, "regular": [], "relay": True,
                       "shifts": [(0.0, DAY)] if k == 0 else _segments(_pick(rng, SHIFTS) * 3600.0),
                       "languages": ["fr", "en"], "billing": True,
                       "limits": {"chat": 3, "email": 2, "voice": 1}})
    drawn = rng.choices(range(24), weights=PROFILE, k=contacts)
    arrivals = []
    for n, hour in enumerate(sorted(drawn)):
        t = (hour + rng.random()) * 3600.0
        mix = DAY_MIX if 8 <= hour < 20 else NIGHT_MIX
        channel = rng.choices(list(mix), weights=list(mix.values()))[0]
        brand = rng.choices(range(BRANDS), weights=weight)[0]
        arrivals.append({
            "n": n, "t": t, "brand": brands[brand], "channel": channel,
            "language": "en" if brand < 10 and rng.random() < 0.2 else "fr",
            "billing": rng.random() < 0.08,
            "patience": None if PATIENCE[channel] is None else rng.expovariate(1 / PATIENCE[channel]),
            # about one contact in three is from a customer who wrote before
            "customer": rng.randrange(max(1, contacts // BRANDS)),
        })
    window = (hours[0] * 3600.0, hours[1] * 3600.0)
    arrivals = sorted((a for a in arrivals if window[0] <= a["t"] < window[1]), key=lambda a: a["t"])
    return {"brands": brands, "team_of": team_of, "roster": roster, "arrivals": arrivals, "window": window}


def on_shift(shifts, clock: float, window: tuple[float, float]) -> bool:
    """At ``clock`` (replayed); after the window, whoever was on at its end stays (the drain)."""
    clock = min(clock, window[1] - 1e-3)
    return any(s <= clock < e for s, e in shifts)


def _pick(rng: random.Random, patterns) -> int:
    return rng.choices([h for h, _ in patterns], weights=[w for _, w in patterns])[0]


def _segments(start: float) -> list[tuple[float, float]]:
    end = start + SHIFT
    if end <= DAY:
        return [(start, end)]
    return [(0.0, end - DAY), (start, DAY)]  # a night shift: the end of last night, then tonight's


# ---------------------------------------------------------------- set-up
def _django(url: str, *, speed: float, offer_timeout: float) -> None:
    if url.startswith("sqlite:"):
        os.environ["ROADIE_SQLITE_PATH"] = url[len("sqlite:"):]
        os.environ.pop("ROADIE_DATABASE_URL", None)
    else:
        os.environ["ROADIE_DATABASE_URL"] = url
    os.environ.setdefault("ROADIE_DATA_DIR", f"/tmp/bench-day-replay-{os.getpid()}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "roadie.desk.settings"
    os.environ["ROADIE_AGENT_STALE_SECONDS"] = "100000000"
    os.environ["ROADIE_OFFER_TIMEOUT"] = str(offer_timeout)
    os.environ["ROADIE_DECLINE_COOLDOWN"] = str(300.0 / speed)
    os.environ["ROADIE_SUPERVISORS_AFTER"] = str(300.0 / speed)
    os.environ.setdefault("ROADIE_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def load(day: dict, *, speed: float, migrate: bool = True) -> None:
    """Brands, pools, policies, agents in bulk: set-up, not what is measured. ``migrate``:
    False for a database given already migrated."""
    from django.core.management import call_command
    from django.utils import timezone

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Certification, Skill
    from roadie.desk.brands.models import Brand, Pool, ServiceLevelPolicy, WrapUpCode

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    brands = Brand.objects.bulk_create([Brand(slug=s, name=f"Brand {s}") for s in day["brands"]])
    by_slug = {b.slug: b for b in brands}
    ServiceLevelPolicy.objects.bulk_create([
        ServiceLevelPolicy(brand=b, channel=c, answer_seconds=max(1, round(s / speed)))
        for b in brands for c, s in ANSWER.items()])
    WrapUpCode.objects.bulk_create([WrapUpCode(brand=b, code="solved", label="Résolu") for b in brands])
    relay = Pool.objects.create(slug="relay", name="Relay")
    for team in range(TEAMS):
        pool = Pool.objects.create(slug=f"team-{team}", name=f"Team {team}", overflow_to=relay,
                                   overflow_after_seconds=max(1, round(OVERFLOW_AFTER / speed)))
        pool.brands.set([by_slug[b] for b, t in day["team_of"].items() if t == team])
    users = User.objects.bulk_create([User(username=f"roadie{i}", password="!", role="agent")
                                      for i in range(len(day["roster"]))])
    now = timezone.now()
    start = day["window"][0]  # who is on shift when the replay starts is logged in already
    staff = Agent.objects.bulk_create([
        Agent(user=u, languages=r["languages"], capacity=6, channel_limits=r["limits"], is_backup=r["relay"],
              presence="available" if on_shift(r["shifts"], start, day["window"]) else "offline",
              last_seen_at=now, idle_since=now)
        for u, r in zip(users, day["roster"], strict=True)])
    Certification.objects.bulk_create([
        Certification(agent=a, brand=by_slug[b], regular=b in r["regular"])
        for a, r in zip(staff, day["roster"], strict=True) for b in r["brands"]], batch_size=5000)
    Skill.objects.bulk_create([Skill(agent=a, name="billing") for a, r in zip(staff, day["roster"], strict=True)
                               if r["billing"]])


# ---------------------------------------------------------------- the processes
def dispatch() -> None:
    from roadie.desk.routing.dispatcher import Dispatcher

    dispatcher = Dispatcher(holder=f"bench-day:{os.getpid()}")
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
    dispatcher.run()


def generate(day: dict, *, k: int, of: int, t0: float, speed: float, tag: str, cut: float = math.inf) -> None:
    """Arrivals n = k (mod of) through ``receive`` at their time; hang-ups after patience.
    No arrival is sent after ``cut`` (real time): the rest of the day is not replayed.
    Prints how late the intake ran behind the schedule."""
    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.actions import CustomerData, Inbound, abandon, receive
    from roadie.desk.contacts.models import Contact, Status

    brands = {b.slug: b for b in Brand.objects.all()}
    mine = [a for a in day["arrivals"] if a["n"] % of == k]
    leaving: list[tuple[float, int, float]] = []  # (real time, contact id, patience)
    lag, abandoned, sent = 0.0, 0, 0
    last = None
    for a in [*mine, None]:
        if a is not None and max(time.time(), t0 + (a["t"] - day["window"][0]) / speed) > cut:
            a = None  # out of time: the day is replayed up to here
        due = t0 + (a["t"] - day["window"][0]) / speed if a else math.inf
        while leaving and leaving[0][0] <= due:  # hang-ups due before the next arrival
            time.sleep(max(0.0, leaving[0][0] - time.time()))
            batch = []
            while leaving and leaving[0][0] <= time.time():
                batch.append(heapq.heappop(leaving))
            still = set(Contact.objects.filter(pk__in=[c for _, c, _ in batch],
                                               status__in=[Status.QUEUED, Status.OFFERED])
                        .values_list("pk", flat=True))
            for _, cid, patience in batch:
                if cid in still:
                    abandoned += abandon(Contact(pk=cid), reason=f"customer left after {patience:.0f} s"
                                         ).status == Status.ABANDONED
        if a is None:
            break
        time.sleep(max(0.0, due - time.time()))
        lag = max(lag, time.time() - due)
        sent += 1
        contact, _, _ = receive(Inbound(
            brand=brands[a["brand"]], channel=a["channel"], body="Bonjour", subject=tag,
            language=a["language"], external_id=str(a["n"]), extra_skills=("area:billing",) if a["billing"] else (),
            customer=CustomerData(name="Client", email=f"c{a['customer']}@{a['brand']}.example")))
        last = a["t"]
        if a["patience"] is not None:
            heapq.heappush(leaving, (time.time() + a["patience"] / speed, contact.pk, a["patience"]))
    print("GEN " + json.dumps({"sent": sent, "planned": len(mine), "abandoned": abandoned, "max_lag": lag,
                               "last": last}), flush=True)


def bots(day: dict, *, k: int, of: int, t0: float, speed: float, stop: str, seed: int, threads: int = 4) -> None:
    """Agents with index i = k (mod of): shifts, offers answered, contacts handled. Answers
    and resolutions run on ``threads`` threads (each its own database connection), so that
    one slow write does not hold up the other agents of the process."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.db import connection

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Presence
    from roadie.desk.contacts.actions import ActionError, resolve
    from roadie.desk.contacts.models import Contact
    from roadie.desk.routing.actions import accept_offer, decline_offer, set_presence
    from roadie.desk.routing.models import Offer, OfferStatus

    rng = random.Random(seed * 1009 + k)
    timeout = settings.ROADIE_OFFER_TIMEOUT
    users = {u.agent.pk: u for u in User.objects.filter(username__in=[
        f"roadie{i}" for i in range(k, len(day["roster"]), of)]).select_related("agent")}
    shifts = {a: day["roster"][int(u.username[6:])]["shifts"] for a, u in users.items()}
    mine = sorted(users)
    holding: dict[int, dict[int, float]] = {a: {} for a in mine}  # agent -> contact -> resolve at (real)
    answers: dict[int, tuple] = {}  # offer -> (answer at, accept or decline, agent, handle seconds)
    seen: set[int] = set()
    presence = dict.fromkeys(mine, Presence.OFFLINE)
    resting: set[int] = set()  # on a break of their own: the shift is over, contacts in hand
    back_at: dict[int, float] = {}  # put on a break by the dispatcher: back at (real)
    counts: dict[str, int] = defaultdict(int)
    read_at = 0.0
    inflight: dict[int, int] = defaultdict(int)  # agent -> answers and resolutions under way
    running: list = []  # (future, agent)
    pool = ThreadPoolExecutor(max_workers=threads)

    def answer(offer_id: int, what: str, agent_id: int, seconds: float):
        try:
            if what == "decline":
                decline_offer(users[agent_id], offer_id, reason="busy with something else")
                return "declined", None
            offer = accept_offer(users[agent_id], offer_id)
        except (ActionError, Offer.DoesNotExist):
            return f"{what}_too_late", None  # timed out, or the customer hung up
        finally:
            connection.close_if_unusable_or_obsolete()
        return "accepted", (offer.contact_id, time.time() + seconds / speed)

    def finish(agent_id: int, contact_id: int):
        try:
            resolve(users[agent_id], Contact(pk=contact_id), wrap_up_code="solved")
        except ActionError:
            return "resolve_refused", None  # taken away meanwhile (went offline)
        return "resolved", None

    def go(a: int, to: str) -> None:
        try:
            set_presence(users[a].agent, to)
        except ActionError:
            counts["presence_refused"] += 1
            return
        presence[a] = to
        counts[f"went_{to}"] += 1

    while not os.path.exists(stop):
        now = time.time()
        clock = day["window"][0] + (now - t0) * speed
        if now - read_at > 0.5:  # the dispatcher may have put someone on a break
            presence.update(Agent.objects.filter(pk__in=mine).values_list("pk", "presence"))
            read_at = now
        for a in mine if now >= t0 else ():
            on = on_shift(shifts[a], clock, day["window"])
            p = presence[a]
            if on and (p == Presence.OFFLINE or (p == Presence.BREAK and a in resting)):
                resting.discard(a)
                go(a, Presence.AVAILABLE)
            elif on and p == Presence.BREAK:  # missed too many offers: a break, then back
                if a not in back_at:
                    back_at[a] = now + BREAK_BACK / speed
                    counts["put_away"] += 1
                elif now >= back_at[a]:
                    del back_at[a]
                    go(a, Presence.AVAILABLE)
            elif not on and p == Presence.AVAILABLE:
                busy = bool(holding[a] or inflight[a])
                if busy:
                    resting.add(a)
                go(a, Presence.BREAK if busy else Presence.OFFLINE)
            elif not on and p == Presence.BREAK and not holding[a] and not inflight[a]:
                resting.discard(a)
                back_at.pop(a, None)
                go(a, Presence.OFFLINE)
        # Every pending offer (the status index reads only those), this process's agents kept
        # here: a list of hundreds of agent ids in the query, 20 times a second, cost more.
        for offer_id, agent_id, key, channel in (
                Offer.objects.filter(status=OfferStatus.PENDING)
                .values_list("pk", "agent_id", "contact__external_id", "contact__channel")):
            if offer_id in seen or agent_id not in users:
                continue
            seen.add(offer_id)
            roll = rng.random()
            if roll < ACCEPT + DECLINE:  # the rest: let it time out
                answers[offer_id] = (now + rng.uniform(0.05, 0.35) * timeout,
                                     "accept" if roll < ACCEPT else "decline", agent_id,
                                     handle_time(seed, key, channel))
        for offer_id, (at, what, agent_id, seconds) in list(answers.items()):
            if at <= now:
                del answers[offer_id]
                inflight[agent_id] += 1
                running.append((pool.submit(answer, offer_id, what, agent_id, seconds), agent_id))
        for agent_id, held in holding.items():
            for contact_id, at in list(held.items()):
                if at <= now:
                    del held[contact_id]
                    inflight[agent_id] += 1
                    running.append((pool.submit(finish, agent_id, contact_id), agent_id))
        still = []
        for future, agent_id in running:
            if not future.done():
                still.append((future, agent_id))
                continue
            inflight[agent_id] -= 1
            what, hold = future.result()
            counts[what] += 1
            if hold is not None:
                holding[agent_id][hold[0]] = hold[1]
        running = still
        time.sleep(0.05)
    pool.shutdown(wait=True)
    for future, _ in running:  # finished after the last look
        counts[future.result()[0]] += 1
    print("BOTS " + json.dumps(counts), flush=True)


def handle_time(seed: int, key: str, channel: str) -> float:
    """A contact's handle time (replayed seconds): log-normal around the channel's mean, the
    same for a conversation key in every run of a seed."""
    mean = HANDLE.get(channel, HANDLE["chat"])
    return random.Random(f"{seed}:{key}").lognormvariate(math.log(mean) - 0.18, 0.6)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the check, from the database
def verdict(*, tag: str, sent: int, speed: float) -> dict:
    """The three zeros and the figures, read from the database after the run."""
    from django.db.models import Exists, Min, OuterRef

    from roadie.desk.agents.models import Agent
    from roadie.desk.contacts.models import Contact, ContactEvent, EventKind, Status
    from roadie.desk.routing.models import Offer, OfferStatus

    contacts = Contact.objects.filter(subject=tag)
    statuses = defaultdict(int)
    for status in contacts.values_list("status", flat=True):
        statuses[status] += 1
    found = sum(statuses.values())
    unserved = contacts.filter(status=Status.RESOLVED).exclude(Exists(Offer.objects.filter(
        contact=OuterRef("pk"), agent=OuterRef("agent"), status=OfferStatus.COMPLETED))).count()
    reasons = dict(ContactEvent.objects.filter(contact__subject=tag, kind=EventKind.ABANDONED)
                   .values_list("contact_id", "detail"))
    unexplained = sum(1 for c in contacts.filter(status=Status.ABANDONED).values_list("pk", flat=True)
                      if not (reasons.get(c) or {}).get("reason"))
    agents = {pk: (capacity, limits or {}) for pk, capacity, limits in
              Agent.objects.values_list("pk", "capacity", "channel_limits")}
    relay = set(Agent.objects.filter(is_backup=True).values_list("pk", flat=True))
    spans: dict[int, list] = defaultdict(list)
    moves: dict[int, list] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    to_relay = 0
    for contact_id, agent_id, cost, channel, status, start, end in (
            Offer.objects.filter(contact__subject=tag).values_list(
                "contact_id", "agent_id", "cost", "contact__channel", "status", "offered_at", "ended_at")):
        start = start.timestamp()
        end = end.timestamp() if end else math.inf
        spans[contact_id].append((start, end))
        moves[agent_id] += [(start, 1, cost, channel), (end, -1, cost, channel)]
        outcomes[status] += 1
        to_relay += agent_id in relay
    double = sum(1 for s in spans.values() for a, b in itertools.pairwise(sorted(s)) if b[0] < a[1])
    over, peak = 0, 0
    for agent_id, events in moves.items():
        capacity, limits = agents[agent_id]
        units, per_channel = 0, defaultdict(int)
        for _, sign, cost, channel in sorted(events, key=lambda e: (e[0], e[1])):  # ends first
            units += sign * cost
            per_channel[channel] += sign
            if sign > 0:
                peak = max(peak, units)
                over += units > capacity or per_channel[channel] > limits.get(channel, math.inf)
    waits = sorted((first - arrived).total_seconds() for arrived, first in
                   contacts.annotate(first=Min("offers__offered_at")).filter(first__isnull=False)
                   .values_list("arrived_at", "first"))
    lost = (sent - found) + unserved + unexplained
    still = [{"contact": pk, "status": st, "channel": ch, "brand": b, "language": lang, "skills": sk, "agent": ag,
              "last_event": ContactEvent.objects.filter(contact_id=pk).order_by("-pk").values_list(
                  "kind", flat=True).first()}
             for pk, st, ch, b, lang, sk, ag in contacts.exclude(status__in=[Status.RESOLVED, Status.ABANDONED])
             .order_by("pk").values_list("pk", "status", "channel", "brand__slug", "language", "extra_skills",
                                         "agent_id")[:20]]
    return {
        "sent": sent, "arrived": found, "statuses": dict(statuses),
        "lost": lost, "lost_detail": {"not_in_database": sent - found, "resolved_without_offer": unserved,
                                      "abandoned_without_reason": unexplained},
        "open_detail": still, "still_open": sum(n for st, n in statuses.items() if st not in (Status.RESOLVED, Status.ABANDONED)),
        "double_offered": double, "over_capacity": over, "peak_units": peak,
        "offers": sum(outcomes.values()), "outcomes": dict(outcomes), "offers_to_relay": to_relay,
        "contacts_offered": len(waits),
        "offer_p50": _quantile(waits, 0.5), "offer_p99": _quantile(waits, 0.99),
        "offer_max": waits[-1] if waits else None, "speed": speed,
    }


def _quantile(values: list[float], q: float) -> float | None:
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


# ---------------------------------------------------------------- the controller
def replay(url: str, args) -> dict:
    """Load the day, run dispatcher, intake and bots as processes, drain, check."""
    import tempfile

    from roadie.desk.contacts.models import Contact, Status
    from roadie.desk.routing.models import Lease

    speed = DAY / args.day_seconds
    day = plan(contacts=args.contacts, agents=args.agents, seed=args.seed, hours=_hours(args))
    started = time.perf_counter()
    load(day, speed=speed, migrate=args.migrate)
    setup = time.perf_counter() - started
    work = Path(tempfile.mkdtemp(prefix="bench-day-replay-"))
    tag = f"day-{uuid.uuid4().hex[:6]}"
    me = [sys.executable, __file__, "--url", url, "--contacts", str(args.contacts), "--agents", str(args.agents),
          "--hours", args.hours,
          "--seed", str(args.seed), "--day-seconds", str(args.day_seconds),
          "--offer-timeout", str(args.offer_timeout), "--work", str(work),
          "--max-arrivals", str(args.max_arrivals), "--bot-threads", str(args.bot_threads)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    launched = time.perf_counter()
    dispatcher = subprocess.Popen([*me, "--role", "dispatch"], env=env)
    try:
        deadline = time.monotonic() + 600
        while not Lease.objects.filter(holder__startswith="bench-day:").exists():
            if dispatcher.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the dispatcher did not start")
            time.sleep(0.1)
        gens = [subprocess.Popen([*me, "--role", "generate", "--k", str(k), "--of", str(args.generators),
                                  "--tag", tag], env=env, stdout=subprocess.PIPE, text=True)
                for k in range(args.generators)]
        bots_ = [subprocess.Popen([*me, "--role", "bots", "--k", str(k), "--of", str(args.bots)], env=env,
                                  stdout=subprocess.PIPE, text=True) for k in range(args.bots)]
        children = gens + bots_
        while len(list(work.glob("ready-*"))) < len(children):  # each child set up (imports, plan)
            if any(c.poll() is not None for c in children) or dispatcher.poll() is not None:
                raise RuntimeError("a replay process died while starting")
            time.sleep(0.1)
        start = time.perf_counter() - launched
        t0 = time.time() + 1.0
        (work / "go.tmp").write_text(repr(t0))
        (work / "go.tmp").rename(work / "go")
        cpu0, wall0 = _cpu_seconds(dispatcher.pid), time.perf_counter()
        gen_out = [json.loads(_tagged(g.communicate()[0], "GEN ")) for g in gens]
        arrived_by = time.perf_counter() - wall0
        end = time.monotonic() + args.drain
        open_ = Contact.objects.filter(subject=tag, status__in=[Status.QUEUED, Status.OFFERED, Status.ACTIVE])
        while open_.exists() and time.monotonic() < end:
            time.sleep(0.2)
        wall = time.perf_counter() - wall0
        cpu = _cpu_seconds(dispatcher.pid) - cpu0
        divergences = sum(Lease.objects.filter(holder__startswith="bench-day:").values_list("divergences", flat=True))
        (work / "stop").write_text("")
        bot_out = [json.loads(_tagged(b.communicate()[0], "BOTS ")) for b in bots_]
    finally:
        dispatcher.terminate()
        dispatcher.wait(60)
    counts: dict[str, int] = defaultdict(int)
    for out in bot_out:
        for key, n in out.items():
            counts[key] += n
    result = verdict(tag=tag, sent=sum(g["sent"] for g in gen_out), speed=speed)
    result.update({
        "contacts": args.contacts, "agents": args.agents, "hours": args.hours, "brands": BRANDS, "day_seconds": args.day_seconds,
        "setup_seconds": setup, "start_seconds": start, "wall_seconds": wall, "arrivals_seconds": arrived_by,
        "dispatcher_cpu_seconds": cpu, "dispatcher_cpu_share": cpu / wall,
        "planned": sum(g["planned"] for g in gen_out),
        "replayed_until": max((g["last"] for g in gen_out if g["last"] is not None), default=None),
        "intake_max_lag": max(g["max_lag"] for g in gen_out), "hung_up": sum(g["abandoned"] for g in gen_out),
        "bots": dict(counts), "divergences": divergences, "offer_timeout": args.offer_timeout,
    })
    return result


def _hours(args) -> tuple[float, float]:
    start, _, end = args.hours.partition("-")
    return float(start), float(end)


def _tagged(stdout: str, prefix: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(prefix))[len(prefix):]


def _child(args) -> int:
    speed = DAY / args.day_seconds
    _django(args.url, speed=speed, offer_timeout=args.offer_timeout)
    if args.role == "dispatch":
        dispatch()
        return 0
    work = Path(args.work)
    day = plan(contacts=args.contacts, agents=args.agents, seed=args.seed, hours=_hours(args))
    from django.db import connection

    connection.ensure_connection()
    (work / f"ready-{args.role}-{args.k}").write_text("")
    while not (work / "go").exists():
        time.sleep(0.05)
    t0 = float((work / "go").read_text())
    if args.role == "generate":
        generate(day, k=args.k, of=args.of, t0=t0, speed=speed, tag=args.tag, cut=t0 + args.max_arrivals)
    else:
        bots(day, k=args.k, of=args.of, t0=t0, speed=speed, stop=str(work / "stop"), seed=args.seed,
             threads=args.bot_threads)
    return 0


def _pg_server() -> str:
    url = os.environ.get("ROADIE_DATABASE_URL")
    if url:
        return url
    return subprocess.run([str(ROOT / "scripts/pg-server"), "start"], capture_output=True, text=True,
                          check=True).stdout.strip()


def report(r: dict) -> str:
    sp = r["speed"]
    ms = lambda s: "-" if s is None else f"{s * 1000:.0f} ms (replayed {s * sp:.0f} s)"  # noqa: E731
    o, b = r["outcomes"], r["bots"]
    lines = [
        f"day replay through the live dispatcher: {r['contacts']:,} contacts a day, {r['agents']:,} agents, "
        f"{r['brands']} brands; " + ("the whole day" if r["hours"] == "0-24" else
                                     f"the hours {r['hours']} of the day ({r['sent']:,} contacts)") +
        f"; 86,400 s replayed in {r['day_seconds']:.0f} s (x{sp:.0f}); offer timeout "
        f"{r['offer_timeout']:.1f} s (real); Python {platform.python_version()}",
        "| | figure |", "|---|---|",
        f"| **lost** | **{r['lost']}** ({r['lost_detail']}) |",
        f"| **double-offered** (two active offers of one contact at once) | **{r['double_offered']}** |",
        f"| **over capacity** (units or a channel limit, any moment of the offer history) | "
        f"**{r['over_capacity']}** (highest load seen: {r['peak_units']} units) |",
        f"| contacts planned / sent / in the database | {r['planned']:,} / {r['sent']:,} / {r['arrived']:,} |",
        f"| replayed up to (hour of the day of the last arrival sent) | "
        f"{(r['replayed_until'] or 0) / 3600:.2f} h |",
        f"| resolved / abandoned (customer hung up) / still open at the end | "
        f"{r['statuses'].get('resolved', 0):,} / {r['statuses'].get('abandoned', 0):,} / {r['still_open']:,} |",
        f"| wall time, arrivals start to drained (arrivals took) | {r['wall_seconds']:.0f} s "
        f"({r['arrivals_seconds']:.0f} s) |",
        f"| intake: most behind schedule | {r['intake_max_lag']:.1f} s |",
        f"| offers (accepted+completed / declined / expired / released) | {r['offers']:,} "
        f"({o.get('completed', 0) + o.get('accepted', 0):,} / {o.get('declined', 0):,} / {o.get('expired', 0):,}"
        f" / {o.get('released', 0):,}) |",
        f"| offers to the relay pool (overflow) | {r['offers_to_relay']:,} |",
        f"| time to offer (first offer - arrival) p50 | {ms(r['offer_p50'])} |",
        f"| time to offer p99 | {ms(r['offer_p99'])} |",
        f"| time to offer max | {ms(r['offer_max'])} |",
        f"| dispatcher CPU | {r['dispatcher_cpu_seconds']:.0f} s, {r['dispatcher_cpu_share']:.0%} of one core |",
        f"| reconciliation divergences | {r['divergences']} |",
        f"| bots: accepted / declined / too late / put on a break by the dispatcher | {b.get('accepted', 0):,} / "
        f"{b.get('declined', 0):,} / {b.get('accept_too_late', 0) + b.get('decline_too_late', 0):,} / "
        f"{b.get('put_away', 0):,} |",
        f"| set-up (bulk load, not timed above) | {r['setup_seconds']:.0f} s |",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--agents", type=int, default=2_000)
    ap.add_argument("--day-seconds", type=float, default=1800.0, help="wall seconds the 24 h are replayed in")
    ap.add_argument("--offer-timeout", type=float, default=3.0, help="real seconds an offer rings")
    ap.add_argument("--generators", type=int, default=2, help="intake processes")
    ap.add_argument("--bots", type=int, default=4, help="agent processes")
    ap.add_argument("--bot-threads", type=int, default=4, help="threads answering and resolving, per agent process")
    ap.add_argument("--drain", type=float, default=600.0, help="after the day: at most this long for the rest")
    ap.add_argument("--hours", default="0-24", help="replay only this window of the day (e.g. 10-11)")
    ap.add_argument("--max-arrivals", type=float, default=math.inf,
                    help="wall seconds: stop sending arrivals after this (the day replayed up to there)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--sqlite", help="run on this SQLite file instead of PostgreSQL (migrated if new)")
    ap.add_argument("--database-url", help="run in this database (migrated, empty), left in place")
    ap.add_argument("--json", action="store_true", help="print the result as JSON too (RESULT line)")
    for hidden in ("--url", "--role", "--work", "--tag"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    ap.add_argument("--k", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--of", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role:
        return _child(args)
    if min(args.contacts, args.agents, args.generators, args.bots, args.bot_threads) < 1 or args.day_seconds <= 0:
        ap.error("--contacts, --agents, --generators, --bots, --bot-threads must be at least 1 "
                 "and --day-seconds positive")
    try:
        start, end = _hours(args)
    except ValueError:
        ap.error(f"--hours must look like START-END in hours (e.g. 10-11), not {args.hours!r}")
    if not 0 <= start < end <= 24:
        ap.error(f"--hours must be a window within 0-24, not {args.hours!r}")
    scratch = None
    args.migrate = False  # a database given is migrated already (a new SQLite file is not)
    if args.sqlite:
        url = f"sqlite:{Path(args.sqlite).resolve()}"
        args.migrate = not Path(args.sqlite).exists()
    elif args.database_url:
        url = args.database_url
    else:
        import psycopg

        base = _pg_server()
        scratch = f"bench_day_replay_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        url = f"{base.rpartition('/')[0]}/{scratch}"
        args.migrate = True
    try:
        _django(url, speed=DAY / args.day_seconds, offer_timeout=args.offer_timeout)
        result = replay(url, args)
    finally:
        if scratch:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    print(report(result), flush=True)
    if args.json:
        print("RESULT " + json.dumps(result), flush=True)
    zeros = result["lost"] == result["double_offered"] == result["over_capacity"] == 0
    return 0 if zeros else 2


if __name__ == "__main__":
    raise SystemExit(main())

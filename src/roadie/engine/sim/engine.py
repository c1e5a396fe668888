"""The discrete-event loop: contacts arrive, the routing core reserves agents, agents accept,
decline or let the offer time out, handle, wrap up and log out by their slots.

The loop drives :class:`roadie.engine.routing.Router` itself (the class the live dispatcher
uses), so a "what if" is answered by the code that routes live. Randomness comes only from the
``numpy.random.Generator`` passed in: the same seed gives the same run.
"""

from __future__ import annotations

import heapq
import math
import time as _time
from dataclasses import dataclass

import numpy as np

from roadie.engine.routing import (
    POLICIES,
    QUEUE_ORDERS,
    Agent,
    AgentState,
    Contact,
    LongestIdle,
    OnShiftFirst,
    RegularBrandFirst,
    Router,
    brand_skill,
)
from roadie.engine.sim.arrivals import Arrivals, generate
from roadie.engine.sim.deadlines import deadlines
from roadie.engine.sim.scenario import DAY, Scenario

# event kinds, in the order they are handled when simultaneous
_COMPLETE, _ABANDON, _DECLINE, _TIMEOUT, _ACCEPT, _LOGOUT, _LOGIN, _BACK, _WAKE = range(9)

WAITING, RESERVED, IN_SERVICE, DONE, ABANDONED = range(5)


@dataclass(frozen=True)
class AgentRoster:
    """The simulated agents: team index, capacity, and logged-in windows (start, end, agent)."""

    team: np.ndarray
    capacity: np.ndarray
    windows: np.ndarray  # shape (k, 3): start, end, agent id


@dataclass(frozen=True)
class RunResult:
    """One run, contact by contact (arrays parallel to ``arrivals``)."""

    scenario: Scenario
    arrivals: Arrivals
    start: np.ndarray  # service start (nan if never answered)
    end: np.ndarray  # end of service + wrap-up, or abandonment time (nan if still waiting)
    outcome: np.ndarray  # DONE, ABANDONED, or WAITING/RESERVED if never served (no agent left)
    agent: np.ndarray  # who served it (-1 if nobody)
    offers: np.ndarray  # how many times it was offered
    roster: AgentRoster
    events: int
    wall_seconds: float
    decisions: int
    deadline: np.ndarray  # when each contact is due (service level), in the brand's opening hours


def build_roster(scn: Scenario, days: int | None = None) -> tuple[list[Agent], AgentRoster]:
    days = scn.days if days is None else days
    agents, team_of, caps, windows = [], [], [], []
    for ti, team in enumerate(scn.teams):
        proficiency = dict(team.proficiency)
        for _ in range(team.count):
            aid = len(agents)
            agents.append(
                Agent(
                    id=aid,
                    skills=team.skills,
                    capacity=team.capacity,
                    state=AgentState.OFFLINE,
                    regular_brands=team.regular_brands,
                    pools=team.pools,
                    booked_pools=team.booked_pools,
                    proficiency=proficiency,
                    channel_limits=dict(team.channel_limits),
                )
            )
            team_of.append(ti)
            caps.append(team.capacity)
            for day in range(days):
                for s, e in team.slots:
                    if math.isinf(e):
                        if day == 0:
                            windows.append((s, math.inf, aid))
                    else:
                        windows.append((s + day * DAY, e + day * DAY, aid))
    roster = AgentRoster(
        team=np.array(team_of, dtype=np.int64),
        capacity=np.array(caps, dtype=np.int64),
        windows=np.array(windows, dtype=float).reshape(-1, 3),
    )
    return agents, roster


def make_router(scn: Scenario) -> Router:
    if scn.policy == "on_shift_first":  # booked agents first, then the brand's regulars
        brand_pools: dict[str, set[str]] = {}
        for pool in scn.pools:
            for brand in pool.brands:
                brand_pools.setdefault(brand, set()).add(pool.slug)
        policy = OnShiftFirst(RegularBrandFirst(LongestIdle()),
                              brand_pools={b: frozenset(p) for b, p in brand_pools.items()})
    else:
        policy = POLICIES[scn.policy]()
    return Router(
        policy,
        order=QUEUE_ORDERS[scn.queue_order](),
        # the simulation schedules its own accept timeouts: no expiry bookkeeping in the router
        accept_timeout=math.inf,
        cascades=dict(scn.cascades),
        default_cascade=scn.default_cascade,
        decline_cooldown=scn.decline_cooldown,
        away_after_timeouts=scn.away_after_timeouts,
        max_pending=scn.max_pending_offers,
    )


def run(scn: Scenario, rng: np.random.Generator, *, arrivals: Arrivals | None = None,
        offer_log: list | None = None) -> RunResult:
    """Simulate ``scn`` once. ``offer_log``: a list to append every offer to, as (time,
    contact, agent) (the twin test compares them with the dispatcher's)."""
    wall0 = _time.perf_counter()
    arr = arrivals if arrivals is not None else generate(scn, rng)
    n = len(arr)
    streams = arr.streams
    wrap = np.array([s.wrap_up_seconds for s in streams] or [0.0])
    times = arr.time.tolist()
    sidx = arr.stream.tolist()
    busy_for = (arr.handle + wrap[arr.stream]).tolist() if n else []
    patience = arr.patience.tolist()
    prio = arr.priority.tolist()
    tmpl = [(s.brand, s.channel, s.skills | {brand_skill(s.brand)}, s.unit_cost) for s in streams]
    due, route_due = deadlines(scn, arr)  # in opening hours when the brand has a calendar
    route_due = route_due.tolist()

    router = make_router(scn)
    days = scn.days
    if n:  # a replayed log may span more days than the scenario says: slots repeat daily
        days = max(days, int(times[-1] // DAY) + 1)
    specs, roster = build_roster(scn, days)
    router.add_agents(specs)
    n_agents = len(specs)
    leaving = [False] * n_agents

    ev: list[tuple] = []
    seq = 0
    for s, e, a in roster.windows.tolist():
        a = int(a)
        ev.append((s, seq, _LOGIN, a, 0))
        seq += 1
        if math.isfinite(e):
            ev.append((e, seq, _LOGOUT, a, 0))
            seq += 1
    heapq.heapify(ev)

    start = [math.nan] * n
    end = [math.nan] * n
    status = [WAITING] * n
    agent_of = [-1] * n
    offers = [0] * n

    p_decline = scn.decline_probability
    p_fail = p_decline + scn.timeout_probability
    draws = p_fail > 0.0
    scripted = {(c, a): answer for c, a, answer in scn.answers}  # the twin's known answers
    accept_delay = scn.accept_delay
    accept_timeout = scn.accept_timeout
    decline_delay = min(scn.decline_delay, accept_timeout)
    away_seconds = scn.away_seconds
    limited = scn.max_pending_offers is not None
    ubuf: list[float] = []

    heappush = heapq.heappush
    heappop = heapq.heappop
    route = router.route_pairs  # the decisions of route(), without Reservation objects
    next_wakeup = router.next_wakeup
    accept = router.accept
    add_contact = router.add_contact
    complete = router.complete
    agent_rec = router.agent
    inf = math.inf

    pending_wake = inf
    events = 0
    i = 0
    next_t = times[0] if n else inf
    while True:
        if ev and ev[0][0] <= next_t:
            now, _, kind, x, tok = heappop(ev)
            events += 1
            if kind == _COMPLETE:
                complete(x, now)
                status[x] = DONE
                end[x] = now
                a = agent_of[x]
                if leaving[a] and agent_rec(a).load == 0:
                    leaving[a] = False
                    router.set_agent_state(a, AgentState.OFFLINE, now)
            elif kind == _ABANDON:
                if status[x] > RESERVED:
                    continue
                router.remove_contact(x, now)
                status[x] = ABANDONED
                end[x] = now
            elif kind == _ACCEPT:
                if status[x] != RESERVED or offers[x] != tok:
                    continue
                accept(x, now)
                status[x] = IN_SERVICE
                start[x] = now
                heappush(ev, (now + busy_for[x], seq, _COMPLETE, x, 0))
                seq += 1
            elif kind in (_DECLINE, _TIMEOUT):
                if status[x] != RESERVED or offers[x] != tok:
                    continue
                status[x] = WAITING
                a = agent_of[x]
                agent_of[x] = -1
                if kind == _DECLINE:
                    router.decline(x, now)
                else:
                    was = agent_rec(a).state
                    for c in router.timeout(x, now):
                        status[c] = WAITING
                        agent_of[c] = -1
                    if was is AgentState.AVAILABLE and agent_rec(a).state is AgentState.BREAK:
                        # put away after repeated no-answers: back after a while
                        heappush(ev, (now + away_seconds, seq, _BACK, a, 0))
                        seq += 1
            elif kind == _BACK:
                if not leaving[x] and agent_rec(x).state is AgentState.BREAK:
                    router.set_agent_state(x, AgentState.AVAILABLE, now)
            elif kind == _LOGIN:
                leaving[x] = False
                router.set_agent_state(x, AgentState.AVAILABLE, now)
            elif kind == _LOGOUT:
                if agent_rec(x).load == 0:
                    back = router.set_agent_state(x, AgentState.OFFLINE, now)
                else:
                    leaving[x] = True
                    back = router.set_agent_state(x, AgentState.BREAK, now)
                for c in back:
                    status[c] = WAITING
                    agent_of[c] = -1
            else:  # _WAKE
                pending_wake = inf
        elif i < n:
            now = next_t
            events += 1
            brand, channel, skills, cost = tmpl[sidx[i]]
            add_contact(Contact(i, brand, channel, skills, cost, prio[i], now, route_due[i]))
            p = patience[i]
            if p < inf:
                heappush(ev, (now + p, seq, _ABANDON, i, 0))
                seq += 1
            i += 1
            next_t = times[i] if i < n else inf
        else:
            break

        made = route(now)
        while made:
            for x, a in made:
                status[x] = RESERVED
                agent_of[x] = a
                offers[x] += 1
                if offer_log is not None:
                    offer_log.append((now, x, a))
                if scripted and (x, a) in scripted:
                    if scripted[x, a] == "decline":
                        heappush(ev, (now + decline_delay, seq, _DECLINE, x, offers[x]))
                    else:
                        heappush(ev, (now + accept_timeout, seq, _TIMEOUT, x, offers[x]))
                    seq += 1
                    continue
                if draws:
                    if not ubuf:
                        ubuf = rng.random(4096).tolist()
                    u = ubuf.pop()
                    if u < p_decline:
                        heappush(ev, (now + decline_delay, seq, _DECLINE, x, offers[x]))
                        seq += 1
                        continue
                    if u < p_fail:
                        heappush(ev, (now + accept_timeout, seq, _TIMEOUT, x, offers[x]))
                        seq += 1
                        continue
                if accept_delay > 0.0:
                    heappush(ev, (now + accept_delay, seq, _ACCEPT, x, offers[x]))
                    seq += 1
                    continue
                accept(x, now)
                status[x] = IN_SERVICE
                start[x] = now
                heappush(ev, (now + busy_for[x], seq, _COMPLETE, x, 0))
                seq += 1
            # an accept frees room for the next offer only when pending offers are limited
            made = route(now) if limited else ()
        w = next_wakeup()
        if w < pending_wake:
            pending_wake = w
            heappush(ev, (w, seq, _WAKE, 0, 0))
            seq += 1

    return RunResult(
        scenario=scn,
        arrivals=arr,
        start=np.array(start),
        end=np.array(end),
        outcome=np.array(status, dtype=np.int64),
        agent=np.array(agent_of, dtype=np.int64),
        offers=np.array(offers, dtype=np.int64),
        roster=roster,
        events=events,
        wall_seconds=_time.perf_counter() - wall0,
        decisions=router.decisions,
        deadline=due,
    )

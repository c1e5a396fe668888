"""Property tests: random event sequences never break the routing invariants."""

import math
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.engine.routing import (
    Agent,
    AgentState,
    BestProficiency,
    Contact,
    ContactState,
    Fairness,
    LongestIdle,
    RegularBrandFirst,
    Router,
    Tier,
    TierKind,
)

BRANDS = ("a", "b")
EXTRA = ("lang:fr", "lang:en", "lsf")
CHANNELS = ("voice", "chat", "email", "video")
STATES = (AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE, AgentState.WRAP_UP)
MOSTLY_AVAILABLE = (AgentState.AVAILABLE,) * 4 + STATES

agent_skills = st.builds(
    lambda brands, extra: frozenset(f"brand:{b}" for b in brands) | extra,
    st.frozensets(st.sampled_from(BRANDS), min_size=1),
    st.frozensets(st.sampled_from(EXTRA)),
)
# most contacts at once per channel (0: never that channel); half the agents have none
channel_limits = st.one_of(
    st.just({}), st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 2), max_size=3)
)
agents_st = st.builds(
    lambda aid, skills, cap, st_, regular, pools, limits: Agent(
        id=aid,
        skills=skills,
        capacity=cap,
        state=st_,
        regular_brands=regular,
        pools=pools,
        proficiency={"lang:fr": aid % 7},
        channel_limits=limits,
    ),
    st.integers(0, 5),
    agent_skills,
    st.sampled_from([2, 3, 6, 6, 12]),
    st.sampled_from(MOSTLY_AVAILABLE),
    st.frozensets(st.sampled_from(BRANDS)),
    st.frozensets(st.sampled_from(["relay"])),
    channel_limits,
)


def held_of(r, a, channel):
    """Contacts of ``channel`` the agent holds (offered or in service), by a full scan."""
    return a.spec.channel_load.get(channel, 0) + sum(
        1 for c in a.contacts if r.contact(c).channel == channel
    )


def check_limits(r):
    """No agent over their capacity nor over any of their channel limits."""
    for a in r.agents():
        assert a.load <= a.spec.capacity, a.spec.id
        for channel, limit in a.spec.channel_limits.items():
            assert held_of(r, a, channel) <= limit, (a.spec.id, channel)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("agent"), agents_st),
        st.tuples(st.just("state"), st.integers(0, 5), st.sampled_from(MOSTLY_AVAILABLE)),
        st.tuples(st.just("remove_agent"), st.integers(0, 5)),
        *[
            st.tuples(
                st.just("contact"),
                st.sampled_from(BRANDS),
                st.sampled_from(CHANNELS),
                st.frozensets(st.sampled_from(EXTRA), max_size=1),
                st.integers(0, 2),
            )
        ]
        * 3,
        st.tuples(st.just("route")),
        *[
            st.tuples(
                st.sampled_from(["accept", "decline", "timeout", "complete", "abandon"]),
                st.integers(0, 40),
            )
        ]
        * 3,
        st.tuples(st.just("tick"), st.floats(0, 200)),
    ),
    min_size=10,
    max_size=80,
)


def qualified_tier_agents(r, cid, now):
    """Oracle (full scan): agents who could take contact ``cid`` right now."""
    c = r.contact(cid)
    cascade = r.cascades.get(c.brand, r.default_cascade)
    opened = [t for t in cascade if t.after <= now - c.arrival] or cascade[:1]
    out = []
    for a in r.agents():
        if a.state is not AgentState.AVAILABLE or a.free < c.cost:
            continue
        if r.max_pending is not None and a.pending >= r.max_pending:
            continue
        if not c.required_skills <= a.spec.skills:
            continue
        limit = a.spec.channel_limits.get(c.channel)
        if limit is not None and held_of(r, a, c.channel) >= limit:
            continue
        for t in opened:
            if (
                t.kind is TierKind.CERTIFIED
                or (t.kind is TierKind.REGULAR and c.brand in a.spec.regular_brands)
                or (t.kind is TierKind.POOL and t.pool in a.spec.pools)
            ):
                out.append(a.spec.id)
                break
    return out


def run(agents, events, router, *, liveness_after_all_tiers=False, final_route=True):
    now = 0.0
    for spec in {a.id: a for a in agents}.values():
        router.add_agent(spec)
    next_cid = 0
    offered = {}  # contact -> agent, from route() output only
    cascade_end = max(t.after for t in router.default_cascade)
    for i, ev in enumerate([*events, ("route",)] if final_route else events):
        kind = ev[0]
        if kind == "agent":
            spec = ev[1]
            if spec.id in {a.spec.id for a in router.agents()}:
                router.update_agent(spec, now)
            else:
                router.add_agent(spec)
        elif kind == "state":
            if ev[1] in {a.spec.id for a in router.agents()}:
                router.set_agent_state(ev[1], ev[2], now)
        elif kind == "remove_agent":
            if ev[1] in {a.spec.id for a in router.agents()}:
                router.remove_agent(ev[1], now)
        elif kind == "contact":
            router.add_contact(
                Contact(
                    id=next_cid,
                    brand=ev[1],
                    channel=ev[2],
                    skills=ev[3],
                    priority=ev[4],
                    arrival=now,
                    deadline=now + 20,
                )
            )
            next_cid += 1
        elif kind == "tick":
            now += ev[1]
        elif kind != "route" and next_cid:
            cid = ev[1] % next_cid
            st_ = router.contact_state(cid)
            if kind == "abandon" and st_ is not None:
                router.remove_contact(cid, now)
            elif kind == "accept" and st_ is ContactState.RESERVED:
                router.accept(cid, now)
            elif kind in ("decline", "timeout") and st_ is ContactState.RESERVED:
                getattr(router, kind)(cid, now)
            elif kind == "complete" and st_ in (ContactState.RESERVED, ContactState.IN_SERVICE):
                router.complete(cid, now)
        # contacts re-queued or gone are free to be offered again
        for cid in list(offered):
            if router.contact_state(cid) in (None, ContactState.WAITING):
                del offered[cid]
        router.check()
        check_limits(router)
        if kind in ("route", "tick") or i % 3:  # a dispatcher routes after most events
            for res in router.route(now):
                c = router.contact(res.contact_id)
                a = router.agent(res.agent_id)
                assert c.required_skills <= a.spec.skills
                assert a.state is AgentState.AVAILABLE
                assert a.load <= a.spec.capacity
                assert res.contact_id not in offered, "contact reserved twice"
                offered[res.contact_id] = res.agent_id
            router.check()
            check_limits(router)
            # liveness: nobody waiting while a qualified agent is available
            for cid in router.waiting_ids():
                if liveness_after_all_tiers and now - router.contact(cid).arrival < cascade_end:
                    continue
                assert not qualified_tier_agents(router, cid, now), (cid, now)
    return router, now


def rebuilt(r: Router, now: float) -> Router:
    """A fresh router from what a database would hold about ``r`` (the dispatcher's way)."""
    agents = []
    for a in r.agents():
        in_service = [
            r.contact(c) for c in a.contacts if r.contact_state(c) is ContactState.IN_SERVICE
        ]
        by_channel = dict(a.spec.channel_load)
        for c in in_service:
            by_channel[c.channel] = by_channel.get(c.channel, 0) + 1
        agents.append(
            replace(
                a.spec,
                load=a.spec.load + sum(c.cost for c in in_service),
                channel_load=by_channel,
                state=a.state,
                idle_since=a.idle_since,
                handled=a.handled,
            )
        )
    contacts = [
        replace(r.contact(cid), excluded_agents=r.excluded(cid))
        for cid in sorted(r.waiting_ids() + [res.contact_id for res in r.reservations()])
    ]
    return Router.from_snapshot(
        agents=agents,
        contacts=contacts,
        reservations=r.reservations(),
        now=now,
        policy=r.policy,
        cascades=r.cascades,
        default_cascade=r.default_cascade,
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    agents=st.lists(agents_st, min_size=1, max_size=6),
    events=ops,
    policy=st.sampled_from([LongestIdle, BestProficiency, Fairness, RegularBrandFirst]),
)
def test_invariants_hold_over_random_events(agents, events, policy):
    run(agents, events, Router(policy()))


@SETTINGS
@given(
    agents=st.lists(agents_st, min_size=1, max_size=6),
    events=ops,
    policy=st.sampled_from([LongestIdle, Fairness, RegularBrandFirst]),
    cascade=st.sampled_from(
        [None, (Tier.regular(0), Tier.of_pool("relay", 30), Tier.certified(90))]
    ),
)
def test_live_router_decides_as_one_rebuilt_from_storage(agents, events, policy, cascade):
    """Live state equals fresh state: a router fed event by event makes the same reservations
    as one rebuilt from a snapshot of the same moment (what the dispatcher does each tick)."""
    options = {} if cascade is None else {"default_cascade": cascade}
    live, now = run(agents, events, Router(policy(), **options), final_route=False)
    fresh = rebuilt(live, now)
    assert sorted(live.route(now)) == sorted(fresh.route(now))
    live.check()
    fresh.check()


@SETTINGS
@given(agents=st.lists(agents_st, min_size=1, max_size=6), events=ops)
def test_invariants_hold_with_cascades(agents, events):
    cascade = (Tier.regular(0), Tier.of_pool("relay", 30), Tier.certified(90))
    run(
        agents,
        events,
        Router(RegularBrandFirst(), default_cascade=cascade),
        liveness_after_all_tiers=True,
    )


@SETTINGS
@given(
    agents=st.lists(agents_st, min_size=1, max_size=6),
    events=ops,
    cooldown=st.sampled_from([0.0, 30.0, math.inf]),
    max_pending=st.sampled_from([None, 1, 2]),
    away=st.integers(0, 3),
)
def test_invariants_hold_with_cool_downs_pending_limits_and_no_answers(
    agents, events, cooldown, max_pending, away
):
    run(agents, events, Router(LongestIdle(), decline_cooldown=cooldown, max_pending=max_pending,
                               away_after_timeouts=away))

"""The routing core's shortcuts decide exactly what the long way decides.

``route()`` stops as soon as no agent has room for an offer (it does not look at the queues
left), and queues it did not look at must still be served when an agent frees up, a tier
opens or the agent comes back. Each test compares with a router rebuilt from the same state,
which has no history and so takes no shortcut on stale marks.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.routing import Agent, AgentState, Contact, Router, Tier

BRANDS = ("lune", "soleil", "etoile")
CASCADE = (Tier.regular(0), Tier.certified(60))


def skills(brand: str) -> frozenset[str]:
    return frozenset({f"brand:{brand}"})


def test_route_stops_when_nobody_has_room_and_loses_no_queue():
    r = Router(cascades={"lune": CASCADE})
    r.add_agent(Agent(1, skills=skills("lune") | skills("soleil") | skills("etoile"),
                      regular_brands=frozenset({"lune"})))
    r.add_agent(Agent(2, skills=skills("lune")))
    for i, b in enumerate(BRANDS * 4):
        r.add_contact(Contact(100 + i, b, "voice", arrival=float(i)))
    first = r.route(10.0)
    # voice fills an agent: agent 1 takes the most urgent contact, agent 2 (not a regular of
    # lune) may take lune only after 60 s
    assert [(x.contact_id, x.agent_id) for x in first] == [(100, 1)]
    assert r.route(11.0) == []  # nobody with room: nothing decided, no queue looked at
    r.check()
    # the lune tier of certified roadies opens at 60 s after arrival: agent 2 gets lune
    assert [(x.contact_id, x.agent_id) for x in r.route(63.0)] == [(103, 2)]
    r.complete(100, 70.0)  # agent 1 frees up: the next most urgent contact of every brand
    assert [(x.contact_id, x.agent_id) for x in r.route(70.0)] == [(101, 1)]
    r.check()


def test_an_agent_back_from_break_is_offered_the_queues_route_skipped():
    r = Router()
    r.add_agent(Agent(1, skills=skills("lune") | skills("soleil")))
    r.add_contact(Contact(1, "lune", "voice", arrival=0.0))
    assert len(r.route(0.0)) == 1
    r.add_contact(Contact(2, "soleil", "chat", arrival=1.0))
    r.add_contact(Contact(3, "lune", "email", arrival=2.0))
    assert r.route(2.0) == []
    r.set_agent_state(1, AgentState.BREAK, 3.0)  # the offer goes back; nobody has room
    assert r.route(3.0) == []
    r.set_agent_state(1, AgentState.AVAILABLE, 4.0)
    # the voice call is the most urgent; the chat and the email wait for room
    assert [x.contact_id for x in r.route(4.0)] == [1]
    r.complete(1, 5.0)
    assert sorted(x.contact_id for x in r.route(5.0)) == [2, 3]  # 2 + 3 units of 6
    r.check()


def rebuilt(r: Router, now: float) -> Router:
    """A fresh router with ``r``'s agents and waiting contacts (no reservation held)."""
    agents = []
    for a in r.agents():
        agents.append(Agent(a.spec.id, skills=a.spec.skills, capacity=a.spec.capacity,
                            load=a.load, state=a.state, idle_since=a.idle_since,
                            regular_brands=a.spec.regular_brands))
    fresh = Router(cascades=r.cascades)
    fresh.add_agents(agents)
    fresh.add_contacts(r.contact(cid) for cid in sorted(r.waiting_ids()))
    return fresh


step = st.one_of(
    st.tuples(st.just("arrive"), st.sampled_from(BRANDS), st.sampled_from(("voice", "chat", "email"))),
    st.tuples(st.just("complete"), st.integers(0, 50), st.just("")),
    st.tuples(st.just("break"), st.integers(1, 4), st.just("")),
    st.tuples(st.just("back"), st.integers(1, 4), st.just("")),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_decisions_equal_a_router_rebuilt_before_each_round(steps):
    """Held contacts are accepted at once, so the rebuilt router sees each agent's load; both
    routers must pick the same contacts for the same agents at every round."""
    r = Router(cascades={"lune": CASCADE})
    for aid in range(1, 5):
        brands = BRANDS[: 1 + aid % 3]
        r.add_agent(Agent(aid, skills=frozenset().union(*(skills(b) for b in brands)),
                          regular_brands=frozenset({"lune"}) if aid % 2 else frozenset(),
                          idle_since=float(aid)))
    held: list[int] = []
    now = 0.0
    cid = 0
    for kind, x, channel in steps:
        now += 7.0
        if kind == "arrive":
            cid += 1
            r.add_contact(Contact(cid, x, channel, arrival=now))
        elif kind == "complete" and held:
            r.complete(held.pop(x % len(held)), now)
        elif kind in ("break", "back"):
            state = AgentState.BREAK if kind == "break" else AgentState.AVAILABLE
            if r.agent(x).state is not state:
                r.set_agent_state(x, state, now)
        expected = sorted((p.contact_id, p.agent_id) for p in rebuilt(r, now).route(now))
        made = r.route(now)
        assert sorted((p.contact_id, p.agent_id) for p in made) == expected
        for p in made:
            r.accept(p.contact_id, now)
            held.append(p.contact_id)
        r.check()


def test_a_mostly_stale_agent_heap_is_swept_and_decides_as_a_fresh_router():
    """30 agents serve both brands; soleil's chats and calls take most of them, so lune's agent
    heap is left with mostly stale entries (some of agents with room left: their keys are
    re-keyed lazily) and is swept whole: lune's contacts still get the agents a router built
    from scratch gives them."""
    sweeps = []

    class Spied(Router):  # a subclass, not a patched class: the compiled Router's type is fixed
        def _sweep(self, h, lst):
            sweeps.append(h)
            return super()._sweep(h, lst)

    both = skills("lune") | skills("soleil")
    r = Spied()
    for aid in range(30):
        r.add_agent(Agent(aid, skills=both, idle_since=float(aid % 7) + aid / 100))
    r.add_contact(Contact(100, "lune", "chat", arrival=-1.0))  # lune's agent heap, full
    cid = 0
    for i in range(26):
        cid += 1
        r.add_contact(Contact(cid, "soleil", "chat" if i % 3 else "voice", arrival=float(i)))
    for p in r.route(30.0):
        r.accept(p.contact_id, 30.0)
    for i in range(12):
        cid += 1
        r.add_contact(Contact(cid, "lune", ("chat", "email", "voice")[i % 3], arrival=40.0 + i))
        expected = sorted((p.contact_id, p.agent_id) for p in rebuilt(r, 60.0).route(60.0))
        made = r.route(60.0)
        assert sorted((p.contact_id, p.agent_id) for p in made) == expected
        for p in made:
            r.accept(p.contact_id, 60.0)
        r.check()
    assert sweeps, "the lune heap was never swept: the test does not reach the sweep"

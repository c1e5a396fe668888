"""The offer lifecycle as data: each transition of the table is what the core's method does.

Every row of ``lifecycle.TRANSITIONS`` (where the contact goes, whether capacity is freed,
whether the agent is set aside, how the agent's run of unanswered offers counts) is checked
against the core's own method for that event, and ``WITHDRAWN_ON`` against ``set_agent_state``;
a random sequence of answers counted by ``no_answers`` puts the agent away exactly when the
core does.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadie.engine.routing import Agent, AgentState, Contact, ContactState, Router, RoutingError
from roadie.engine.routing import lifecycle as lc
from roadie.engine.routing.lifecycle import Answer, ContactFate, OfferEvent, OfferState

ML = "brand:maison-lune"
COOLDOWN = 60.0


def _router(*, away_after: int = 0) -> Router:
    r = Router(decline_cooldown=COOLDOWN, away_after_timeouts=away_after, accept_timeout=20)
    r.add_agent(Agent(id=1, skills=frozenset({ML}), capacity=6, idle_since=0.0))
    r.add_contact(Contact(id=10, brand="maison-lune", channel="chat", arrival=0.0, deadline=60.0))
    return r


def _apply(r: Router, event: OfferEvent, contact_id: int, now: float) -> None:
    {OfferEvent.ACCEPT: r.accept, OfferEvent.DECLINE: r.decline, OfferEvent.TIMEOUT: r.timeout,
     OfferEvent.WITHDRAW: r.release, OfferEvent.COMPLETE: r.complete}[event](contact_id, now)


_CORE_STATE = {ContactFate.REQUEUED: ContactState.WAITING, ContactFate.IN_SERVICE: ContactState.IN_SERVICE,
               ContactFate.DONE: None}


@pytest.mark.parametrize("event", list(OfferEvent))
def test_each_transition_of_an_offered_contact_is_what_the_core_does(event):
    t = lc.transition(OfferState.OFFERED, event)
    r = _router(away_after=5)
    r.set_missed(1, 2)
    r.reserve(10, 1, 5.0)
    spec = r.contact(10)
    _apply(r, event, 10, 7.0)
    assert r.contact_state(10) is _CORE_STATE[t.contact]
    if t.contact is ContactFate.REQUEUED:
        assert r.contact(10) == spec  # the same priority, arrival and deadline: its place kept
    assert r.agent(1).load == (0 if t.frees_capacity else spec.cost)
    if t.frees_capacity:
        assert r.agent(1).idle_since == 7.0  # its last contact gone: idle from now
    if r.contact_state(10) is ContactState.WAITING:
        assert r.excluded(10, now=7.0 + COOLDOWN - 1) == ({1} if t.sets_aside else set())
        assert r.excluded(10, now=7.0 + COOLDOWN) == set()  # lc.set_aside_until: the cool-down only
    assert r.agent(1).missed == {Answer.ANSWERED: 0, Answer.MISSED: 3, Answer.NEITHER: 2}[t.answer]
    r.check()


@pytest.mark.parametrize("event", list(OfferEvent))
def test_an_accepted_contact_ends_only_as_the_table_allows(event):
    r = _router()
    r.reserve(10, 1, 0.0)
    r.accept(10, 1.0)
    if OfferState.ACCEPTED not in lc.TRANSITIONS[event].source:
        with pytest.raises(lc.LifecycleError):
            lc.transition(OfferState.ACCEPTED, event)
        with pytest.raises(RoutingError):
            _apply(r, event, 10, 2.0)
        assert r.contact_state(10) is ContactState.IN_SERVICE
    else:
        _apply(r, event, 10, 2.0)
        assert r.contact_state(10) is _CORE_STATE[lc.TRANSITIONS[event].contact]
    r.check()


@pytest.mark.parametrize("event", list(OfferEvent))
def test_a_waiting_contact_has_no_offer_to_end(event):
    r = _router()
    with pytest.raises(lc.LifecycleError):
        _apply(r, event, 10, 1.0)


@pytest.mark.parametrize("state", [s for s in AgentState if s is not AgentState.AVAILABLE])
def test_a_new_agent_state_withdraws_the_offers_the_table_names(state):
    r = _router()
    r.add_contact(Contact(id=11, brand="maison-lune", channel="chat", arrival=1.0, deadline=60.0))
    r.reserve(10, 1, 0.0)
    r.accept(10, 1.0)  # 10 in hand, 11 offered
    r.reserve(11, 1, 2.0)
    requeued = r.set_agent_state(1, state, 3.0)
    withdrawn = lc.WITHDRAWN_ON[state]
    assert set(requeued) == {cid for cid, s in ((10, OfferState.ACCEPTED), (11, OfferState.OFFERED))
                             if s in withdrawn}
    assert r.excluded(10) == r.excluded(11) == set()  # a withdrawal sets nobody aside
    r.check()


def test_the_table_is_complete_and_offers_end_in_ended_states():
    assert set(lc.TRANSITIONS) == set(OfferEvent)
    assert set(lc.WITHDRAWN_ON) == set(AgentState)
    for t in lc.TRANSITIONS.values():
        assert t.source <= lc.ACTIVE
        assert (t.target in lc.ACTIVE) == (t.contact is ContactFate.IN_SERVICE)
    assert {OfferState.DECLINED, OfferState.EXPIRED} == lc.SETS_ASIDE


ANSWERS = st.lists(st.sampled_from([OfferEvent.ACCEPT, OfferEvent.DECLINE, OfferEvent.TIMEOUT,
                                    OfferEvent.WITHDRAW]), max_size=30)


@given(events=ANSWERS, away_after=st.integers(0, 4))
def test_counting_the_answers_of_a_history_puts_the_agent_away_when_the_core_does(events, away_after):
    """The rebuild dispatcher reads the run of unanswered offers from the offer history with
    ``no_answers``; the core counts it as the offers end. Both agree, offer after offer."""
    r = Router(decline_cooldown=math.inf, away_after_timeouts=away_after, accept_timeout=20)
    r.add_agent(Agent(id=1, skills=frozenset({ML}), capacity=6, idle_since=0.0))
    history: list[Answer] = []
    for n, event in enumerate(events):
        r.add_contact(Contact(id=n, brand="maison-lune", channel="chat", arrival=float(n)))
        if r.agent(1).state is not AgentState.AVAILABLE:
            r.set_agent_state(1, AgentState.AVAILABLE, float(n))
        r.reserve(n, 1, float(n))
        before = lc.no_answers(history, away_after=away_after)
        _apply(r, event, n, n + 0.5)
        history.append(lc.TRANSITIONS[event].answer)
        after = lc.no_answers(history, away_after=away_after)
        assert r.agent(1).missed == after.missed
        assert (r.agent(1).state is AgentState.BREAK) == (after.away > before.away)
        if event is OfferEvent.ACCEPT:
            r.complete(n, n + 0.7)
        else:
            r.remove_contact(n, n + 0.7)

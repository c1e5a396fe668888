"""The offer lifecycle, written once: what each end of an offer does to the offer, the contact
and the agent.

An offer starts OFFERED (the agent has the accept timeout to answer) and ends ACCEPTED (then
COMPLETED or WITHDRAWN), DECLINED, EXPIRED, WITHDRAWN or COMPLETED. :data:`TRANSITIONS` says,
for each event, from which states it may happen, the offer's state after it, where the contact
goes, whether the agent's capacity is freed, whether the agent is set aside from the contact
for the cool-down, and how the event counts in the agent's run of offers left unanswered.
:data:`WITHDRAWN_ON` says which offers an agent's change of state withdraws.

The routing core's methods (``Router.accept``, ``decline``, ``timeout``, ``release``,
``complete``, ``set_agent_state``) apply these rules in memory; the desk's write paths
(``roadie.desk.routing.actions``) read the same rules and persist them on the rows. Nothing
here knows of either: plain data and pure functions.

A contact that goes back to its queue (:attr:`ContactFate.REQUEUED`) keeps its place: its
priority, its arrival (its place among equals) and its service-level deadline are those it
had before the offer, so an offer that came to nothing costs it nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from roadie.engine.routing.model import AgentState, RoutingError

__all__ = [
    "ACTIVE",
    "SETS_ASIDE",
    "TRANSITIONS",
    "WITHDRAWN_ON",
    "Answer",
    "ContactFate",
    "LifecycleError",
    "NoAnswers",
    "OfferEvent",
    "OfferState",
    "Transition",
    "count_answer",
    "idle_again",
    "no_answers",
    "set_aside_until",
    "sets_aside",
    "transition",
]


class LifecycleError(RoutingError):
    """An event that may not happen to an offer in its state (an answer to an ended offer)."""


class OfferState(enum.Enum):
    OFFERED = "offered"  # waiting for the agent's answer
    ACCEPTED = "accepted"  # the agent has the contact in hand
    DECLINED = "declined"
    EXPIRED = "expired"  # not answered within the accept timeout
    WITHDRAWN = "withdrawn"  # ended with no verdict: the agent left, the offer could not stand
    COMPLETED = "completed"  # the agent is done with the contact


class OfferEvent(enum.Enum):
    ACCEPT = "accept"
    DECLINE = "decline"
    TIMEOUT = "timeout"
    WITHDRAW = "withdraw"
    COMPLETE = "complete"


class ContactFate(enum.Enum):
    """Where the contact goes after the event."""

    REQUEUED = "requeued"  # back in its queue, keeping its place (priority, arrival, deadline)
    IN_SERVICE = "in_service"  # with the agent
    DONE = "done"  # out of routing (resolved, waiting on the customer)


class Answer(enum.Enum):
    """How an event counts in the agent's run of offers left unanswered."""

    ANSWERED = "answered"  # the run is broken: the count starts again from 0
    MISSED = "missed"  # one more in a row
    NEITHER = "neither"  # the agent said nothing either way (they left, a supervisor moved it)


@dataclass(frozen=True, slots=True)
class Transition:
    event: OfferEvent
    source: frozenset[OfferState]
    target: OfferState
    contact: ContactFate
    frees_capacity: bool  # the contact's cost leaves the agent's load
    sets_aside: bool  # the agent is not offered the contact again for the cool-down
    answer: Answer


_O, _A = OfferState.OFFERED, OfferState.ACCEPTED

#: Every transition of an offer, by event.
TRANSITIONS: Mapping[OfferEvent, Transition] = {
    t.event: t
    for t in (
        Transition(OfferEvent.ACCEPT, frozenset({_O}), _A, ContactFate.IN_SERVICE,
                   frees_capacity=False, sets_aside=False, answer=Answer.ANSWERED),
        Transition(OfferEvent.DECLINE, frozenset({_O}), OfferState.DECLINED, ContactFate.REQUEUED,
                   frees_capacity=True, sets_aside=True, answer=Answer.ANSWERED),
        Transition(OfferEvent.TIMEOUT, frozenset({_O}), OfferState.EXPIRED, ContactFate.REQUEUED,
                   frees_capacity=True, sets_aside=True, answer=Answer.MISSED),
        Transition(OfferEvent.WITHDRAW, frozenset({_O, _A}), OfferState.WITHDRAWN, ContactFate.REQUEUED,
                   frees_capacity=True, sets_aside=False, answer=Answer.NEITHER),
        Transition(OfferEvent.COMPLETE, frozenset({_O, _A}), OfferState.COMPLETED, ContactFate.DONE,
                   frees_capacity=True, sets_aside=False, answer=Answer.NEITHER),
    )
}

#: The states of an offer still running (it holds the agent's capacity).
ACTIVE: frozenset[OfferState] = frozenset({_O, _A})

#: The offers an agent's new state withdraws: going on a break (or wrap-up) withdraws the
#: offers not yet accepted; going offline withdraws the contacts in hand too.
WITHDRAWN_ON: Mapping[AgentState, frozenset[OfferState]] = {
    AgentState.AVAILABLE: frozenset(),
    AgentState.BREAK: frozenset({_O}),
    AgentState.WRAP_UP: frozenset({_O}),
    AgentState.OFFLINE: frozenset({_O, _A}),
}

#: The ends of an offer after which its agent is set aside from its contact.
SETS_ASIDE: frozenset[OfferState] = frozenset(t.target for t in TRANSITIONS.values() if t.sets_aside)


def transition(state: OfferState | None, event: OfferEvent, *, of: object = "an offer") -> Transition:
    """The transition ``event`` makes from ``state`` (None: no offer is running);
    :class:`LifecycleError` if it may not happen. ``of`` names the offer in the message."""
    t = TRANSITIONS[event]
    if state not in t.source:
        raise LifecycleError(f"{of} is {'not offered' if state is None else state.value}: it cannot {event.value}")
    return t


def sets_aside(event: OfferEvent) -> bool:
    return TRANSITIONS[event].sets_aside


def set_aside_until(ended_at: float, cooldown: float) -> float:
    """Until when an agent who declined (or let time out) an offer at ``ended_at`` is set aside
    from its contact: offered it again before then only if nobody else qualified is available."""
    return ended_at + cooldown


def idle_again(load_after: int) -> bool:
    """Whether the agent's idle time starts again from now: when the last contact they held has
    left them (an agent still busy with others keeps the idle time they had)."""
    return load_after == 0


def count_answer(missed: int, answer: Answer, away_after: int) -> tuple[int, bool]:
    """One event in the agent's run of offers left unanswered: the run's length after it, and
    whether it puts the agent away (``away_after`` misses in a row; 0: never). Going away
    starts the count again from 0."""
    if answer is Answer.ANSWERED:
        return 0, False
    if answer is Answer.MISSED:
        missed += 1
        if away_after and missed >= away_after:
            return 0, True
    return missed, False


@dataclass(frozen=True, slots=True)
class NoAnswers:
    missed: int  # offers left unanswered in a row after the events
    away: int  # how many of the events put the agent away


def no_answers(answers: Iterable[Answer], *, away_after: int, missed: int = 0) -> NoAnswers:
    """:func:`count_answer` over a history of events, in order, from a run of ``missed``."""
    away = 0
    for answer in answers:
        missed, went = count_answer(missed, answer, away_after)
        away += went
    return NoAnswers(missed, away)

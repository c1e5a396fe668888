"""The one definition of service level, for the board, the API, planning and simulation.

    service level = contacts answered by their deadline
                    / (contacts arrived - contacts abandoned before their deadline)

over the contacts that *arrived* in the period. A contact abandoned before its deadline (a
short abandon: the customer left before the promise was due) is left out; one abandoned after
it counts as missed, as does one still waiting past its deadline or answered late. A contact
still waiting before its deadline is not settled yet and is left out too. The deadline is the
arrival plus the answer time counted in the channel's opening hours
(:mod:`roadie.engine.calendar`), so a contact arriving while the brand is closed is not missed
overnight. This is Erlang A's ``"short_abandons_excluded"`` denominator
(:data:`roadie.engine.queueing.SL_DEFINITIONS`): planning staffs against the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The name of this definition among :data:`roadie.engine.queueing.SL_DEFINITIONS`.
SL_DEFINITION = "short_abandons_excluded"


@dataclass(frozen=True, slots=True)
class ServiceLevelCounts:
    """Contacts arrived in a period, by how they stand against their deadline."""

    answered_in_time: int = 0
    answered_late: int = 0
    abandoned_late: int = 0  # abandoned after the deadline: missed
    waiting_late: int = 0  # still waiting, deadline passed: missed
    abandoned_early: int = 0  # abandoned before the deadline: left out
    waiting_in_time: int = 0  # still waiting, deadline ahead: not settled, left out

    @property
    def counted(self) -> int:
        return self.answered_in_time + self.answered_late + self.abandoned_late + self.waiting_late

    @property
    def value(self) -> float | None:
        """The service level, or None when no contact counts yet."""
        return self.answered_in_time / self.counted if self.counted else None

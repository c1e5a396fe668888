"""When each simulated contact is due, by the function that sets a live contact's deadline.

A brand with opening hours or closures in the scenario has its contacts' deadlines counted in
its channel's opening hours (`roadie.engine.calendar.contact_deadline`, what the desk's
``deadline_at`` is); a brand without either is open around the clock, where that function
gives the arrival plus the answer time, computed here for every contact at once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from roadie.engine.calendar import contact_deadline
from roadie.engine.sim.arrivals import Arrivals
from roadie.engine.sim.scenario import Scenario


def deadlines(scn: Scenario, arr: Arrivals) -> tuple[np.ndarray, np.ndarray]:
    """(service deadline, routing deadline) of every contact, in scenario seconds: its stream's
    ``answer_seconds`` and ``deadline_seconds`` (default: the answer time) from its arrival."""
    streams = arr.streams
    answer = np.array([s.answer_seconds for s in streams] or [0.0])
    routing = np.array([s.answer_seconds if s.deadline_seconds is None else s.deadline_seconds
                        for s in streams] or [0.0])
    t = arr.time
    service = t + answer[arr.stream]
    route = t + routing[arr.stream]
    origin = scn.origin
    for si, stream in enumerate(streams):
        calendar = scn.calendar(stream.brand, stream.channel)
        if calendar is None:
            continue
        for k in np.flatnonzero(arr.stream == si).tolist():
            at = origin + dt.timedelta(seconds=float(t[k]))
            service[k] = seconds_since(origin, contact_deadline(calendar, at, seconds=answer[si]))
            route[k] = (service[k] if routing[si] == answer[si] else
                        seconds_since(origin, contact_deadline(calendar, at, seconds=routing[si])))
    return service, route


def seconds_since(origin: dt.datetime, at: dt.datetime) -> float:
    return (at - origin).total_seconds()

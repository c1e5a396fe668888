"""Helpers shared by the scheduling tests (times on a future Monday, Paris time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
# A Monday well in the future, so that every slot is bookable and outside the notice window.
MONDAY = dt.date(2027, 3, 1)


def at(day: dt.date, hour: float) -> dt.datetime:
    """Local time ``hour`` on ``day`` (24 and more run into the next day)."""
    base = dt.datetime.combine(day, dt.time(), PARIS)
    return (base + dt.timedelta(hours=hour)).astimezone(PARIS)

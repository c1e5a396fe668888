"""A brand's opening hours per channel: is the brand's own team on duty right now?

Read from ``Channel.config`` (all keys optional)::

    {"hours": {"mon": "08:00-20:00", "sat": ["09:00-12:00", "14:00-18:00"]},
     "closed_dates": ["2026-12-25"], "public_holidays": "FR", "timezone": "Europe/Paris"}

With no ``hours`` key the team is on duty every day (Sundays only where ``sunday_open``); a day
missing from ``hours`` is a day off. Off duty, calls are relayed to the roadie backup pool
and the chat widget shows its offline form.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_range(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    h1, m1 = (int(x) for x in start.strip().split(":"))
    h2, m2 = (int(x) for x in end.strip().split(":"))
    end_time = time(23, 59, 59, 999999) if (h2, m2) == (24, 0) else time(h2, m2)
    return time(h1, m1), end_time


@lru_cache(maxsize=16)
def _holidays(country: str, year: int):
    import holidays

    return holidays.country_holidays(country, years=year)


def is_closed_date(config: dict, day: date) -> bool:
    if day.isoformat() in set(config.get("closed_dates") or ()):
        return True
    country = config.get("public_holidays")
    return bool(country) and day in _holidays(str(country), day.year)


def team_on_duty(channel, at: datetime | None = None) -> bool:
    """Whether the brand's own team answers this channel at ``at`` (default: now)."""
    config = channel.config or {}
    zone = ZoneInfo(config.get("timezone") or settings.TIME_ZONE)
    local = timezone.localtime(at or timezone.now(), zone)
    day = DAYS[local.weekday()]
    if day == "sun" and not channel.sunday_open:
        return False
    if is_closed_date(config, local.date()):
        return False
    hours = config.get("hours")
    if hours is None:
        return True
    ranges = hours.get(day) or []
    if isinstance(ranges, str):
        ranges = [ranges]
    now = local.time()
    for text in ranges:
        start, end = _parse_range(text)
        if start <= now <= end:
            return True
    return False

"""Business calendars of brands and channels, read from the database into the pure engine."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from roadie.desk.brands.models import Brand, Closure, OpeningHours
from roadie.engine.calendar import BusinessCalendar, OpeningRange


def calendar_for(brand: Brand, channel: str) -> BusinessCalendar:
    """The opening hours and closures of one brand's channel (the brand's when it has none)."""
    return calendars_for([brand])[(brand.id, channel)]


class Calendars(dict[tuple[int, str], BusinessCalendar]):
    """Calendars by (brand id, channel kind); a missing key is built from the brand's rows."""

    def __init__(self, brands: dict[int, Brand], hours: dict[int, list[OpeningHours]],
                 closures: dict[int, list[Closure]]) -> None:
        super().__init__()
        self._brands, self._hours, self._closures = brands, hours, closures

    def __missing__(self, key: tuple[int, str]) -> BusinessCalendar:
        brand_id, channel = key
        cal = _build(self._brands[brand_id], channel, self._hours.get(brand_id, []),
                     self._closures.get(brand_id, []))
        self[key] = cal
        return cal


def calendars_for(brands: Iterable[Brand]) -> Calendars:
    """Every calendar of these brands in two queries, keyed by (brand id, channel kind)."""
    by_id = {b.id: b for b in brands}
    hours: dict[int, list[OpeningHours]] = {}
    for h in OpeningHours.objects.filter(brand_id__in=by_id):
        hours.setdefault(h.brand_id, []).append(h)
    closures: dict[int, list[Closure]] = {}
    for c in Closure.objects.filter(brand_id__in=by_id):
        closures.setdefault(c.brand_id, []).append(c)
    return Calendars(by_id, hours, closures)


def _build(brand: Brand, channel: str, hours: list[OpeningHours],
           closures: list[Closure]) -> BusinessCalendar:
    own = [h for h in hours if h.channel == channel and channel]
    chosen = own or [h for h in hours if not h.channel]
    return BusinessCalendar(
        ranges=tuple(OpeningRange(h.weekday, h.opens, h.closes) for h in chosen),
        closures=frozenset(c.date for c in closures if not c.channel or c.channel == channel),
        tz=brand.timezone,
    )


def business_deadline(brand: Brand, channel: str, *, start: datetime, seconds: float) -> datetime:
    """When a contact arriving at `start` is due: `seconds` of the channel's opening hours later."""
    return calendar_for(brand, channel).add(start, seconds)

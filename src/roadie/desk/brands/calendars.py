"""Business calendars of brands and channels, read from the database into the pure engine."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import DateField, IntegerField, TimeField, Value
from django.db.models.functions import Cast

from roadie.desk.brands.models import Brand, Closure, OpeningHours, ServiceLevelPolicy
from roadie.engine.calendar import BusinessCalendar, ChannelClosure, ChannelHours, channel_calendar


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
    return channel_calendar((ChannelHours(h.channel, h.weekday, h.opens, h.closes) for h in hours),
                            (ChannelClosure(c.channel, c.date) for c in closures),
                            channel=channel, tz=brand.timezone)


def answer_terms(brand: Brand, channel: str) -> tuple[int | None, BusinessCalendar]:
    """The answer target of one brand's channel (seconds, None without a policy) and its
    calendar, in one query: what a contact entering the queue needs for its deadline."""
    # Typed NULLs: PostgreSQL reads two untyped NULLs of a column as text.
    none_int, none_time, none_date = (Cast(Value(None), f()) for f in (IntegerField, TimeField, DateField))
    rows = (
        ServiceLevelPolicy.objects.filter(brand=brand, channel=channel).order_by()
        .values_list(Value("p"), "channel", none_int, none_time, none_time, none_date,
                     "answer_seconds")
        .union(OpeningHours.objects.filter(brand=brand).order_by()
               .values_list(Value("h"), "channel", "weekday", "opens", "closes", none_date, none_int),
               Closure.objects.filter(brand=brand).order_by()
               .values_list(Value("c"), "channel", none_int, none_time, none_time, "date", none_int),
               all=True)
    )
    seconds, hours, closures = None, [], []
    for kind, row_channel, weekday, opens, closes, day, answer in rows:
        if kind == "p":
            seconds = answer
        elif kind == "h":
            hours.append(OpeningHours(brand=brand, channel=row_channel, weekday=weekday, opens=opens, closes=closes))
        else:
            closures.append(Closure(brand=brand, channel=row_channel, date=day))
    return seconds, _build(brand, channel, hours, closures)


def business_deadline(brand: Brand, channel: str, *, start: datetime, seconds: float) -> datetime:
    """When a contact arriving at `start` is due: `seconds` of the channel's opening hours later."""
    return calendar_for(brand, channel).add(start, seconds)

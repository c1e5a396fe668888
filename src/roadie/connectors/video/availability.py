"""What the sign-language video page tells a customer before they ask for a call: whether
someone who signs can answer now, how long the wait usually is, and the opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.utils import timezone

from roadie.connectors.calendar import DAYS, team_on_duty
from roadie.desk.agents.models import Agent, Presence
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, Status

RECENT = 20  # answered video calls the usual wait is read from
LONG_WAIT_SECONDS = 15 * 60


@dataclass(frozen=True)
class Availability:
    open: bool  # the brand's hours for the video channel
    signers: int  # advisers who sign, certified for the brand and available now
    waiting: int  # video requests of the brand waiting for an adviser
    usual_wait_seconds: int | None  # median wait of the last answered video calls
    hours: tuple[tuple[str, str], ...]  # (day, "08:00-20:00, ...") for the days with hours

    @property
    def answerable(self) -> bool:
        return self.open and self.signers > 0

    @property
    def long_wait(self) -> bool:
        return self.usual_wait_seconds is not None and self.usual_wait_seconds >= LONG_WAIT_SECONDS

    @property
    def usual_wait_minutes(self) -> int | None:
        return None if self.usual_wait_seconds is None else max(1, round(self.usual_wait_seconds / 60))


def _brand_hours(channel: Channel) -> tuple[tuple[str, str], ...]:
    """The brand's opening hours for video (``brands.OpeningHours``: the channel's own ranges,
    else the brand's), when the channel's config has none."""
    from roadie.desk.brands.models import OpeningHours

    rows = list(OpeningHours.objects.filter(brand=channel.brand, channel__in=["", channel.kind])
                .order_by("weekday", "opens"))
    chosen = [h for h in rows if h.channel] or [h for h in rows if not h.channel]
    by_day: dict[int, list[str]] = {}
    for h in chosen:
        closes = "24:00" if h.closes.hour == 0 and h.closes.minute == 0 else h.closes.strftime("%H:%M")
        by_day.setdefault(h.weekday, []).append(f"{h.opens.strftime('%H:%M')}-{closes}")
    return tuple((DAYS[day], ", ".join(ranges)) for day, ranges in sorted(by_day.items()))


def _hours(channel: Channel) -> tuple[tuple[str, str], ...]:
    hours = (channel.config or {}).get("hours")
    if hours is None:
        return _brand_hours(channel)
    rows = []
    for day in DAYS:
        ranges = hours.get(day) or []
        ranges = [ranges] if isinstance(ranges, str) else list(ranges)
        if ranges:
            rows.append((day, ", ".join(ranges)))
    return tuple(rows)


def is_open(channel: Channel, at: datetime | None = None) -> bool:
    """The channel's hours (its config), else the brand's opening hours and closures."""
    if (channel.config or {}).get("hours") is not None:
        return team_on_duty(channel, at)
    from roadie.desk.brands.calendars import calendar_for

    return team_on_duty(channel, at) and calendar_for(channel.brand, channel.kind).is_open(at or timezone.now())


def availability(channel: Channel) -> Availability:
    brand = channel.brand
    signers = (Agent.objects.filter(sign_language=True, presence=Presence.AVAILABLE,
                                    certifications__brand=brand).distinct().count())
    video = Contact.objects.filter(brand=brand, channel="video")
    waiting = video.filter(status__in=[Status.QUEUED, Status.OFFERED]).count()
    answered = list(video.filter(answered_at__isnull=False).order_by("-answered_at")
                    .values_list("arrived_at", "answered_at")[:RECENT])
    waits = [(b - a).total_seconds() for a, b in answered if a and b and b >= a]
    return Availability(open=is_open(channel), signers=signers, waiting=waiting,
                        usual_wait_seconds=round(median(waits)) if waits else None,
                        hours=_hours(channel))

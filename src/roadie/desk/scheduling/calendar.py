"""A roadie's bookings as an iCalendar document (RFC 5545, with the ``icalendar`` package):
one event per booked piece (a split day gives two), cancelled events for released bookings of
the last weeks so that subscribed calendars drop them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from roadie.desk.agents.models import Agent
from roadie.desk.scheduling import lib
from roadie.desk.scheduling.models import Booking, BookingStatus, CalendarFeed


def feed_for(agent: Agent) -> CalendarFeed:
    """The roadie's feed (made on first use)."""
    found = CalendarFeed.objects.filter(agent=agent).first()
    if found is not None:
        return found
    from roadie.desk.scheduling.actions import renew_calendar_secret

    return renew_calendar_secret(agent=agent)


def renew_feed(agent: Agent) -> CalendarFeed:
    """A new secret: the old URL stops working."""
    from roadie.desk.scheduling.actions import renew_calendar_secret

    return renew_calendar_secret(agent=agent)


def ical(agent: Agent, *, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//roadie//scheduling//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("My roadie slots"))
    since = now - dt.timedelta(weeks=4)
    bookings = (Booking.objects.filter(agent=agent, slot__starts_at__gte=since)
                .exclude(status=BookingStatus.CANCELLED)
                .select_related("slot__plan__pool").order_by("slot__starts_at"))
    for b in bookings:
        for k, (start, end) in enumerate(lib.pieces(b.slot)):
            event = Event()
            event.add("uid", f"booking-{b.pk}-{k}@roadie")
            event.add("dtstamp", now)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", _("Slot %(pool)s") % {"pool": b.slot.plan.pool.name})
            if b.bonus:
                event.add("description", _("Bonus: %(bonus)s EUR") % {"bonus": b.bonus})
            event.add("status", "CONFIRMED" if b.status == BookingStatus.BOOKED
                      else "CANCELLED")
            cal.add_component(event)
    return cal.to_ical()

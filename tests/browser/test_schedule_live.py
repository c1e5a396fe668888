"""My schedule and Coverage follow bookings live: when another roadie books a seat, camille's
open My schedule shows one seat fewer and the supervisor's Coverage one more booked, without
a reload (the scheduling actions' live events, re-fetched by live.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

def _slot_and_roadie(live_roadie) -> tuple:
    """A slot at least 3 days ahead (outside the notice: it can be given back) with two free
    seats or more, and a roadie other than camille whom the rules let book it."""
    out = live_roadie.python(
        "import datetime as dt\n"
        "from django.utils import timezone\n"
        "from roadie.desk.agents.models import Agent\n"
        "from roadie.desk.scheduling import actions, lib\n"
        "from roadie.desk.scheduling.models import Booking, SlotSeats\n"
        "from roadie.desk.planning.models import PlanSlot\n"
        "camille = Agent.objects.get(user__username='camille')\n"
        "mine = set(Booking.objects.filter(agent=camille, status='booked').values_list('slot_id', flat=True))\n"
        "soon = timezone.now() + dt.timedelta(days=3)\n"
        "slots = [s for s in PlanSlot.objects.select_related('plan__pool').filter(plan__status='published', starts_at__gt=soon).order_by('starts_at') if s.pk not in mine]\n"
        "lib.ensure_seats(slots)\n"
        "free = {s: c for s, c in SlotSeats.objects.filter(slot__in=slots).values_list('slot_id', 'seats')}\n"
        "booked = dict(SlotSeats.objects.filter(slot__in=slots).values_list('slot_id', 'booked'))\n"
        "result = None\n"
        "for slot in slots:\n"
        "    if booked[slot.pk] >= free[slot.pk] - 1:\n"
        "        continue\n"
        "    for agent in Agent.objects.exclude(pk=camille.pk).exclude(bookings__slot=slot, bookings__status='booked').order_by('pk'):\n"
        "        try:\n"
        "            b = actions.book(agent=agent, slot_id=slot.pk)\n"
        "        except actions.BookingRefused:\n"
        "            continue\n"
        "        actions.release(agent=agent, booking_id=b.pk)\n"
        "        result = (slot, agent)\n"
        "        break\n"
        "    if result:\n"
        "        break\n"
        "slot, agent = result\n"
        "local = timezone.localtime(slot.starts_at)\n"
        "monday = local.date() - dt.timedelta(days=local.weekday())\n"
        "print(slot.pk, agent.pk, monday.isoformat(), local.date().isoformat(), local.strftime('%H:%M'), slot.plan.pool.slug)\n"
    ).strip().splitlines()[-1].split()
    return int(out[0]), int(out[1]), out[2], out[3], out[4], out[5]


def test_a_booking_by_someone_else_shows_on_open_pages(live_roadie, login_as):
    slot, agent, monday, day, start, pool = _slot_and_roadie(live_roadie)
    camille = login_as("camille")
    camille.goto(f"{live_roadie.url}/schedule/?week={monday}")
    line = camille.locator(f'li[data-slot="{slot}"]')
    expect(line).to_have_attribute("data-status", "open")
    before = line.inner_text()
    supervisor = login_as("supervisor")
    supervisor.goto(f"{live_roadie.url}/schedule/coverage/{pool}/?date={day}")
    cell = supervisor.locator(f'tr[data-interval="{start}"] td').nth(2)
    booked = int(cell.inner_text())
    camille.wait_for_timeout(1500)  # both pages have opened their event stream

    booking = live_roadie.python(
        "from roadie.desk.agents.models import Agent\n"
        "from roadie.desk.scheduling import actions\n"
        f"print(actions.book(agent=Agent.objects.get(pk={agent}), slot_id={slot}).pk)"
    ).strip().splitlines()[-1]
    try:
        expect(cell).to_have_text(str(booked + 1), timeout=10_000)
        expect(line).not_to_have_text(before, timeout=10_000)
        left = int(before.split("seats left: ")[1].split()[0])
        expect(line).to_contain_text(f"seats left: {left - 1}")
    finally:
        live_roadie.python(
            "from roadie.desk.agents.models import Agent\n"
            "from roadie.desk.scheduling import actions\n"
            f"actions.release(agent=Agent.objects.get(pk={agent}), booking_id={booking})")
    # the release shows too
    expect(cell).to_have_text(str(booked), timeout=10_000)
    expect(line).to_contain_text(f"seats left: {left}", timeout=10_000)

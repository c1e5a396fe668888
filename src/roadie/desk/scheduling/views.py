"""Pages of self-scheduling: "My schedule" for roadies, coverage for supervisors, and the
private iCalendar feed (a secret URL, no login)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts.access import can_supervise
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Pool
from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.calendar import feed_for, ical
from roadie.desk.scheduling.messages import refusal_message, warning_message
from roadie.desk.scheduling.models import Notice, Swap, SwapStatus
from roadie.desk.web.guards import agent_page, role_page
from roadie.engine import scheduling as rules_engine

supervisor_page = role_page(can_supervise, "supervisors only")
DAY_START, DAY_HOURS = 7, 18          # the week view runs from 07:00 to 01:00


def _monday(request) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _bar(start: dt.datetime, end: dt.datetime, day: dt.date) -> dict:
    """Position of a piece on the 07:00-01:00 axis, in percent."""
    origin = lib.local_day_bounds(day)[0] + dt.timedelta(hours=DAY_START)
    a = max((start - origin) / dt.timedelta(hours=DAY_HOURS), 0.0)
    b = min((end - origin) / dt.timedelta(hours=DAY_HOURS), 1.0)
    return {"left": round(a * 100, 2), "width": round(max(b - a, 0.01) * 100, 2)}


@agent_page
def my_schedule(request):
    return render(request, "scheduling/my_schedule.html", _schedule_context(request))


@agent_page
def schedule_panel(request):
    """The live part of My schedule, re-fetched by live.js when a booking changes."""
    return render(request, "scheduling/_my_schedule_body.html", _schedule_context(request))


def _schedule_context(request) -> dict:
    agent = request.user.agent
    monday = _monday(request)
    start = lib.local_day_bounds(monday)[0]
    end = lib.local_day_bounds(monday + dt.timedelta(days=7))[0]
    now = timezone.now()
    rows = lib.slot_rows(request.user, start=start, end=end, now=now)
    notice_rules = {}
    days = []
    for k in range(7):
        day = monday + dt.timedelta(days=k)
        items = []
        for row in (r for r in rows if r.slot.day == day):
            pool_id = row.slot.plan.pool_id
            rules = notice_rules.setdefault(pool_id, lib.rules_for_pool_id(pool_id))
            inside_notice = row.slot.starts_at - now < dt.timedelta(hours=rules.notice_hours)
            items.append({
                "row": row, "left": row.seats - row.booked, "inside_notice": inside_notice,
                "bars": [_bar(a, b, day) for a, b in lib.pieces(row.slot)],
                "why": refusal_message(rules_engine.Refusal(row.refusal, row.refusal_params or {}))
                if row.refusal and row.refusal not in ("full",) else "",
            })
        days.append({"day": day, "items": items})
    bookings = lib.my_bookings(agent, start=start, end=end)
    weeks = lib.week_hours(agent, bookings)
    week = weeks[0] if weeks else None
    base = lib.rules_for_pool_id(0)
    history = lib.attendance(agent)
    board = (Swap.objects.filter(status=SwapStatus.OPEN, booking__slot__starts_at__gt=now)
             .exclude(booking__agent=agent).select_related("booking__slot__plan__pool",
                                                           "booking__agent__user"))
    board = [s for s in board if s.to_agent_id in (None, agent.pk)]
    notices = list(Notice.objects.filter(agent=agent, read_at__isnull=True)
                   .select_related("slot__plan__pool")[:10])
    feed = feed_for(agent)
    adherence = rules_engine.adherence(history)
    return {
        "back": f"{reverse('schedule')}?week={monday:%Y-%m-%d}",
        "monday": monday, "prev": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7), "days": days,
        "hours": week.hours if week else 0,
        "max_hours": week.max_hours if week else base.max_week_hours,
        "min_hours": week.min_hours if week else base.min_week_hours,
        "warning": warning_message({"hours": week.hours if week else 0,
                                    "limit": week.min_hours if week else base.min_week_hours})
        if (week is None or week.under_minimum) else "",
        "rules": base, "board": board, "notices": notices,
        "reliability": round(rules_engine.reliability(history) * 100),
        "adherence": round(adherence * 100) if adherence is not None else None,
        "no_shows": sum(1 for h in history if h.no_show),
        "feed_url": request.build_absolute_uri(reverse("schedule-ical", args=[feed.secret])),
        "hour_marks": [{"label": f"{(DAY_START + h) % 24:02d}:00",
                        "left": round(h / DAY_HOURS * 100, 2)} for h in range(0, 19, 3)],
    }


def _back(request, default: str = "schedule"):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


@agent_page
@require_POST
def act(request, what: str, pk: int):
    """One click: book, release, release late, swap (to the board or a colleague), take,
    decline, wait, leave the waiting list, read a notice."""
    agent = request.user.agent
    try:
        if what == "book":
            actions.book(agent=agent, slot_id=pk)
            messages.success(request, _("Booked."))
        elif what in ("release", "release-late"):
            actions.release(agent=agent, booking_id=pk, late=what == "release-late")
            messages.success(request, _("Released."))
        elif what == "swap":
            to = None
            name = request.POST.get("to", "").strip()
            if name:
                to = Agent.objects.filter(user__username=name).first()
                if to is None:
                    messages.error(request, _("No roadie is called %(name)s.") % {"name": name})
                    return _back(request)
            actions.offer_swap(agent=agent, booking_id=pk, to=to)
            messages.success(request, _("Offered on the swap board.") if to is None
                             else _("Offered to %(name)s.") % {"name": name})
        elif what == "unswap":
            actions.withdraw_swap(agent=agent, booking_id=pk)
            messages.success(request, _("Swap withdrawn."))
        elif what == "take":
            actions.take_swap(agent=agent, booking_id=pk)
            messages.success(request, _("The slot is yours."))
        elif what == "decline":
            actions.decline_seat(agent=agent, booking_id=pk)
            messages.success(request, _("Seat declined."))
        elif what == "wait":
            actions.join_waitlist(agent=agent, slot_id=pk)
            messages.success(request, _("You are on the waiting list."))
        elif what == "unwait":
            actions.leave_waitlist(agent=agent, slot_id=pk)
            messages.success(request, _("You left the waiting list."))
        elif what == "read":
            actions.mark_notice_read(agent=agent, notice_id=pk)
        else:
            raise Http404(what)
    except actions.BookingRefused as exc:
        messages.error(request, refusal_message(exc.refusal))
    except actions.NotFound:
        messages.error(request, _("This slot or booking is no longer available to you."))
    return _back(request)


@supervisor_page
def coverage_page(request, slug: str | None = None):
    pools = list(Pool.objects.order_by("name"))
    if not pools:
        return render(request, "scheduling/coverage.html", {"pools": [], "rows": []})
    pool = get_object_or_404(Pool, slug=slug) if slug else pools[0]
    return render(request, "scheduling/coverage.html", _coverage_context(request, pool, pools))


@supervisor_page
def coverage_panel(request, slug: str):
    """The live part of Coverage, re-fetched by live.js when bookings or presence change."""
    pool = get_object_or_404(Pool, slug=slug)
    return render(request, "scheduling/_coverage_body.html", _coverage_context(request, pool, []))


def _coverage_context(request, pool, pools) -> dict:
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    rows = lib.coverage(pool, day)
    start, end = lib.local_day_bounds(day)
    slots = [r for r in lib.slot_rows(request.user, start=start, end=end, pool=pool)]
    return {
        "back": f"{reverse('coverage-pool', args=[pool.slug])}?date={day:%Y-%m-%d}",
        "pools": pools, "pool": pool, "day": day, "rows": rows, "slots": slots,
        "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "gaps": sum(r.gap for r in rows), "required": sum(r.required for r in rows),
    }


@supervisor_page
@require_POST
def set_bonus(request, slot_id: int):
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", "."))
        actions.set_fixed_bonus(slot_id=slot_id, amount=amount)
        messages.success(request, _("Fixed bonus saved."))
    except (InvalidOperation, ValueError):
        messages.error(request, _("Fixed bonus: enter an amount in euros, 0 or more."))
    except actions.NotFound:
        raise Http404("no such slot") from None
    return _back(request, "coverage")


def ical_feed(request, secret: str):
    """The roadie's bookings as iCalendar (a private, secret URL; no login)."""
    from roadie.desk.scheduling.models import CalendarFeed

    feed = CalendarFeed.objects.select_related("agent__user").filter(secret=secret).first()
    if feed is None:
        raise Http404("unknown calendar")
    with translation.override(feed.agent.user.language or "en"):
        body = ical(feed.agent)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@agent_page
@require_POST
def new_feed(request):
    from roadie.desk.scheduling.calendar import renew_feed

    renew_feed(request.user.agent)
    messages.success(request, _("New calendar address: the old one no longer works."))
    return redirect("schedule")


"""Demo schedule: this week's and next week's published plans for the demo pools, bookings by
the demo bots (and a few by camille and lucas; lea has none, so she can try booking), the
bots' presence on their past slots (one no-show, one late start), a swap on the board and a
full slot with a waiting list."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from roadie.desk.accounts.models import User
from roadie.desk.agents.models import Agent
from roadie.desk.agents.presence import record_change
from roadie.desk.brands.models import Pool
from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan
from roadie.desk.scheduling import actions
from roadie.desk.scheduling.models import Booking, BookingStatus

# (start hour, end hour, seats[, second start, second end]); 25 is 01:00 the next day
WEEKDAY = [(7, 15, 2), (9, 17, 3), (11, 19, 2), (13, 21, 2), (17, 25, 2), (7, 11, 1, 17, 21),
           (23, 25, 1)]
SATURDAY = [(8, 16, 2), (12, 20, 2), (16, 24, 1)]
SUNDAY = [(9, 17, 1), (13, 21, 1)]
RELAY = [(9, 17, 1), (13, 21, 1)]          # the weekend relay: Saturdays and Sundays
BOT_SHAPES = [(7, 15), (9, 17), (13, 21), (17, 25), (11, 19)]


def _at(day: dt.date, hour: float) -> dt.datetime:
    from zoneinfo import ZoneInfo

    base = dt.datetime.combine(day, dt.time(), ZoneInfo(settings.TIME_ZONE))
    return base + dt.timedelta(hours=hour)


def _plan(pool: Pool, monday: dt.date, *, published_at: dt.datetime, by) -> SlotPlan:
    found = SlotPlan.objects.filter(pool=pool, first_day=monday,
                                    status=PlanStatus.PUBLISHED).first()
    if found is not None:
        return found
    zero = Decimal("0")
    plan = SlotPlan.objects.create(pool=pool, first_day=monday, days=7,
                                   status=PlanStatus.PUBLISHED, published_at=published_at,
                                   published_by=by, created_by=by, required_hours=zero,
                                   paid_hours=zero, uncovered_hours=zero,
                                   solver_status="demo", solver_gap=0.0)
    rows = []
    for k in range(7):
        day = monday + dt.timedelta(days=k)
        if pool.slug == "weekend-relay":
            shapes = RELAY if k >= 5 else []
        else:
            shapes = WEEKDAY if k < 5 else SATURDAY if k == 5 else SUNDAY
        for spec in shapes:
            second = (_at(day, spec[3]), _at(day, spec[4])) if len(spec) > 3 else (None, None)
            rows.append(PlanSlot(plan=plan, day=day, starts_at=_at(day, spec[0]),
                                 ends_at=_at(day, spec[1]), roadies=spec[2],
                                 second_starts_at=second[0], second_ends_at=second[1]))
    PlanSlot.objects.bulk_create(rows)
    hours = sum(Decimal(str(round(s.hours * s.roadies, 2))) for s in rows)
    SlotPlan.objects.filter(pk=plan.pk).update(required_hours=hours, paid_hours=hours)
    return plan


def _try(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (actions.BookingRefused, actions.NotFound):
        return None


def _slot(plan: SlotPlan, day: dt.date, start: float) -> PlanSlot | None:
    return PlanSlot.objects.filter(plan=plan, day=day, starts_at=_at(day, start)).first()


def seed_schedule(*, now: dt.datetime | None = None, seed: int = 11) -> int:
    """Seed the demo schedule (idempotent: does nothing once demo bookings exist). Returns the
    number of bookings made."""
    from roadie.desk.demo.data import DEMO_BOTS, HUMAN_AGENTS

    now = now or timezone.now()
    rng = random.Random(seed)
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    published_at = _at(monday - dt.timedelta(days=3), 9)
    boss = User.objects.filter(username="supervisor").first()
    plans = {}
    # pools with brands (a pool nobody can be certified for has nothing to book)
    for pool in Pool.objects.filter(slug__in=["pooled", "weekend-relay"],
                                    brands__isnull=False).distinct():
        for week in (monday, monday + dt.timedelta(days=7)):
            plans[(pool.slug, week)] = _plan(pool, week, published_at=published_at, by=boss)
    if not plans or Booking.objects.filter(slot__plan__in=plans.values()).exists():
        return 0
    agents = list(Agent.objects.select_related("user").order_by("pk"))
    humans = {a.user.username: a for a in agents if a.user.username in HUMAN_AGENTS}
    bots = [a for a in agents if a.user.username not in HUMAN_AGENTS][:DEMO_BOTS]
    booked = 0
    book_at = published_at + dt.timedelta(hours=1)
    for n, bot in enumerate(bots):
        for week in (monday, monday + dt.timedelta(days=7)):
            plan = plans.get(("pooled", week))
            days = rng.sample(range(6), k=rng.choice([3, 4, 5]))
            # every bot works today, so the demo has roadies on shift now
            if week == monday and today.weekday() < 6 and today.weekday() not in days:
                days.append(today.weekday())
            for k in sorted(days):
                day = week + dt.timedelta(days=k)
                shape = BOT_SHAPES[(n + k) % len(BOT_SHAPES)] if k < 5 else (8, 16)
                slot = plan and _slot(plan, day, shape[0])
                if slot and _try(actions.book, agent=bot, slot_id=slot.pk, now=book_at):
                    booked += 1
        sunday = plans.get(("pooled", monday))
        if sunday and n == 0:
            slot = _slot(sunday, monday + dt.timedelta(days=6), 9)
            if slot and _try(actions.book, agent=bot, slot_id=slot.pk, now=book_at):
                booked += 1
    # camille: mornings early in the week; lucas: a split day and an evening; lea: nothing
    pooled = plans.get(("pooled", monday))
    next_pooled = plans.get(("pooled", monday + dt.timedelta(days=7)))
    for name, picks in (("camille", [(pooled, 0, 9), (pooled, 2, 9), (next_pooled, 1, 9)]),
                        ("lucas", [(pooled, 3, 7), (next_pooled, 0, 17), (next_pooled, 2, 13)])):
        agent = humans.get(name)
        for plan, k, hour in picks:
            slot = agent and plan and _slot(plan, plan.first_day + dt.timedelta(days=k), hour)
            if slot and _try(actions.book, agent=agent, slot_id=slot.pk, now=book_at):
                booked += 1
    _presence(bots, now=now, rng=rng)
    _presence(list(humans.values()), now=now, rng=rng, slips=False)
    # a bot offers a slot of next week on the swap board; Sunday morning (one seat) is full,
    # with a waiting list
    future = (Booking.objects.filter(agent__in=bots, status=BookingStatus.BOOKED,
                                     slot__starts_at__gt=now + dt.timedelta(days=3))
              .order_by("slot__starts_at").first())
    if future:
        _try(actions.offer_swap, agent=future.agent, booking_id=future.pk, now=now)
    if pooled and len(bots) > 3:
        slot = _slot(pooled, monday + dt.timedelta(days=6), 9)
        if slot:
            _try(actions.join_waitlist, agent=bots[3], slot_id=slot.pk, now=book_at)
    return booked


def _presence(bots: list[Agent], *, now: dt.datetime, rng: random.Random,
              slips: bool = True) -> None:
    """Presence on the slots that have started: available a few minutes after the start
    (with ``slips``, one no-show and one start 20 minutes late), offline at the end."""
    started = list(Booking.objects.filter(agent__in=bots, status=BookingStatus.BOOKED,
                                          slot__starts_at__lt=now)
                   .select_related("slot").order_by("slot__starts_at", "pk"))
    for i, b in enumerate(started):
        if slips and i == 1:
            continue                                    # a no-show
        late = 20 if slips and i == 3 else rng.randint(0, 6)
        pieces = [(b.slot.starts_at, b.slot.ends_at)]
        if b.slot.second_starts_at:
            pieces.append((b.slot.second_starts_at, b.slot.second_ends_at))
        for k, (a, z) in enumerate(pieces):
            if a >= now:
                break
            record_change(b.agent, "available", at=a + dt.timedelta(minutes=late if k == 0 else 2))
            if z <= now:
                record_change(b.agent, "offline", at=z)


def bot_presence(api, current: str | None) -> str | None:
    """A demo bot's presence: available while one of its booked slots covers now, offline
    otherwise; between 01:00 and 07:00, when no slot exists, it stays available so that the
    demo's night traffic is still served. ``api.call(method, path, body=None)`` is the
    traffic generator's client."""
    import contextlib
    import urllib.error

    hour = timezone.localtime().hour
    wanted = "available"
    if hour >= 7 or hour < 1:
        now = timezone.now()
        try:
            mine = api.call("GET", f"/me/schedule?from={timezone.localdate() - dt.timedelta(1)}"
                            f"&to={timezone.localdate() + dt.timedelta(1)}")["bookings"]
        except (urllib.error.URLError, OSError, KeyError, TypeError):
            return current
        def covers(b: dict, a: str, z: str) -> bool:
            return bool(b.get(a)) and (dt.datetime.fromisoformat(b[a]) <= now
                                       < dt.datetime.fromisoformat(b[z]))
        on = any(covers(b, "start", "end") or covers(b, "second_start", "second_end")
                 for b in mine)
        wanted = "available" if on else "offline"
    if wanted != current:
        with contextlib.suppress(urllib.error.URLError, OSError):
            api.call("POST", "/agents/me/presence", {"presence": wanted})
    return wanted

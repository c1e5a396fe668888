"""Every write of self-scheduling: book, release, swap, take, wait-list, decline a seat, mark
no-shows, notices, settings.

Each action runs in one transaction. It locks the roadie's Agent row (so that one roadie's own
bookings are checked one at a time against overlap and the limits), checks the pure rules of
``roadie.engine.scheduling`` and then claims a seat with a conditional UPDATE of the slot's seat
counter (``booked < seats``): the database, not the read before it, decides who gets the last
seat, and a check constraint forbids more bookings than seats. A refusal raises
``BookingRefused`` naming the rule, and the transaction writes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.live.actions import agent_topic, pool_topic, publish
from roadie.desk.planning.models import PlanSlot
from roadie.desk.scheduling import lib, pricing
from roadie.desk.scheduling.models import (
    BOOKING_TRANSITIONS,
    SWAP_TRANSITIONS,
    Booking,
    BookingStatus,
    Notice,
    NoticeKind,
    PlanWindow,
    PoolRules,
    SlotSeats,
    Swap,
    SwapStatus,
    WaitlistEntry,
    WaitStatus,
)
from roadie.engine import scheduling as rules_engine
from roadie.engine.scheduling import Refusal

BOARD = "board"


class BookingRefused(Exception):
    """A booking action refused by a named rule (``refusal.code``); nothing was written."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.code)
        self.refusal = refusal

    @property
    def code(self) -> str:
        return self.refusal.code


class NotFound(Exception):
    """No such slot or booking for this roadie."""


def _refuse(code: str, **params) -> BookingRefused:
    return BookingRefused(Refusal(code, params))


def _event(kind: str, *, slot: PlanSlot, agent_ids: tuple[int, ...] = ()) -> None:
    publish(kind, topics=[BOARD, pool_topic(slot.plan.pool_id), *(agent_topic(a) for a in agent_ids)],
            payload={"slot": slot.pk, "pool": slot.plan.pool_id})


def _transition(booking: Booking, status: str) -> None:
    if status not in BOOKING_TRANSITIONS[booking.status]:
        raise _refuse("closed", reason="not_booked")


def _lock_agents(*agent_ids: int) -> dict[int, Agent]:
    """Lock Agent rows in primary-key order (one order for every path: no deadlock)."""
    rows = Agent.objects.select_for_update().filter(pk__in=set(agent_ids)).order_by("pk")
    return {a.pk: a for a in rows}


def _slot(slot_id: int) -> PlanSlot:
    try:
        return PlanSlot.objects.select_related("plan__pool").get(pk=slot_id)
    except PlanSlot.DoesNotExist:
        raise NotFound(f"no slot {slot_id}") from None


def _seats(slot: PlanSlot) -> SlotSeats:
    lib.ensure_seats([slot])
    return SlotSeats.objects.get(slot=slot)


def _view(slot: PlanSlot, seats: SlotSeats | None = None) -> rules_engine.Slot:
    brands = lib.pool_brand_ids([slot.plan.pool_id]).get(slot.plan.pool_id, frozenset())
    if seats is None:
        return lib.slot_view(slot, brand_ids=brands)
    return lib.slot_view(slot, brand_ids=brands, booked=seats.booked, seats=seats.seats)


def _claim_seat(seats: SlotSeats) -> bool:
    """The conditional UPDATE that decides who gets a seat."""
    return bool(SlotSeats.objects.filter(pk=seats.pk, booked__lt=F("seats"))
                .update(booked=F("booked") + 1))


def _free_seat(slot_id: int) -> None:
    SlotSeats.objects.filter(slot_id=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _book_locked(agent: Agent, slot: PlanSlot, *, now: dt.datetime) -> Booking:
    seats = _seats(slot)
    view = _view(slot, seats)
    window = lib.window_for(slot.plan)
    refusal = rules_engine.check_book(
        slot=view, agent=lib.roadie_view(agent, window=window, now=now),
        held=lib.held_slots(agent), rules=lib.rules_for_pool_id(slot.plan.pool_id),
        window=window, now=now,
    )
    if refusal is not None:
        raise BookingRefused(refusal)
    bonus = pricing.slot_bonus(slot, seats=seats)
    if not _claim_seat(seats):
        raise _refuse("full", seats=seats.seats)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(agent=agent, slot=slot, bonus=bonus, booked_at=now)
    except IntegrityError:
        raise _refuse("overlap", slot=slot.pk) from None
    WaitlistEntry.objects.filter(slot=slot, agent=agent, status=WaitStatus.WAITING).update(
        status=WaitStatus.LEFT, closed_at=now)
    return booking


def book(*, agent: Agent, slot_id: int, now: dt.datetime | None = None) -> Booking:
    """Book one seat of a published slot for ``agent``."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _lock_agents(agent.pk)[agent.pk]
        slot = _slot(slot_id)
        booking = _book_locked(agent, slot, now=now)
        _event("scheduling.booked", slot=slot, agent_ids=(agent.pk,))
    return booking


def _own_booking(agent: Agent, booking_id: int) -> Booking:
    try:
        return (Booking.objects.select_for_update().select_related("slot__plan__pool")
                .get(pk=booking_id, agent=agent))
    except Booking.DoesNotExist:
        raise NotFound(f"no booking {booking_id}") from None


def release(*, agent: Agent, booking_id: int, late: bool = False,
            now: dt.datetime | None = None) -> Booking:
    """Give a booked seat back. Inside the notice window only with ``late=True``, and then the
    release counts against the roadie's reliability. The first roadie on the waiting list gets
    the seat (in a second transaction, so no two roadies' rows are ever locked together here)."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _lock_agents(agent.pk)[agent.pk]
        booking = _own_booking(agent, booking_id)
        _transition(booking, BookingStatus.RELEASED)
        rules = lib.rules_for_pool_id(booking.slot.plan.pool_id)
        refusal = rules_engine.check_release(slot=_view(booking.slot), rules=rules, now=now,
                                             late=late)
        if refusal is not None:
            raise BookingRefused(refusal)
        inside_notice = rules_engine.notice(_view(booking.slot), rules, now) is not None
        booking.status = BookingStatus.RELEASED
        booking.released_at = now
        booking.late_release = inside_notice
        booking.save(update_fields=["status", "released_at", "late_release"])
        Swap.objects.filter(booking=booking, status=SwapStatus.OPEN).update(
            status=SwapStatus.WITHDRAWN, closed_at=now)
        _free_seat(booking.slot_id)
        _event("scheduling.released", slot=booking.slot, agent_ids=(agent.pk,))
    seat_from_waitlist(slot_id=booking.slot_id, now=now)
    return booking


def seat_from_waitlist(*, slot_id: int, now: dt.datetime | None = None) -> Booking | None:
    """Give a free seat to the first roadie in line whom the rules allow (those they do not
    are skipped, with the rule's code); the roadie gets a notice and may decline."""
    now = now or timezone.now()
    while True:
        entry = (WaitlistEntry.objects.filter(slot_id=slot_id, status=WaitStatus.WAITING)
                 .order_by("created_at", "pk").first())
        if entry is None:
            return None
        with transaction.atomic():
            agent = _lock_agents(entry.agent_id)[entry.agent_id]
            entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
            if entry.status != WaitStatus.WAITING:
                continue
            slot = _slot(slot_id)
            try:
                booking = _book_locked(agent, slot, now=now)
            except BookingRefused as exc:
                if exc.code == "full":
                    return None
                entry.status, entry.skipped_code, entry.closed_at = (
                    WaitStatus.SKIPPED, exc.code, now)
                entry.save(update_fields=["status", "skipped_code", "closed_at"])
                continue
            entry.status, entry.booking, entry.closed_at = WaitStatus.SEATED, booking, now
            entry.save(update_fields=["status", "booking", "closed_at"])
            Notice.objects.create(agent=agent, kind=NoticeKind.WAITLIST_SEAT, slot=slot,
                                  booking=booking, created_at=now)
            _event("scheduling.booked", slot=slot, agent_ids=(agent.pk,))
            return booking


def decline_seat(*, agent: Agent, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Decline a seat given from the waiting list: released without counting against the
    roadie, whatever the notice; the next in line gets it."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _lock_agents(agent.pk)[agent.pk]
        booking = _own_booking(agent, booking_id)
        entry = WaitlistEntry.objects.filter(booking=booking, status=WaitStatus.SEATED).first()
        if entry is None:
            raise _refuse("closed", reason="not_from_waitlist")
        _transition(booking, BookingStatus.RELEASED)
        if now >= booking.slot.starts_at:
            raise _refuse("closed", reason="started")
        booking.status, booking.released_at = BookingStatus.RELEASED, now
        booking.save(update_fields=["status", "released_at"])
        entry.status = WaitStatus.DECLINED
        entry.save(update_fields=["status"])
        _free_seat(booking.slot_id)
        _event("scheduling.released", slot=booking.slot, agent_ids=(agent.pk,))
    seat_from_waitlist(slot_id=booking.slot_id, now=now)
    return booking


def join_waitlist(*, agent: Agent, slot_id: int,
                  now: dt.datetime | None = None) -> WaitlistEntry:
    """Wait for a seat of a full slot. Refused by the same rules as booking (except ``full``);
    a slot with a seat left answers ``open`` (book it instead)."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _lock_agents(agent.pk)[agent.pk]
        slot = _slot(slot_id)
        seats = _seats(slot)
        view = _view(slot, seats)
        window = lib.window_for(slot.plan)
        refusal = rules_engine.check_book(
            slot=view, agent=lib.roadie_view(agent, window=window, now=now),
            held=lib.held_slots(agent), rules=lib.rules_for_pool_id(slot.plan.pool_id),
            window=window, now=now, need_seat=False,
        )
        if refusal is not None:
            raise BookingRefused(refusal)
        if seats.booked < seats.seats:
            raise _refuse("open", seats=seats.seats - seats.booked)
        entry, _ = WaitlistEntry.objects.get_or_create(
            slot=slot, agent=agent, status=WaitStatus.WAITING, defaults={"created_at": now})
    return entry


def leave_waitlist(*, agent: Agent, slot_id: int, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        return WaitlistEntry.objects.filter(slot_id=slot_id, agent=agent,
                                            status=WaitStatus.WAITING).update(
            status=WaitStatus.LEFT, closed_at=now)


def offer_swap(*, agent: Agent, booking_id: int, to: Agent | None = None,
               now: dt.datetime | None = None) -> Swap:
    """Offer a booked slot to a named colleague (``to``) or to the board (``to=None``); the
    roadie stays booked until someone takes it. Swaps close before the start."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _lock_agents(agent.pk)[agent.pk]
        booking = _own_booking(agent, booking_id)
        if booking.status != BookingStatus.BOOKED:
            raise _refuse("closed", reason="not_booked")
        rules = lib.rules_for_pool_id(booking.slot.plan.pool_id)
        view = _view(booking.slot)
        refusal = rules_engine.swap_closed(view, rules, now)
        if refusal is not None:
            raise BookingRefused(refusal)
        if to is not None:
            if to.pk == agent.pk:
                raise _refuse("overlap", slot=booking.slot_id)
            refusal = rules_engine.not_certified(view, lib.roadie_view(to, window=rules_engine.Window()))
            if refusal is not None:
                raise BookingRefused(refusal)
        Swap.objects.filter(booking=booking, status=SwapStatus.OPEN).update(
            status=SwapStatus.WITHDRAWN, closed_at=now)
        swap = Swap.objects.create(booking=booking, to_agent=to, created_at=now)
        if to is not None:
            Notice.objects.create(agent=to, kind=NoticeKind.SWAP_OFFER, slot=booking.slot,
                                  booking=booking, created_at=now)
        _event("scheduling.swap", slot=booking.slot,
               agent_ids=(agent.pk,) + ((to.pk,) if to else ()))
    return swap


def withdraw_swap(*, agent: Agent, booking_id: int, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        return Swap.objects.filter(booking_id=booking_id, booking__agent=agent,
                                   status=SwapStatus.OPEN).update(
            status=SwapStatus.WITHDRAWN, closed_at=now)


def take_swap(*, agent: Agent, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Take over a slot offered to the board or to this roadie: the giver's booking becomes
    ``swapped``, the taker gets a booking of the same seat at the same bonus."""
    now = now or timezone.now()
    with transaction.atomic():
        giver_id = (Booking.objects.filter(pk=booking_id).values_list("agent_id", flat=True)
                    .first())
        if giver_id is None:
            raise NotFound(f"no booking {booking_id}")
        locked = _lock_agents(agent.pk, giver_id)
        agent = locked[agent.pk]
        booking = _own_booking(locked[giver_id], booking_id)
        swap = (Swap.objects.select_for_update()
                .filter(booking=booking, status=SwapStatus.OPEN).first())
        if swap is None or (swap.to_agent_id is not None and swap.to_agent_id != agent.pk):
            raise NotFound(f"booking {booking_id} is not offered to you")
        if agent.pk == giver_id:
            raise _refuse("overlap", slot=booking.slot_id)
        _transition(booking, BookingStatus.SWAPPED)
        if SwapStatus.TAKEN not in SWAP_TRANSITIONS[swap.status]:
            raise _refuse("closed", reason="swap_closed")
        rules = lib.rules_for_pool_id(booking.slot.plan.pool_id)
        refusal = rules_engine.check_take(slot=_view(booking.slot), agent=lib.roadie_view(agent, window=rules_engine.Window()),
                                          held=lib.held_slots(agent), rules=rules, now=now)
        if refusal is not None:
            raise BookingRefused(refusal)
        booking.status, booking.released_at = BookingStatus.SWAPPED, now
        booking.save(update_fields=["status", "released_at"])
        try:
            with transaction.atomic():
                taken = Booking.objects.create(agent=agent, slot=booking.slot, bonus=booking.bonus,
                                               booked_at=now, swapped_from=booking)
        except IntegrityError:
            raise _refuse("overlap", slot=booking.slot_id) from None
        swap.status, swap.taken_by, swap.closed_at = SwapStatus.TAKEN, agent, now
        swap.save(update_fields=["status", "taken_by", "closed_at"])
        _event("scheduling.swapped", slot=booking.slot, agent_ids=(agent.pk, giver_id))
    return taken


def mark_no_shows(*, now: dt.datetime | None = None, lookback_hours: int = 24) -> int:
    """Record ``no_show`` on bookings whose first 10 minutes are past (from the presence
    history); returns how many were no-shows."""
    now = now or timezone.now()
    found = 0
    rows = lib.attended_bookings(start=now - dt.timedelta(hours=lookback_hours),
                                 end=now - dt.timedelta(minutes=10), now=now)
    with transaction.atomic():
        for row in rows:
            updated = Booking.objects.filter(pk=row.booking_id, no_show__isnull=True).update(
                no_show=row.no_show)
            found += int(updated and row.no_show)
    return found


def set_fixed_bonus(*, slot_id: int, amount: Decimal) -> SlotSeats:
    """A supervisor's fixed bonus on a slot, added to the priced one for later bookings."""
    if not amount.is_finite() or amount < 0:
        raise ValueError("amount: a bonus cannot be negative")
    if amount >= 1_000_000:
        raise ValueError("amount: less than 1,000,000 euros")
    amount = amount.quantize(Decimal("0.01"))
    with transaction.atomic():
        slot = _slot(slot_id)
        seats = _seats(slot)
        SlotSeats.objects.filter(pk=seats.pk).update(fixed_bonus=amount)
        _event("scheduling.bonus", slot=slot)
    seats.refresh_from_db()
    return seats


def cancel_superseded(*, plan_ids, now: dt.datetime | None = None) -> list[Booking]:
    """The bookings of superseded plans whose slot has not started: cancelled, their seats
    freed, their open swaps withdrawn and the waiting lists of those slots closed; each roadie
    gets a notice and a live event. Bookings already under way or past stay booked (they are
    worked, and paid). Called by ``planning.actions.publish_plan`` in its transaction."""
    now = now or timezone.now()
    plan_ids = list(plan_ids)
    if not plan_ids:
        return []
    with transaction.atomic():
        live = Booking.objects.filter(status=BookingStatus.BOOKED, slot__plan_id__in=plan_ids,
                                      slot__starts_at__gt=now)
        _lock_agents(*live.values_list("agent_id", flat=True))
        bookings = list(live.select_for_update().select_related("slot__plan").order_by("pk"))
        for booking in bookings:
            _transition(booking, BookingStatus.CANCELLED)
            booking.status, booking.released_at = BookingStatus.CANCELLED, now
            booking.save(update_fields=["status", "released_at"])
            _free_seat(booking.slot_id)
            Notice.objects.create(agent_id=booking.agent_id, kind=NoticeKind.CANCELLED,
                                  slot=booking.slot, booking=booking, created_at=now)
        ids = [b.pk for b in bookings]
        Swap.objects.filter(booking_id__in=ids, status=SwapStatus.OPEN).update(
            status=SwapStatus.WITHDRAWN, closed_at=now)
        WaitlistEntry.objects.filter(slot__plan_id__in=plan_ids, slot__starts_at__gt=now,
                                     status=WaitStatus.WAITING).update(
            status=WaitStatus.SKIPPED, skipped_code="superseded", closed_at=now)
        for booking in bookings:
            publish("scheduling.cancelled", topics=[BOARD, pool_topic(booking.slot.plan.pool_id),
                                                    agent_topic(booking.agent_id)],
                    payload={"slot": booking.slot_id, "pool": booking.slot.plan.pool_id,
                             "booking": booking.pk})
    return bookings


def mark_notice_read(*, agent: Agent, notice_id: int, now: dt.datetime | None = None) -> int:
    return Notice.objects.filter(pk=notice_id, agent=agent, read_at__isnull=True).update(
        read_at=now or timezone.now())


def renew_calendar_secret(*, agent: Agent):
    """Give the roadie's calendar feed a new secret (the old URL stops working)."""
    import secrets

    from roadie.desk.scheduling.models import CalendarFeed

    with transaction.atomic():
        feed, _ = CalendarFeed.objects.select_for_update().get_or_create(agent=agent)
        feed.secret = secrets.token_urlsafe()
        feed.created_at = timezone.now()
        feed.save(update_fields=["secret", "created_at"])
    return feed


def offer_uncovered(*, now: dt.datetime | None = None, hours: int = 48,
                    per_slot: int = 5) -> int:
    """Offer each slot with free seats in the next ``hours`` to up to ``per_slot`` eligible
    roadies (certified, and allowed by every booking rule), the ones with the fewest hours
    booked that week first: a notice on their desk and an email (sent by the worker). A roadie
    is offered a slot once. Returns the number of new notices."""
    from roadie.desk.scheduling.tasks import send_uncovered_offer

    now = now or timezone.now()
    made = 0
    rows = lib.uncovered(now=now, hours=hours)
    if not rows:
        return 0
    agents = list(Agent.objects.select_related("user"))
    for row in rows:
        slot = row.slot
        brands = lib.pool_brand_ids([slot.plan.pool_id]).get(slot.plan.pool_id, frozenset())
        view = lib.slot_view(slot, brand_ids=brands, booked=row.booked, seats=row.seats)
        rules = lib.rules_for_pool_id(slot.plan.pool_id)
        window = lib.window_for(slot.plan)
        already = set(Notice.objects.filter(slot=slot, kind=NoticeKind.UNCOVERED)
                      .values_list("agent_id", flat=True))
        candidates = []
        for agent in agents:
            if agent.pk in already:
                continue
            held = lib.held_slots(agent)
            roadie = rules_engine.Roadie(
                id=agent.pk, brand_ids=frozenset(agent.certifications.values_list("brand_id",
                                                                                   flat=True)))
            if rules_engine.check_book(slot=view, agent=roadie, held=held, rules=rules,
                                       window=window, now=now) is None:
                week = sum(h.hours for h in held if h.week == view.week)
                candidates.append((week, agent.pk, agent))
        for _, _, agent in sorted(candidates)[:max(per_slot - len(already), 0)]:
            with transaction.atomic():
                notice, created = Notice.objects.get_or_create(
                    agent=agent, kind=NoticeKind.UNCOVERED, slot=slot,
                    defaults={"created_at": now})
                if created:
                    made += 1
                    publish("scheduling.uncovered", topics=[agent_topic(agent.pk)],
                            payload={"slot": slot.pk})
                    if agent.user.email:
                        transaction.on_commit(
                            lambda pk=notice.pk: send_uncovered_offer.enqueue(pk))
    return made


# --- settings: a pool's rules and budget, a plan's booking window ----------------------------

class SettingsError(ValueError):
    """A setting refused; the message names the field. Nothing was written."""


RULE_LIMITS = {"max_day_hours": (1, 24), "max_week_hours": (1, 168), "min_week_hours": (0, 168),
               "rest_hours": (0, 48), "notice_hours": (0, 336), "swap_close_hours": (0, 168)}


def set_pool_rules(*, pool, values: dict, login_outside_slots: bool = True) -> PoolRules:
    """A pool's overrides of the operator's booking rules (``None``: the default), its bonus
    budget in euros per point of service level, and whether its roadies may go available
    outside a booked slot. Bookings already made are not re-checked."""
    clean: dict = {}
    for name, (low, high) in {**RULE_LIMITS, "budget_per_point": (0, 1000)}.items():
        value = values.get(name)
        if value is None or value == "":
            clean[name] = None
            continue
        try:
            number = Decimal(str(value).replace(",", "."))
        except ArithmeticError:
            raise SettingsError(f"{name}: a number") from None
        if not number.is_finite() or not low <= number <= high:
            raise SettingsError(f"{name}: from {low} to {high}")
        clean[name] = number.quantize(Decimal("0.01") if name == "budget_per_point" else Decimal("0.1"))
    day, week = clean["max_day_hours"], clean["max_week_hours"]
    low_week = clean["min_week_hours"]
    defaults = rules_engine.Rules()
    if low_week is not None and low_week > (week if week is not None else Decimal(str(defaults.max_week_hours))):
        raise SettingsError("min_week_hours: above the week's maximum")
    if day is not None and week is not None and day > week:
        raise SettingsError("max_day_hours: above the week's maximum")
    with transaction.atomic():
        rules, _ = PoolRules.objects.select_for_update().get_or_create(pool=pool)
        for name, value in clean.items():
            setattr(rules, name, value)
        rules.login_outside_slots = bool(login_outside_slots)
        rules.save()
        publish("scheduling.settings", topics=[BOARD, pool_topic(pool.pk)], payload={"pool": pool.pk})
    return rules


def set_plan_window(*, plan, opens_at: dt.datetime | None, early_opens_at: dt.datetime | None,
                    early_min_reliability: Decimal | str = Decimal("0.950")) -> PlanWindow:
    """When a plan opens for booking (``None``: at publication) and, optionally, an earlier
    opening for roadies whose reliability is at least ``early_min_reliability``."""
    try:
        share = Decimal(str(early_min_reliability).replace(",", "."))
    except ArithmeticError:
        raise SettingsError("early_min_reliability: a share from 0 to 1, e.g. 0.95") from None
    if not share.is_finite() or not 0 <= share <= 1:
        raise SettingsError("early_min_reliability: a share from 0 to 1, e.g. 0.95")
    for name, when in (("opens_at", opens_at), ("early_opens_at", early_opens_at)):
        if when is not None and timezone.is_naive(when):
            raise SettingsError(f"{name}: a date and time with its time zone")
    if early_opens_at is not None and opens_at is not None and early_opens_at >= opens_at:
        raise SettingsError("early_opens_at: before the opening for everyone")
    if early_opens_at is not None and opens_at is None and plan.published_at \
            and early_opens_at >= plan.published_at:
        raise SettingsError("early_opens_at: before the opening for everyone (the publication)")
    with transaction.atomic():
        window, _ = PlanWindow.objects.select_for_update().get_or_create(plan=plan)
        window.opens_at, window.early_opens_at = opens_at, early_opens_at
        window.early_min_reliability = share.quantize(Decimal("0.001"))
        window.save()
        publish("scheduling.settings", topics=[BOARD, pool_topic(plan.pool_id)], payload={"plan": plan.pk})
    return window

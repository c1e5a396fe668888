"""The booking rules, one by one, and the reliability figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from roadie.engine import scheduling as r
from roadie.engine.slot_bonus import QueueTarget, next_roadie_gain, price

UTC = dt.UTC
MON = dt.date(2027, 3, 1)


def t(day: int, hour: float) -> dt.datetime:
    return dt.datetime.combine(MON + dt.timedelta(days=day), dt.time(), UTC) + dt.timedelta(
        hours=hour)


def slot(i: int, day: int, a: float, b: float, *more: float, seats: int = 2,
         booked: int = 0) -> r.Slot:
    pieces = [(t(day, a), t(day, b))]
    if more:
        pieces.append((t(day, more[0]), t(day, more[1])))
    return r.Slot(id=i, pool_id=1, brand_ids=frozenset({1}), day=MON + dt.timedelta(days=day),
                  pieces=tuple(pieces), seats=seats, booked=booked)


ME = r.Roadie(id=1, brand_ids=frozenset({1, 2}))
RULES = r.Rules()
EARLY = t(-5, 0)


OPEN = r.Window()


def check(s, held=(), *, now=EARLY, agent=ME, window=OPEN):
    found = r.check_book(slot=s, agent=agent, held=list(held), rules=RULES, window=window,
                         now=now)
    return found.code if found else None


def test_a_slot_within_every_rule_is_accepted():
    assert check(slot(1, 0, 7, 15)) is None


def test_not_certified_when_no_brand_of_the_pool_is_the_roadies():
    assert check(slot(1, 0, 7, 15), agent=r.Roadie(id=2, brand_ids=frozenset({9}))) == \
        "not_certified"


def test_full_when_every_seat_is_booked():
    assert check(slot(1, 0, 7, 15, seats=3, booked=3)) == "full"
    assert check(slot(1, 0, 7, 15, seats=3, booked=2)) is None


def test_overlap_with_any_piece_of_a_split_day():
    split = slot(1, 0, 7, 11, 17, 21)
    assert check(slot(2, 0, 10, 12), [split]) == "overlap"
    assert check(slot(2, 0, 20, 23), [split]) == "overlap"
    assert check(slot(2, 0, 11, 13), [split]) is None      # between the two parts, touching


def test_max_day_hours_counts_a_split_day_and_the_same_day_slots():
    assert check(slot(2, 0, 12, 16), [slot(1, 0, 7, 11, 17, 21)]) == "max_day_hours"  # 12 h
    assert check(slot(2, 0, 12, 14), [slot(1, 0, 7, 11, 17, 21)]) is None            # 10 h


def test_max_week_hours_runs_monday_to_sunday():
    # five days of 9 h = 45 h; one more 4 h slot on Saturday is 49 h
    week = [slot(i, i, 8, 17) for i in range(5)]
    assert check(slot(9, 5, 9, 13), week) == "max_week_hours"
    assert check(slot(9, 5, 9, 12), week) is None                     # 48 h exactly
    assert check(slot(9, 7, 9, 13), week) is None                     # next Monday


def test_rest_between_working_days_counts_late_evenings():
    late = slot(1, 0, 23, 25)            # 23:00 to 01:00, belongs to Monday
    assert check(slot(2, 1, 7, 11), [late]) == "rest"     # 6 h after 01:00
    assert check(slot(2, 1, 12, 16), [late]) is None      # 11 h after 01:00
    assert check(slot(2, -1, 14, 15), [slot(1, 0, 1.5, 3)]) == "rest"    # 10.5 h
    assert check(slot(2, -1, 12, 14), [slot(1, 0, 1.5, 3)]) is None     # 11.5 h
    assert check(slot(2, -1, 18, 22), [slot(1, 0, 7, 11)]) == "rest"  # the day before


def test_closed_before_the_window_and_once_started():
    assert check(slot(1, 0, 7, 15), now=t(0, 7)) == "closed"
    window = r.Window(opens_at=t(-3, 0), early_opens_at=t(-6, 0))
    assert check(slot(1, 0, 7, 15), now=t(-7, 0), window=window) == "closed"
    # early access: reliable roadies from early_opens_at, the others at opens_at
    assert check(slot(1, 0, 7, 15), now=t(-5, 0), window=window) is None
    shaky = r.Roadie(id=3, brand_ids=frozenset({1}), reliability=0.5)
    assert check(slot(1, 0, 7, 15), now=t(-5, 0), window=window, agent=shaky) == "closed"
    assert check(slot(1, 0, 7, 15), now=t(-2, 0), window=window, agent=shaky) is None
    assert check(slot(1, 0, 7, 15), window=r.Window(published=False)) == "closed"


def test_notice_on_release_and_late_release():
    s = slot(1, 2, 9, 13)
    assert r.check_release(slot=s, rules=RULES, now=t(0, 9)) is None           # exactly 48 h
    assert r.check_release(slot=s, rules=RULES, now=t(0, 9.5)).code == "notice"
    assert r.check_release(slot=s, rules=RULES, now=t(0, 9.5), late=True) is None
    assert r.check_release(slot=s, rules=RULES, now=t(2, 9), late=True).code == "closed"


def test_swaps_close_two_hours_before_the_start():
    s = slot(1, 0, 9, 13)
    assert r.check_take(slot=s, agent=ME, held=[], rules=RULES, now=t(0, 6.9)) is None
    assert r.check_take(slot=s, agent=ME, held=[], rules=RULES, now=t(0, 7)).code == "closed"


def test_min_week_hours_is_a_warning():
    held = [slot(1, 0, 9, 13)]
    assert r.min_week_hours(held[0].week, held, RULES) == {
        "code": "min_week_hours", "limit": 15.0, "hours": 4.0}
    assert r.min_week_hours(held[0].week, [slot(i, i, 8, 12) for i in range(4)], RULES) is None


def test_pool_overrides_change_the_limits():
    strict = r.Rules(max_day_hours=6)
    assert r.max_day_hours(slot(1, 0, 7, 15), [], strict).code == "max_day_hours"


def test_no_show_and_adherence():
    pieces = ((t(0, 9), t(0, 13)),)
    assert r.is_no_show(pieces, [(t(0, 9.1), t(0, 12))], RULES) is False   # 6 min late
    assert r.is_no_show(pieces, [(t(0, 9.2), t(0, 12))], RULES) is True    # 12 min late
    assert r.attended_hours(pieces, [(t(0, 8), t(0, 10)), (t(0, 12), t(0, 14))]) == 2.0
    rows = [r.Attendance(4, 3, False), r.Attendance(4, 0, True), r.Attendance(2, 0, False, True)]
    assert r.adherence(rows) == pytest.approx(3 / 8)
    assert r.reliability(rows) == pytest.approx(1 / 3)
    assert r.reliability([]) == 1.0 and r.adherence([]) is None


def test_bonus_pays_most_where_one_roadie_matters_and_falls_as_the_slot_fills():
    target = QueueTarget()
    night = next_roadie_gain(required=np.array([1.0]), booked=np.array([0.0]), target=target)
    day = next_roadie_gain(required=np.array([20.0]), booked=np.array([0.0]), target=target)
    assert night[0] > day[0] > 0
    gains = [float(next_roadie_gain(required=np.array([6.0]), booked=np.array([b]),
                                    target=target)[0]) for b in range(0, 9)]
    assert all(a >= b - 1e-9 for a, b in zip(gains, gains[1:], strict=False))
    assert gains[-1] < gains[0] / 5
    bonus = price(gains=np.array([0.1] * 8), interval_hours=0.5,
                  budget_per_point_hour=Decimal("0.50"))
    assert str(bonus) == "20.00"      # 0.1 SL x 100 points x 4 h x 0.50 EUR

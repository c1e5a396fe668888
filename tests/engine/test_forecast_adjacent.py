"""Days next to a closure are irregular days, like holidays (docs/planning.md, "Sixth
revision", item 1): the first open day after a closure and the last open day before it are
left out of every fit and forecast at the median ratio of the history's own such days."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine import forecast_irregular
from roadie.engine.forecast import (
    ForecastConfig,
    forecast_distribution,
    history_from_frame,
    synthetic_history,
)
from roadie.engine.forecast_backtest import baseline

TZ = "America/New_York"
US = holidays_lib.country_holidays("US", years=range(2024, 2027))
# Monday 6 January to Wednesday 2 July 2025: four US holidays fall on weekdays (Martin Luther
# King Day and Presidents' Day, Mondays; Memorial Day, a Monday; Juneteenth, a Thursday), and
# Independence Day, Friday 4 July, is in the forecast: Thursday 3 July is the day before it,
# Monday 7 July (past the weekend) the day after
FIRST, LAST = dt.date(2025, 1, 6), dt.date(2025, 7, 2)
BEFORE, AFTER, ORDINARY_MONDAY = dt.date(2025, 7, 3), dt.date(2025, 7, 7), dt.date(2025, 7, 14)
US_CONFIG = ForecastConfig(interval_minutes=60, country="US")


def _export(*, surge: float = 1.0, holidays=US, seed: int = 7) -> pd.DataFrame:
    """A Monday-to-Friday centre's hourly export (09:00-18:00, several hundred contacts a
    day, Mondays busier): no rows on weekends and on the public holidays (closed), and the
    first open day after each closed holiday gets ``surge`` times its volume (the extra
    contacts drawn from their own generator, so every other day is the same whatever
    ``surge``)."""
    rng, extra = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    hours = np.arange(9, 18)
    shape = np.exp(-0.5 * ((hours - 12.5) / 3.0) ** 2)
    shape /= shape.sum()
    week = np.array([650.0, 500.0, 500.0, 475.0, 450.0])
    rows, backlog = [], False
    day = FIRST
    while day <= LAST:
        w = day.weekday()
        if w < 5 and day in holidays:
            backlog = True
        elif w < 5:
            lam = week[w] * shape
            counts = rng.poisson(lam) + (extra.poisson((surge - 1.0) * lam) if backlog else 0)
            backlog = False
            rows += [(f"{day.isoformat()}T{h:02d}:00:00", int(c))
                     for h, c in zip(hours, counts, strict=True)]
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["start", "contacts"])


def _history(frame: pd.DataFrame, country: str | None = "US"):
    return history_from_frame(frame, interval_minutes=60, tz=TZ, country=country)["all"]


# the same centre with no holiday at all: no closure, only its weekends closed
_NO_HOLIDAY = _history(_export(holidays=()), country=None)


def _totals(result) -> dict[dt.date, float]:
    return dict(zip(result.mean.dates, result.mean.values.sum(axis=1), strict=True))


def _without_rule(monkeypatch, run):
    """``run()`` with days next to a closure treated as ordinary days (the forecast before
    the rule)."""
    with monkeypatch.context() as m:
        m.setattr(forecast_irregular, "_ADJACENT_DAYS", False)
        return run()


@pytest.mark.parametrize("seed", [7, 21])
def test_the_day_after_a_closed_holiday_is_forecast_at_the_history_s_surge(seed, monkeypatch):
    history = _history(_export(surge=1.5, seed=seed))
    result = forecast_distribution(history, horizon_days=14, config=US_CONFIG)
    found = result.adjacent
    assert found.days == {"after": (AFTER,), "before": (BEFORE,)}
    assert found.counts == {"after": 4, "before": 4}  # one each per closed holiday
    totals = _totals(result)
    assert totals[dt.date(2025, 7, 4)] == 0.0  # the holiday itself, closed
    # Monday 7 July against the ordinary Monday a week later: the factor is the median of
    # four ratios of a day of 450-650 Poisson contacts at x1.5 (each about 4-5 % noise) to
    # a level averaged over 8 days; 0.15 is more than 3 of that median's standard deviations
    assert totals[AFTER] / totals[ORDINARY_MONDAY] == pytest.approx(1.5, abs=0.15)
    assert result.adjacent_factors["after"] == pytest.approx(1.5, abs=0.15)
    # the day before had no surge: about an ordinary Thursday
    assert totals[BEFORE] / totals[dt.date(2025, 7, 10)] == pytest.approx(1.0, abs=0.1)
    # the quantiles and the point forecast follow the mean
    for q in (0.1, 0.5, 0.9):
        day = result.quantiles[q]
        row = day.dates.index(AFTER), day.dates.index(ORDINARY_MONDAY)
        assert day.values[row[0]].sum() > 1.3 * day.values[row[1]].sum()

    # the ordinary days are not pulled up by the surge: the days next to a closure are left
    # out of the fit (with the rule off, the same surge does pull them up)
    plain = forecast_distribution(_history(_export(surge=1.0, seed=seed)), horizon_days=14,
                                  config=US_CONFIG)
    ordinary = [d for d, t in totals.items() if t > 0 and d not in (AFTER, BEFORE)]
    surged, flat = (np.array([_totals(r)[d] for d in ordinary]) for r in (result, plain))
    assert np.all(surged <= flat * 1.01), (surged / flat).round(3)

    def off(surge):
        return forecast_distribution(_history(_export(surge=surge, seed=seed)),
                                     horizon_days=14, config=US_CONFIG)
    off_surged, off_flat = (_without_rule(monkeypatch, lambda s=s: off(s)) for s in (1.5, 1.0))
    pulled = sum(_totals(off_surged)[d] for d in ordinary) / sum(
        _totals(off_flat)[d] for d in ordinary)
    assert pulled > 1.01


def test_a_series_with_no_closure_forecasts_as_before_the_rule(monkeypatch):
    """synthetic_history: its French holidays have data (a fifth of a day) and its Sundays
    no contact; nothing is a closure, so nothing moves, to the byte (the same comparison
    against main's commit, in a separate process, gave the same bytes)."""
    frame = synthetic_history(first_day=dt.date(2025, 1, 6), days=126,
                              rng=np.random.default_rng(4))
    history = history_from_frame(frame, interval_minutes=30, country="FR")["brand-a/call"]
    config = ForecastConfig(interval_minutes=30, country="FR")

    def run():
        return (forecast_distribution(history, horizon_days=14, config=config),
                baseline("mean", config)(history, 14))

    (new, new_base), (old, old_base) = run(), _without_rule(monkeypatch, run)
    assert new.adjacent.counts == {"after": 0, "before": 0}
    assert new.adjacent.days == {"after": (), "before": ()}
    assert new.mean.values.tobytes() == old.mean.values.tobytes()
    assert new.point.values.tobytes() == old.point.values.tobytes()
    for q in new.quantiles:
        assert new.quantiles[q].values.tobytes() == old.quantiles[q].values.tobytes()
    assert new_base.tobytes() == old_base.tobytes()


def test_the_weekend_of_a_monday_to_friday_export_is_not_a_closure(monkeypatch):
    history = _NO_HOLIDAY
    config = ForecastConfig(interval_minutes=60, country=None)
    assert history.closed_mask.sum() > 0  # the weekends: closed, never open
    result = forecast_distribution(history, horizon_days=14, config=config)
    assert result.adjacent.counts == {"after": 0, "before": 0}
    assert result.adjacent.days == {"after": (), "before": ()}
    assert result.adjacent_factors == {"after": None, "before": None}
    old = _without_rule(monkeypatch, lambda: forecast_distribution(history, horizon_days=14,
                                                                    config=config))
    assert result.mean.values.tobytes() == old.mean.values.tobytes()


def test_a_declared_closing_marks_its_neighbours_and_a_history_without_any_gives_factor_1():
    history = _NO_HOLIDAY
    plain_config = ForecastConfig(interval_minutes=60, country=None)
    # Wednesday 9 and Friday 11 July closed: Thursday is after one and before the other (a
    # day after), Monday 14 the day after Friday's past the weekend, Tuesday 8 the day before
    closings = frozenset({dt.date(2025, 7, 9), dt.date(2025, 7, 11)})
    config = ForecastConfig(interval_minutes=60, country=None, closed_days=closings)
    result = forecast_distribution(history, horizon_days=14, config=config)
    assert result.adjacent.days == {"after": (dt.date(2025, 7, 10), dt.date(2025, 7, 14)),
                                    "before": (dt.date(2025, 7, 8),)}
    # the history has no closure: no day after or before one, so a factor of 1
    assert result.adjacent_factors == {"after": None, "before": None}
    plain = forecast_distribution(history, horizon_days=14, config=plain_config)
    totals, plain_totals = _totals(result), _totals(plain)
    for day, total in totals.items():
        assert total == (0.0 if day in closings else plain_totals[day])
    # a closing on the forecast's first day: the history's last day is the day before it,
    # left out of the fit and measured (an ordinary Wednesday: about 1)
    first = ForecastConfig(interval_minutes=60, country=None,
                           closed_days=frozenset({LAST + dt.timedelta(days=1)}))
    result = forecast_distribution(history, horizon_days=14, config=first)
    assert result.adjacent.counts == {"after": 0, "before": 1}
    assert result.adjacent.days == {"after": (LAST + dt.timedelta(days=2),), "before": ()}
    assert result.adjacent_factors["before"] == pytest.approx(1.0, abs=0.15)


def test_a_declared_closing_in_the_history_is_a_closure_too():
    """A closing declared on a Wednesday of the history (the centre opened that day, but the
    configuration says it did not) makes the Thursday after it a day after a closure."""
    history = _NO_HOLIDAY
    closing = dt.date(2025, 6, 11)
    config = ForecastConfig(interval_minutes=60, country=None, closed_days=frozenset(
        {closing, dt.date(2025, 7, 9)}))
    result = forecast_distribution(history, horizon_days=14, config=config)
    assert result.adjacent.counts == {"after": 1, "before": 1}
    assert result.adjacent.days["after"] == (dt.date(2025, 7, 10),)
    # an ordinary Thursday measured against the Thursdays' level: about 1
    assert result.adjacent_factors["after"] == pytest.approx(1.0, abs=0.15)


def test_the_baselines_through_forecast_with_get_the_same_treatment(monkeypatch):
    surged = _history(_export(surge=1.5))
    flat = _history(_export(surge=1.0))
    days = [LAST + dt.timedelta(days=i + 1) for i in range(14)]
    row = {d: i for i, d in enumerate(days)}
    mean_k = baseline("mean", US_CONFIG, k=4)
    got, plain = mean_k(surged, 14).sum(axis=1), mean_k(flat, 14).sum(axis=1)
    assert got[row[AFTER]] / got[row[ORDINARY_MONDAY]] == pytest.approx(1.5, abs=0.15)
    ordinary = [row[d] for d in days if d not in (AFTER, BEFORE) and got[row[d]] > 0]
    assert np.all(got[ordinary] <= plain[ordinary] * 1.01)
    # without the rule, the last four Fridays' mean holds Friday 20 June, the day after
    # Juneteenth, and Friday 11 July is pulled up by about an eighth (1.5 / 4)
    friday = row[dt.date(2025, 7, 11)]
    off = _without_rule(monkeypatch, lambda: mean_k(surged, 14).sum(axis=1))
    off_plain = _without_rule(monkeypatch, lambda: mean_k(flat, 14).sum(axis=1))
    assert off[friday] > 1.05 * off_plain[friday]
    assert got[friday] <= 1.01 * plain[friday]


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(1, 20), max_size=5))
def test_declared_closings_mark_the_nearest_open_days_and_change_nothing_else(offsets):
    """Whatever days of the next three weeks but the first are declared closed, on a history
    with no closure (so that no day of it is next to one): the days after (before) are the first (last) open weekdays after (before) each
    closing, a day both is a day after, and every other day's forecast is as without them."""
    closings = frozenset(LAST + dt.timedelta(days=k + 1) for k in offsets)
    config = ForecastConfig(interval_minutes=60, country=None, method="weekday_mean",
                            closed_days=closings)
    result = forecast_distribution(_NO_HOLIDAY, horizon_days=21, config=config)
    plain = forecast_distribution(_NO_HOLIDAY, horizon_days=21, config=replace(
        config, closed_days=frozenset()))
    days = result.mean.dates

    def open_(d):  # in the forecast or the history's last days (all open on weekdays)
        return d.weekday() < 5 and d not in closings

    after, before = set(), set()
    for c in closings:
        if c.weekday() >= 5:  # a weekend day is not a closure (never open)
            continue
        d = c + dt.timedelta(days=1)
        while not open_(d):
            d += dt.timedelta(days=1)
        after.add(d)
        d = c - dt.timedelta(days=1)
        while not open_(d):
            d -= dt.timedelta(days=1)
        before.add(d)
    horizon = set(days)
    assert set(result.adjacent.days["after"]) == after & horizon
    assert set(result.adjacent.days["before"]) == (before - after) & horizon
    assert result.adjacent_factors == {"after": None, "before": None}
    for i, d in enumerate(days):
        expected = 0.0 * plain.mean.values[i] if d in closings else plain.mean.values[i]
        assert np.array_equal(result.mean.values[i], expected), d

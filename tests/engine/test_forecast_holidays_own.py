"""A future holiday is forecast like its own last occurrence when the history has it
(docs/planning.md, design item 6 "Irregular days"): its ratio on the same holiday 300 to 400
days before (0 if the centre closed it, else its total over the median of the regular same
weekdays within 28 days of it), the median over the history's holidays otherwise."""

from __future__ import annotations

import datetime as dt

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.engine import forecast_irregular
from roadie.engine.forecast import ForecastConfig, forecast_distribution, history_from_frame
from roadie.engine.forecast_irregular import irregular_days

TZ = "Europe/Paris"
FR = holidays_lib.country_holidays("FR", years=range(2024, 2028))
IL = holidays_lib.country_holidays("IL", years=range(2023, 2027))
CONFIG = ForecastConfig(interval_minutes=60, country="FR")
# a Monday-to-Saturday centre closed on 1 May, Christmas and New Year's Day, at 0.6 of a
# normal day on 8 May, Ascension and 14 July, at 0.3 on its other holidays
CLOSED = ("Labor Day", "Christmas Day", "New Year's Day")
AT_06 = ("Victory Day", "Ascension Day", "National Day")
# 15 months, Monday 3 March 2025 to Thursday 30 April 2026; the 84 days after it hold
# 1 May (a Friday), 8 May (a Friday), Ascension (Thursday 14 May), Pentecost Monday and 14 July
FIRST, LAST = dt.date(2025, 3, 3), dt.date(2026, 4, 30)
HORIZON = 84
MAY_1, MAY_8, ASCENSION, JULY_14 = (dt.date(2026, 5, 1), dt.date(2026, 5, 8),
                                    dt.date(2026, 5, 14), dt.date(2026, 7, 14))
# Poisson noise of the own ratio: a holiday at 0.6 of a 1,000-contact day has ~600 contacts
# (sd ~24, 4 %), its local level is the median of ~8 same weekdays (sd ~1.5 %): the ratio's sd
# is ~0.6 x 4.3 % = 0.026; 0.08 is three of them, and the median rule (~0.3) is far outside
TOLERANCE = 0.08


def _ratio(day: dt.date, table, closed, at_06) -> float | None:
    name = table.get(day)
    if name is None:
        return None
    return 0.0 if name in closed else 0.6 if name in at_06 else 0.3


def _export(first: dt.date = FIRST, last: dt.date = LAST, *, table=FR, closed=CLOSED,
            at_06=AT_06, growth: float = 0.0, weekdays: int = 6, seed: int = 3,
            ratios: dict | None = None) -> pd.DataFrame:
    """An hourly export (09:00-18:00, about 1,000 contacts on a Monday, Saturdays at half):
    no rows on Sundays (and Saturdays when ``weekdays`` is 5) and on the closed holidays; a
    holiday at its ratio (``ratios`` by date first) of its day; the volume grows linearly by
    ``growth`` over a year."""
    rng = np.random.default_rng(seed)
    hours = np.arange(9, 18)
    shape = np.exp(-0.5 * ((hours - 12.5) / 3.0) ** 2)
    shape /= shape.sum()
    week = np.array([1000.0, 900.0, 900.0, 880.0, 850.0, 500.0, 0.0])
    rows, day = [], first
    while day <= last:
        ratio = (ratios or {}).get(day, _ratio(day, table, closed, at_06))
        if day.weekday() < weekdays and ratio != 0.0:
            lam = week[day.weekday()] * (1.0 + growth * (day - first).days / 365.0) * shape
            counts = rng.poisson(lam * (1.0 if ratio is None else ratio))
            rows += [(f"{day.isoformat()}T{h:02d}:00:00", int(c))
                     for h, c in zip(hours, counts, strict=True)]
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["start", "contacts"])


def _history(frame: pd.DataFrame, country: str | None = "FR"):
    return history_from_frame(frame, interval_minutes=60, tz=TZ, country=country)["all"]


def _totals(result) -> dict[dt.date, float]:
    return dict(zip(result.mean.dates, result.mean.values.sum(axis=1), strict=True))


def _old_rule(monkeypatch, run):
    """``run()`` with every holiday at the median rule (the forecast before own holidays)."""
    with monkeypatch.context() as m:
        m.setattr(forecast_irregular, "_OWN_HOLIDAYS", False)
        return run()


HISTORY = _history(_export())


@pytest.fixture(scope="module")
def result():
    return forecast_distribution(HISTORY, horizon_days=HORIZON, config=CONFIG)


def test_each_holiday_is_forecast_like_its_own_last_year(result):
    totals = _totals(result)
    factors = result.holiday_factors
    assert factors[MAY_1] == (0.0, "own", dt.date(2025, 5, 1))
    assert totals[MAY_1] == 0.0
    for day, last_year in ((MAY_8, dt.date(2025, 5, 8)), (ASCENSION, dt.date(2025, 5, 29)),
                           (JULY_14, dt.date(2025, 7, 14))):
        factor, source, own = factors[day]
        assert (source, own) == ("own", last_year)
        assert abs(factor - 0.6) < TOLERANCE, (day, factor)
        # against its weekday's ordinary forecast, a week later (neither a holiday nor next
        # to a closure)
        ordinary = day + dt.timedelta(days=7)
        assert ordinary not in factors
        assert ordinary not in result.adjacent.days["after"] + result.adjacent.days["before"]
        assert totals[day] / totals[ordinary] == pytest.approx(factor)
    # Pentecost Monday, at 0.3 a year before, is forecast at its own 0.3 too
    factor, source, _ = factors[dt.date(2026, 5, 25)]
    assert source == "own" and abs(factor - 0.3) < TOLERANCE


def test_a_history_without_last_year_gets_the_median_rule(monkeypatch):
    # the last 250 days: from late August 2025, no holiday of next May or July has its own
    short = HISTORY.slice(HISTORY.days - 250, HISTORY.days)
    result = forecast_distribution(short, horizon_days=HORIZON, config=CONFIG)
    median = irregular_days(short, CONFIG, "all", HORIZON).holiday_factor
    # its holidays: 1 and 11 November, Easter Monday at 0.3, Christmas and New Year closed
    assert abs(median - 0.3) < TOLERANCE
    for day in (MAY_1, MAY_8, ASCENSION, JULY_14):
        assert result.holiday_factors[day] == (median, "median", None)
    before = _old_rule(monkeypatch, lambda: forecast_distribution(
        short, horizon_days=HORIZON, config=CONFIG))
    assert result.mean.values.tobytes() == before.mean.values.tobytes()


def test_the_day_after_an_open_holiday_is_no_day_after_a_closure(result, monkeypatch):
    after, before = result.adjacent.days["after"], result.adjacent.days["before"]
    # 1 May (closed last year) is a closure: Saturday 2 May is the day after, 30 April is
    # the history's; 8 May and Ascension (open last year) are not
    assert dt.date(2026, 5, 2) in after
    for day in (dt.date(2026, 5, 9), dt.date(2026, 5, 15)):
        assert day not in after
    for day in (dt.date(2026, 5, 7), dt.date(2026, 5, 13)):
        assert day not in before
    # by the median rule (~0.3) 1 May would not have been a closure
    old = _old_rule(monkeypatch, lambda: forecast_distribution(
        HISTORY, horizon_days=HORIZON, config=CONFIG))
    assert dt.date(2026, 5, 2) not in old.adjacent.days["after"]
    assert _totals(old)[MAY_1] > 0


def test_a_growing_volume_does_not_bias_the_own_ratio():
    # 30 % more a year: at the end the level is ~1.3 that of last May, so last May's holiday
    # over today's level would be ~0.6 / 1.25 = 0.48; its own year's local level keeps 0.6
    grown = _history(_export(growth=0.3, seed=5))
    result = forecast_distribution(grown, horizon_days=HORIZON, config=CONFIG)
    days = irregular_days(grown, CONFIG, "all", HORIZON)
    totals = grown.values.sum(axis=1)
    for day in (MAY_8, ASCENSION, JULY_14):
        factor, source, own = result.holiday_factors[day]
        assert source == "own" and abs(factor - 0.6) < TOLERANCE, (day, factor)
        against_today = totals[grown.dates.index(own)] / days.level[own.weekday()]
        assert against_today < 0.6 - TOLERANCE  # what a level of today would have said


def test_the_two_days_of_a_two_day_holiday_do_not_match_each_other():
    # Rosh Hashanah: Thursday 3 and Friday 4 October 2024, Tuesday 23 and Wednesday 24
    # September 2025, both days named alike. Last year's first day at 0.3, its second at 0.8,
    # this year's first (the history's last day) at 0.5
    ratios = {dt.date(2024, 10, 3): 0.3, dt.date(2024, 10, 4): 0.8, dt.date(2025, 9, 23): 0.5}
    config = ForecastConfig(interval_minutes=60, country="IL")
    first = dt.date(2024, 7, 1)

    def factors(last: dt.date):
        frame = _export(first, last, table=IL, closed=(), at_06=(), weekdays=5, ratios=ratios)
        history = _history(frame, country="IL")
        return forecast_distribution(history, horizon_days=7, config=config).holiday_factors

    # the history ends on the first day: the second is last year's second, not the day before
    second = factors(dt.date(2025, 9, 23))[dt.date(2025, 9, 24)]
    assert (second.source, second.own) == ("own", dt.date(2024, 10, 4))
    assert abs(second.factor - 0.8) < 0.1
    # the history ends before both: each is last year's same day
    both = factors(dt.date(2025, 9, 22))
    assert both[dt.date(2025, 9, 23)].own == dt.date(2024, 10, 3)
    assert abs(both[dt.date(2025, 9, 23)].factor - 0.3) < 0.1
    assert both[dt.date(2025, 9, 24)].own == dt.date(2024, 10, 4)


def test_a_declared_holiday_has_no_own_occurrence():
    # 1 May declared a holiday with no country calendar: no name, so the median rule
    config = ForecastConfig(interval_minutes=60, country=None,
                            holiday_days=frozenset({dt.date(2025, 5, 1), MAY_1}))
    history = _history(_export(), country=None)
    factors = forecast_distribution(history, horizon_days=7, config=config).holiday_factors
    assert factors[MAY_1].source == "median"


def _same(a, b) -> bool:
    return (a.mean.values.tobytes() == b.mean.values.tobytes()
            and a.point.values.tobytes() == b.point.values.tobytes()
            and a.quantiles.keys() == b.quantiles.keys()
            and all(a.quantiles[q].values.tobytes() == b.quantiles[q].values.tobytes()
                    for q in a.quantiles)
            and a.adjacent == b.adjacent)


# The same holiday a year before is 300 days or more before a future day, and the calendar
# looks 7 days past the horizon (forecast_irregular._LOOK_PAST): a history of n days with a
# horizon of h cannot hold one when n + h + 7 <= 300, and is forecast exactly as before. The
# back-test's windows are 16 weeks (112 days) with a 7-day horizon.
@pytest.mark.parametrize(("days", "horizon"), [(112, 7), (112, 84), (250, 28), (265, 28)])
@pytest.mark.parametrize("end", [LAST, dt.date(2025, 12, 20)])
def test_a_short_history_is_forecast_as_before(monkeypatch, days, horizon, end):
    # ending before May's holidays (1 May closed, so days next to a closure too) or before
    # Christmas and New Year's Day (closed)
    stop = HISTORY.dates.index(end) + 1
    history = HISTORY.slice(stop - days, stop)
    assert history.days == days and history.dates[-1] == end
    for method in ("auto", "blend"):
        config = ForecastConfig(interval_minutes=60, country="FR", method=method)
        now = forecast_distribution(history, horizon_days=horizon, config=config)
        before = _old_rule(monkeypatch, lambda config=config: forecast_distribution(
            history, horizon_days=horizon, config=config))
        assert now.holiday_factors and all(
            f.source != "own" for f in now.holiday_factors.values())
        assert _same(now, before)


def test_a_horizon_that_reaches_a_year_past_a_held_holiday_uses_it():
    # 299 days (from 6 July 2025) and 84 days ahead: 14 July 2025 is in the history
    history = HISTORY.slice(HISTORY.days - 299, HISTORY.days)
    factors = forecast_distribution(history, horizon_days=HORIZON, config=CONFIG
                                    ).holiday_factors
    assert factors[JULY_14].own == dt.date(2025, 7, 14)
    assert factors[MAY_8].source == "median"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=st.integers(21, 265), ends=st.integers(0, 300), seed=st.integers(0, 99),
       closed=st.sampled_from([CLOSED, (), ("Victory Day", "Assumption Day")]))
def test_any_short_history_is_forecast_as_before(days, ends, seed, closed):
    # n + 28 + 7 <= 300 (above), Monday to Friday, various holidays closed
    end = LAST - dt.timedelta(days=ends)
    history = _history(_export(end - dt.timedelta(days=days - 1), end, closed=closed,
                               seed=seed, weekdays=5))
    with pytest.MonkeyPatch.context() as m:
        now = forecast_distribution(history, horizon_days=28, config=CONFIG)
        m.setattr(forecast_irregular, "_OWN_HOLIDAYS", False)
        before = forecast_distribution(history, horizon_days=28, config=CONFIG)
    assert _same(now, before)


# the commit before own holidays (main at the sixth revision's back-test)
_BEFORE = "338bc52c5837bc6bda3fc1775a8e286e5e0ced74"
_SCRIPT = """
import sys, datetime as dt, numpy as np, pandas as pd
from roadie.engine.forecast import ForecastConfig, forecast_distribution, history_from_frame
frame = pd.read_csv(sys.argv[1])
out = {}
for days, horizon, method in ((112, 7, "auto"), (112, 84, "blend"), (250, 28, "auto")):
    history = history_from_frame(frame, interval_minutes=60, tz="Europe/Paris",
                                 country="FR")["all"]
    history = history.slice(history.days - days, history.days)
    r = forecast_distribution(history, horizon_days=horizon,
                              config=ForecastConfig(interval_minutes=60, method=method))
    key = f"{days}-{horizon}-{method}"
    out[key + "-mean"], out[key + "-point"] = r.mean.values, r.point.values
    for q, m in r.quantiles.items():
        out[f"{key}-q{q}"] = m.values
np.savez(sys.argv[2], **out)
"""


def test_short_histories_are_forecast_byte_for_byte_as_by_the_commit_before(tmp_path):
    """The same script on this code and on the commit before own holidays (its source
    from git), on a history ending before May's holidays: the same bytes."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(repo), "archive", _BEFORE, "src"],
                             capture_output=True)
    if archive.returncode:
        pytest.skip(f"no git or no commit {_BEFORE}")
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    frame = tmp_path / "history.csv"
    _export(LAST - dt.timedelta(days=300), LAST).to_csv(frame, index=False)
    results = {}
    for name, src in (("old", old / "src"), ("new", repo / "src")):
        subprocess.run([sys.executable, "-c", _SCRIPT, str(frame), str(tmp_path / name)],
                       check=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"})
        results[name] = np.load(tmp_path / f"{name}.npz")
    assert sorted(results["old"].files) == sorted(results["new"].files)
    assert len(results["old"].files) > 6
    for key in results["old"].files:
        assert results["old"][key].tobytes() == results["new"][key].tobytes(), key

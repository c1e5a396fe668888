"""Business calendars in the simulator: a contact is due in its brand's opening hours, by the
function that sets a live contact's deadline (``roadie.engine.calendar.contact_deadline``)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.calendar import ChannelClosure, ChannelHours, channel_calendar, contact_deadline
from roadie.engine.sim import (
    Arrivals,
    ScenarioError,
    load_scenario,
    measure,
    run,
    scenario_from_dict,
)
from roadie.engine.sim.deadlines import deadlines

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600.0
SATURDAY = "2026-12-05"
CLOSED_ON_SUNDAYS = [{"brand": "lune", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                      "opens": "09:00", "closes": "18:00"}]


def _scenario(**extra):
    return scenario_from_dict({
        "date": SATURDAY, "days": 3, "hours": 24,
        "streams": [{"brand": "lune", "channel": "email", "answer_seconds": 4 * HOUR, "handle": 600}],
        # one roadie, on from noon to one o'clock every day (Sunday too)
        "teams": [{"name": "team", "count": 1, "brands": ["lune"], "slots": ["12:00-13:00"]}],
        **extra,
    })


def _arrivals(scn, *times: float) -> Arrivals:
    n = len(times)
    return Arrivals(time=np.array(times, dtype=float), stream=np.zeros(n, dtype=np.int64),
                    handle=np.full(n, 600.0), patience=np.full(n, math.inf),
                    priority=np.zeros(n, dtype=np.int64), streams=scn.streams)


def _at(scn, seconds: float) -> datetime:
    return (scn.origin + timedelta(seconds=float(seconds))).astimezone(PARIS)


def test_an_email_on_saturday_night_is_due_in_opening_hours_and_judged_by_it():
    scn = _scenario(opening_hours=CLOSED_ON_SUNDAYS)
    saturday_night, saturday_four_pm = 23 * HOUR, 16 * HOUR
    res = run(scn, np.random.default_rng(1), arrivals=_arrivals(scn, saturday_four_pm, saturday_night))
    # as live (tests/desk/test_calendars.py): 4 opening hours after Saturday 23:00 is Monday 13:00;
    # after Saturday 16:00, two hours on Saturday and two on Monday: Monday 11:00
    assert _at(scn, res.deadline[1]) == datetime(2026, 12, 7, 13, 0, tzinfo=PARIS)
    assert _at(scn, res.deadline[0]) == datetime(2026, 12, 7, 11, 0, tzinfo=PARIS)
    # the roadie (two emails at once) answers both on Sunday at noon: in time
    assert [_at(scn, s) for s in res.start] == [datetime(2026, 12, 6, 12, 0, tzinfo=PARIS)] * 2
    assert measure(res).groups["all"].service_level == 1.0

    # the same brand open around the clock: due four hours later, Sunday 03:00 and 20:00: late
    clock = _scenario()
    res = run(clock, np.random.default_rng(1), arrivals=_arrivals(clock, saturday_four_pm, saturday_night))
    assert _at(clock, res.deadline[1]) == datetime(2026, 12, 6, 3, 0, tzinfo=PARIS)
    assert measure(res).groups["all"].service_level == 0.0


def test_a_closure_and_a_channels_own_hours_move_the_deadline():
    scn = _scenario(
        opening_hours=[*CLOSED_ON_SUNDAYS,
                       {"brand": "lune", "channel": "voice", "weekday": 6, "opens": "10:00", "closes": "12:00"}],
        closures=[{"brand": "lune", "date": "2026-12-07"}],  # closed on Monday too
    )
    (due,), _ = deadlines(scn, _arrivals(scn, 23 * HOUR))
    assert _at(scn, due) == datetime(2026, 12, 8, 13, 0, tzinfo=PARIS)  # Tuesday
    voice = scn.calendar("lune", "voice")  # the phone line's own hours: Sundays only
    assert voice.is_open(datetime(2026, 12, 6, 11, 0, tzinfo=PARIS))
    assert not voice.is_open(datetime(2026, 12, 5, 11, 0, tzinfo=PARIS))
    assert scn.calendar("soleil", "email") is None  # no hours, no closures: clock time


def test_the_routing_deadline_orders_the_queue_in_opening_hours():
    # Two emails wait for the one roadie: one from Saturday night (due Monday 13:00), one from
    # Sunday 11:00 for a brand open on Sundays with a 30 min answer time (due 11:30). By
    # deadline, the newer one is answered first; in clock time the older one would be.
    scn = scenario_from_dict({
        "date": SATURDAY, "days": 2, "hours": 24,
        "streams": [{"brand": "lune", "channel": "email", "answer_seconds": 4 * HOUR, "handle": 600},
                    {"brand": "soleil", "channel": "email", "answer_seconds": 1800, "handle": 600}],
        "teams": [{"name": "team", "count": 1, "brands": ["lune", "soleil"], "slots": ["12:00-13:00"],
                   "capacity": 3}],  # one email at a time
        "opening_hours": CLOSED_ON_SUNDAYS,
    })
    arr = Arrivals(time=np.array([23 * HOUR, 35 * HOUR]), stream=np.array([0, 1]),
                   handle=np.full(2, 600.0), patience=np.full(2, math.inf),
                   priority=np.zeros(2, dtype=np.int64), streams=scn.streams)
    res = run(scn, np.random.default_rng(1), arrivals=arr)
    assert res.start[1] < res.start[0]


def test_calendar_keys_are_checked():
    with pytest.raises(ScenarioError, match="need the scenario's date"):
        scenario_from_dict({**_base(), "opening_hours": CLOSED_ON_SUNDAYS})
    with pytest.raises(ScenarioError, match=r"opening_hours\[0\].*weekday"):
        scenario_from_dict({**_base(), "date": SATURDAY, "opening_hours": [
            {"brand": "lune", "weekday": 7, "opens": "09:00", "closes": "18:00"}]})
    with pytest.raises(ScenarioError, match=r"closures\[0\]\.date"):
        scenario_from_dict({**_base(), "date": SATURDAY, "closures": [{"brand": "lune", "date": "soon"}]})
    with pytest.raises(ScenarioError, match="timezone"):
        scenario_from_dict({**_base(), "timezone": "Europe/Atlantis"})
    with pytest.raises(ScenarioError, match="opens"):
        scenario_from_dict({**_base(), "date": SATURDAY, "opening_hours": [
            {"brand": "lune", "weekday": 0, "opens": "nine", "closes": "18:00"}]})


def _base():
    return {"streams": [{"brand": "lune", "channel": "email"}],
            "teams": [{"count": 1, "brands": ["lune"]}]}


def test_a_scenario_file_reads_toml_dates_and_times(tmp_path):
    path = tmp_path / "weekend.toml"
    path.write_text("""
date = 2026-12-05
timezone = "America/Martinique"

[[streams]]
brand = "lune"
channel = "email"
answer_seconds = 14400

[[teams]]
count = 1
brands = ["lune"]

[[opening_hours]]
brand = "lune"
weekdays = [0, 1, 2, 3, 4, 5]
opens = 09:00:00
closes = 18:00:00
""", encoding="utf-8")
    scn = load_scenario(path)
    assert scn.first_day == date(2026, 12, 5) and scn.timezone == "America/Martinique"
    assert scn.origin == datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # midnight there
    cal = scn.calendar("lune", "email")
    assert cal.tz == "America/Martinique" and len(cal.ranges) == 6


# -------------------------------------------------------------------------- the property
TZS = ("Europe/Paris", "America/Martinique", "Pacific/Noumea", "UTC")
quarter = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))
hours_rows = st.lists(st.builds(ChannelHours, st.sampled_from(["", "email"]), st.integers(0, 6),
                                quarter, quarter), max_size=8)
first_days = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@settings(max_examples=150, deadline=None)
@given(hours=hours_rows, closed=st.lists(st.integers(-3, 12), max_size=4), tz=st.sampled_from(TZS),
       first=first_days, channel=st.sampled_from(["email", "chat"]),
       arrivals=st.lists(st.integers(0, 7 * 86_400_000), min_size=1, max_size=6),
       answer=st.integers(0, 3 * 86_400))
def test_the_simulators_deadline_is_the_live_function_for_any_calendar(hours, closed, tz, first, channel,
                                                                       arrivals, answer):
    closures = [ChannelClosure("", first + timedelta(days=d)) for d in closed]
    data = {"date": first.isoformat(), "timezone": tz, "days": 8, "hours": 24,
            "streams": [{"brand": "lune", "channel": channel, "answer_seconds": answer}],
            "teams": [{"count": 1, "brands": ["lune"]}],
            "opening_hours": [{"brand": "lune", "channel": h.channel, "weekday": h.weekday,
                               "opens": h.opens.isoformat(), "closes": h.closes.isoformat()} for h in hours],
            "closures": [{"brand": "lune", "date": c.day.isoformat()} for c in closures]}
    scn = scenario_from_dict(data)
    times = sorted(ms / 1000 for ms in arrivals)
    service, route = deadlines(scn, _arrivals(scn, *times))
    calendar = channel_calendar(hours, closures, channel=channel, tz=tz)
    origin = datetime.combine(first, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)  # UTC: no wall-clock sums
    for t, due, routed in zip(times, service, route, strict=True):
        live = contact_deadline(calendar, origin + timedelta(seconds=t), seconds=answer)
        assert origin + timedelta(seconds=float(due)) == live
        assert routed == due  # no deadline_seconds: the routing deadline is the answer time's


@settings(max_examples=50, deadline=None)
@given(first=first_days, arrivals=st.lists(st.integers(0, 7 * 86_400_000), min_size=1, max_size=6),
       answer=st.integers(0, 3 * 86_400), tz=st.sampled_from(TZS))
def test_a_brand_without_a_calendar_is_due_as_an_always_open_one(first, arrivals, answer, tz):
    scn = scenario_from_dict({"date": first.isoformat(), "timezone": tz,
                              "streams": [{"brand": "lune", "channel": "email", "answer_seconds": answer}],
                              "teams": [{"count": 1, "brands": ["lune"]}]})
    times = sorted(ms / 1000 for ms in arrivals)
    service, _ = deadlines(scn, _arrivals(scn, *times))
    always = channel_calendar([], [], channel="email", tz=tz)
    for t, due in zip(times, service, strict=True):
        live = contact_deadline(always, scn.origin + timedelta(seconds=t), seconds=answer)
        assert scn.origin + timedelta(seconds=float(due)) == live


def test_the_weekend_email_example_counts_in_opening_hours():
    from pathlib import Path

    from roadie.engine.sim import replicate

    path = Path(__file__).parents[2] / "examples" / "simulation" / "weekend_email.toml"
    scn = load_scenario(path)
    summary = replicate(scn, reps=2, seed=1, workers=1)
    in_hours = summary.overall("service_level").mean
    clock = replicate(scenario_from_dict({k: v for k, v in _toml(path).items() if k != "opening_hours"}),
                      reps=2, seed=1, workers=1)
    # the desk's one roadie is on 10:00-16:00: the night's emails are late in clock time only
    assert in_hours > 0.9 > clock.overall("service_level").mean


def _toml(path):
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))

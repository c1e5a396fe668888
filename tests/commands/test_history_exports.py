"""``roadie forecast`` and ``roadie plan`` on export CSVs built the way real systems write
them (natives of 5 to 60 minutes, offsets, ``Z`` or naive times across a DST change, empty
intervals omitted, several series with their own first and last days, closed weekends, long
gaps, level shifts): each file is forecast sensibly or refused in one line with exit 2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.cli import main

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SeriesSpec:
    brand: str
    channel: str
    kind: str  # "normal", "short" (a few days), "zeros", "single" (one contact in all)
    first: int  # first and last day, counted from the file's first day
    last: int
    daily: float
    shift_at: int | None  # a level shift (x shift) from that day on
    shift: float


@dataclass(frozen=True)
class Export:
    native: int
    tz: str
    style: str  # "offset", "Z", "naive"
    first_day: dt.date
    days: int
    series: tuple[SeriesSpec, ...]
    weekends_closed: bool
    half_open: int | None  # a weekday open one week in two
    gap: tuple[int, int] | None  # first missing day and length
    last_week_missing: bool
    omit_empty: bool
    seed: int

    def frame(self) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        zone = ZoneInfo(self.tz)
        slots = np.arange(8 * 60, 20 * 60, self.native)  # open 08:00-20:00 local
        shape = np.exp(-0.5 * ((slots / 60 - 13.0) / 3.0) ** 2)
        shape /= shape.sum()
        week = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.6, 0.4])
        rows = []
        for s in self.series:
            for d in range(s.first, s.last + 1):
                day = self.first_day + dt.timedelta(days=d)
                w = day.weekday()
                if self.weekends_closed and w >= 5:
                    continue
                if self.half_open == w and (d // 7) % 2:
                    continue
                if self.gap and self.gap[0] <= d < self.gap[0] + self.gap[1]:
                    continue
                if self.last_week_missing and d > self.days - 8:
                    continue
                level = s.daily * week[w] * (s.shift if s.shift_at and d >= s.shift_at else 1)
                counts = (np.zeros(slots.size, int) if s.kind in ("zeros", "single")
                          else rng.poisson(level * shape))
                if s.kind == "single" and d == s.first:
                    counts[slots.size // 2] = 1
                for minute, count in zip(slots, counts, strict=True):
                    if self.omit_empty and count == 0 and minute != slots[0]:
                        continue
                    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
                    if self.style == "naive":
                        text = wall.isoformat()
                    else:
                        aware = wall.replace(tzinfo=zone)
                        if self.style == "Z":
                            text = aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                        else:
                            text = aware.isoformat()
                    rows.append((text, s.brand, s.channel, int(count)))
        return pd.DataFrame(rows, columns=["start", "brand", "channel", "contacts"])


@st.composite
def exports(draw) -> Export:
    days = draw(st.one_of(st.integers(7, 30), st.integers(31, 90), st.sampled_from([182, 280])))
    first_day = draw(st.one_of(
        st.sampled_from([dt.date(2026, 3, 16), dt.date(2026, 10, 12), dt.date(2025, 3, 1)]),
        st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31))))
    native = draw(st.sampled_from([5, 6, 10, 15, 30, 60]) if days <= 90
                  else st.sampled_from([30, 60]))
    count = draw(st.integers(1, 3))
    series = []
    for i in range(count):
        kind = "normal" if i == 0 else draw(st.sampled_from(["normal", "short", "zeros",
                                                             "single"]))
        if kind == "short":
            first = draw(st.integers(0, days - 1))
            last = min(days - 1, first + draw(st.integers(0, 5)))
        elif i == 0:
            first, last = 0, days - 1
        else:
            first = draw(st.integers(0, days // 3))
            last = days - 1 - draw(st.integers(0, days // 3))
        shift_at = draw(st.none() | st.integers(1, days - 1))
        series.append(SeriesSpec(
            brand=f"b{i}", channel=draw(st.sampled_from(["call", "email", "chat"])),
            kind=kind, first=first, last=max(first, last),
            daily=draw(st.sampled_from([3.0, 40.0, 600.0])), shift_at=shift_at,
            shift=draw(st.sampled_from([0.5, 1.6]))))
    gap = None
    if draw(st.booleans()) and days > 10:
        start = draw(st.integers(1, days - 2))
        gap = (start, draw(st.integers(1, 31)))
    return Export(
        native=native, tz=draw(st.sampled_from(["Europe/Paris", "America/New_York"])),
        style=draw(st.sampled_from(["offset", "Z", "naive"])), first_day=first_day, days=days,
        series=tuple(series), weekends_closed=draw(st.booleans()),
        half_open=draw(st.none() | st.integers(0, 4)), gap=gap,
        last_week_missing=draw(st.booleans()) if days > 14 else False,
        omit_empty=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@st.composite
def options(draw) -> dict:
    return {
        "interval": draw(st.sampled_from([15, 30, 60])),
        "horizon": draw(st.sampled_from(["1d", "3d", "7d", "2w", "17d", "8w"])),
        "backtest": draw(st.booleans()),
        "folds": draw(st.integers(0, 6)),
        "quantile": draw(st.none() | st.sampled_from([0.05, 0.5, 0.8, 0.95])),
        "open": draw(st.none() | st.sampled_from(["08:00-20:00", "09:00-17:30", "07:00-01:00"])),
        "closed": draw(st.sampled_from(["", "sun", "sat,sun", "2026-12-25", "wed"])),
        "country": draw(st.sampled_from(["FR", "US", "IL", "none", "XX"])),
        "tz": draw(st.sampled_from([None, None, None, "Mars/Olympus"])),  # None: the export's
        # a special period: none, on every series, on one, on no series of the file, or bad
        "special": draw(st.sampled_from([None, None, "all", "b0", "nobody", "bad"])),
    }


def _special(export: Export, opts: dict, path) -> list[str]:
    """``--special FILE``: a sale from the history's last fortnight to a week ahead."""
    if not opts.get("special"):
        return []
    last = export.first_day + dt.timedelta(days=export.days - 1)
    first, until = last - dt.timedelta(days=14), last + dt.timedelta(days=7)
    series = {"all": "", "b0": f"b0/{export.series[0].channel}", "nobody": "nobody/call",
              "bad": ""}[opts["special"]]
    uplift = "-1" if opts["special"] == "bad" else "1.5"
    path.write_text("name,first_day,last_day,uplift,series\n"
                    f"sale,{first},{until},{uplift},{series}\n")
    return ["--special", str(path)]


def _argv(export: Export, opts: dict, path) -> list[str]:
    argv = [str(path), "--interval", str(opts["interval"]), "--horizon", opts["horizon"],
            "--country", opts["country"], "--tz", opts.get("tz") or export.tz,
            *_special(export, opts, path.with_name("special.csv"))]
    if opts["quantile"] is not None:
        argv += ["--quantile", str(opts["quantile"])]
    if opts["open"]:
        argv += ["--open", opts["open"]]
    if opts["closed"]:
        argv += ["--closed", opts["closed"]]
    return argv


def _closed_days(opts: dict) -> tuple[set[dt.date], set[int]]:
    days, weekdays = set(), set()
    for part in filter(None, opts["closed"].split(",")):
        if part in WEEKDAYS:
            weekdays.add(WEEKDAYS.index(part))
        else:
            days.add(dt.date.fromisoformat(part))
    return days, weekdays


def _one_line_refusal(code: int, err: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines and "Traceback" not in err
    # the refusal is the last line (notes on the missing days may come before it)
    assert lines[-1].startswith("roadie "), err


def _local_days(starts: pd.Series, tz: str) -> pd.Series:
    text = starts.astype(str)
    if text.str.contains(r"(?:Z|[+-]\d\d:\d\d)$").all():
        return pd.to_datetime(text, utc=True, format="ISO8601").dt.tz_convert(tz).dt.date
    return pd.to_datetime(text, format="ISO8601").dt.date


def _check_forecast(frame: pd.DataFrame, history: pd.DataFrame, export: Export, opts: dict,
                    names: set[str]) -> None:
    horizon = int(opts["horizon"][:-1]) * (7 if opts["horizon"].endswith("w") else 1)
    assert set(frame["series"]) == names
    value_columns = [c for c in frame.columns if c not in ("series", "start")]
    values = frame[value_columns].to_numpy(float)
    assert np.isfinite(values).all() and (values >= 0).all()
    q = sorted((int(c[1:]), c) for c in value_columns if c.startswith("q"))
    for (_, lo), (_, hi) in zip(q, q[1:], strict=False):
        assert (frame[lo] <= frame[hi] + 1e-9).all(), (lo, hi)
    day = _local_days(frame["start"], export.tz)
    last = max(_local_days(history["start"], export.tz))
    expected = {last + dt.timedelta(days=i + 1) for i in range(horizon)}
    for name in names:
        assert set(day[frame["series"] == name]) == expected, name
    closed_dates, closed_weekdays = _closed_days(opts)
    shut = day.map(lambda d: d in closed_dates or d.weekday() in closed_weekdays)
    assert (values[shut.to_numpy()] == 0).all()
    if opts["open"]:  # nothing outside the declared opening hours
        start, end = (int(t[:2]) * 60 + int(t[3:]) for t in opts["open"].split("-"))
        wall = pd.to_datetime(frame["start"].str[11:16], format="%H:%M")
        minute = (wall.dt.hour * 60 + wall.dt.minute).to_numpy()
        inside = (minute >= start) & (minute < end) if end > start else (
            (minute >= start) | (minute < end))
        assert (values[~inside] == 0).all()


def _names(history: pd.DataFrame) -> set[str]:
    return set(history["brand"] + "/" + history["channel"])


def _expected_refusal(history: pd.DataFrame, export: Export, opts: dict) -> str | None:
    """The refusals a user must get for this input (None: it must be forecast)."""
    if opts.get("special") == "bad":
        return "special.csv line 2: uplift must be positive"
    if opts.get("tz"):
        return "--tz"
    if opts["country"] == "XX":
        return "country"
    if opts["interval"] % export.native:
        # (a file whose few distinct start times could fall on the coarser step by chance
        # is read at --interval)
        return "intervals"
    if opts.get("special") == "nobody":
        return "special.csv line 2: no history for series nobody/call"
    days = _local_days(history["start"], export.tz)
    for name, part in days.groupby(history["brand"] + "/" + history["channel"]):
        if (max(part) - min(part)).days + 1 < 7:
            return f"series {name}"
    return None


SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@SETTINGS
@given(export=exports(), opts=options())
def test_forecast_of_any_export_is_sensible_or_refused_in_one_line(tmp_path_factory, capsys,
                                                                    export, opts):
    folder = tmp_path_factory.mktemp("export")
    path = folder / "history.csv"
    history = export.frame()
    history.to_csv(path, index=False)
    out = folder / "forecast.csv"
    argv = ["forecast", *_argv(export, opts, path), "--out", str(out)]
    if opts["backtest"]:
        argv += ["--backtest", "--folds", str(opts["folds"])]
    code = main(argv)
    _, err = capsys.readouterr()
    refusal = _expected_refusal(history, export, opts)
    if refusal is None and code != 0 and opts["backtest"]:
        refusal = "folds"  # the back-test's folds may not fit the history
    if refusal is not None and (code != 0 or refusal != "intervals"):
        _one_line_refusal(code, err)
        assert refusal in err.strip().splitlines()[-1], err
        assert not out.exists()  # a refusal writes nothing
        return
    assert code == 0, err
    _check_forecast(pd.read_csv(out), history, export, opts, _names(history))


def _counts(first_day: dt.date, days: int, *, native: int = 15, daily: float = 300.0,
            seed: int = 5, brand: str = "b0", channel: str = "call") -> pd.DataFrame:
    export = Export(native=native, tz="Europe/Paris", style="offset", first_day=first_day,
                    days=days, series=(SeriesSpec(brand, channel, "normal", 0, days - 1, daily,
                                                  None, 1.0),),
                    weekends_closed=True, half_open=None, gap=None, last_week_missing=False,
                    omit_empty=True, seed=seed)
    return export.frame()


def _forecast_csv(capsys, tmp_path, frame: pd.DataFrame, *argv: str) -> tuple[int, str, str]:
    path = tmp_path / f"history-{len(list(tmp_path.iterdir()))}.csv"
    frame.to_csv(path, index=False)
    out = path.with_suffix(".out.csv")
    code = main(["forecast", str(path), "--out", str(out), *argv])
    _, err = capsys.readouterr()
    return code, (out.read_text() if code == 0 else ""), err


def test_a_series_whose_rows_end_early_is_forecast_over_the_files_next_days(capsys, tmp_path):
    first = dt.date(2026, 1, 5)
    long = _counts(first, 40, brand="long")  # Monday 5 January to Friday 13 February
    early = _counts(first, 33, brand="early", seed=6)  # to Friday 6 February
    code, text, err = _forecast_csv(capsys, tmp_path, pd.concat([long, early]),
                                    "--horizon", "7d")
    assert code == 0, err
    frame = pd.read_csv(pd.io.common.StringIO(text))
    days = _local_days(frame["start"], "Europe/Paris")
    expected = {first + dt.timedelta(days=40 + i) for i in range(7)}
    assert set(days[frame["series"] == "early/call"]) == expected
    assert set(days[frame["series"] == "long/call"]) == expected
    assert "series early/call: its rows end on 2026-02-06, 7 days before" in err
    # the early series' forecast is its own forecast 7 days further out, not a copy of its
    # first week
    alone_code, alone, _ = _forecast_csv(capsys, tmp_path, early, "--horizon", "14d")
    assert alone_code == 0
    alone = pd.read_csv(pd.io.common.StringIO(alone))
    wanted = alone[_local_days(alone["start"], "Europe/Paris").isin(expected)]
    got = frame[frame["series"] == "early/call"]
    assert list(got["start"]) == list(wanted["start"])
    assert np.allclose(got["mean"], wanted["mean"])


def _call_log(counts: pd.DataFrame, *, native: int, seed: int = 1) -> pd.DataFrame:
    """One row per contact, arriving at a second inside its interval, in shuffled order."""
    rng = np.random.default_rng(seed)
    starts = pd.to_datetime(counts["start"], format="ISO8601")
    rows = []
    for start, brand, channel, n in zip(starts, counts["brand"], counts["channel"],
                                        counts["contacts"], strict=True):
        for second in rng.integers(0, native * 60, size=int(n)):
            rows.append(((start + pd.Timedelta(seconds=int(second))).isoformat(), brand,
                         channel))
    log = pd.DataFrame(rows, columns=["start", "brand", "channel"])
    return log.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@settings(max_examples=4, deadline=None)
@given(native=st.sampled_from([5, 15, 30]), interval=st.sampled_from([15, 30, 60]),
       seed=st.integers(0, 100))
def test_a_call_log_is_forecast_as_the_counts_it_adds_up_to(tmp_path_factory, native,
                                                           interval, seed):
    from roadie.engine.forecast import history_from_frame

    counts = _counts(dt.date(2026, 3, 2), 28, native=native, daily=120.0, seed=seed)
    log = _call_log(counts, native=native, seed=seed)
    assert "contacts" not in log.columns and len(log) == counts["contacts"].sum()
    from_counts = history_from_frame(counts, interval_minutes=max(interval, native))
    from_log = history_from_frame(log, interval_minutes=interval)
    if interval < native:  # the counts cannot be split; the log can
        assert {k: m.values.sum() for k, m in from_log.items()} == {
            k: m.values.sum() for k, m in from_counts.items()}
        return
    assert from_log.keys() == from_counts.keys()
    for name, matrix in from_counts.items():
        assert from_log[name].start == matrix.start
        assert np.array_equal(from_log[name].values, matrix.values)
        assert np.array_equal(from_log[name].closed_mask, matrix.closed_mask)
    folder = tmp_path_factory.mktemp("log")
    outputs = []
    for name, frame in (("counts", counts), ("log", log)):
        frame.to_csv(folder / f"{name}.csv", index=False)
        code = main(["forecast", str(folder / f"{name}.csv"), "--interval", str(interval),
                     "--horizon", "7d", "--out", str(folder / f"{name}.out.csv")])
        assert code == 0
        outputs.append((folder / f"{name}.out.csv").read_text())
    assert outputs[0] == outputs[1]


def test_a_call_log_with_a_bad_time_or_column_is_refused_by_line(capsys, tmp_path):
    log = pd.DataFrame({"start": ["2026-03-02T08:00:12", "2026-03-02T08:01:40", "soon"]})
    code, _, err = _forecast_csv(capsys, tmp_path, log)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "start" in err
    code, _, err = _forecast_csv(capsys, tmp_path, pd.DataFrame(
        {"DateTime": ["2003-03-03T07:00:00Z"], "Calls": ["111"]}))
    assert code == 2
    assert "lacks column start (columns found: DateTime, Calls)" in err


@pytest.mark.parametrize(("rows", "message"), [
    (["2026-03-02T08:00:00+01:00,3", "2026-03-02T08:30:00,4"],
     "line 3: start '2026-03-02T08:30:00' is a local time, line 2's is a time with an offset"),
    (["2026-03-02T08:00:00,3", "02/03/2026 08:30,4"],
     "line 3: cannot read the start time '02/03/2026 08:30'"),
    (["2026-03-02T08:00:00,3", ",4"], "line 3: start is empty"),
    (["2026-03-02T08:00:00,3", "2026-03-02T08:30:00,inf"],
     "line 3: contacts is not a finite number"),
    (["2026-03-02T08:00:00,3", "2026-03-02T08:30:00,many"], "line 3: contacts is not a number"),
])
def test_a_bad_row_is_refused_in_one_line_that_names_it(capsys, tmp_path, rows, message):
    path = tmp_path / "history.csv"
    path.write_text("start,contacts\n" + "\n".join(rows) + "\n")
    code = main(["forecast", str(path), "--out", str(tmp_path / "f.csv")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not (tmp_path / "f.csv").exists()


def test_offsets_written_without_a_colon_or_minutes_are_offsets():
    from roadie.engine.forecast import history_from_frame

    # UTC times in July: 06:00 UTC is 08:00 in Paris
    days = [f"2026-07-{d:02d}" for d in range(6, 20)]
    with_colon = pd.DataFrame({"start": [f"{d}T{t}:00+00:00" for d in days
                                         for t in ("06:00", "06:30")], "contacts": 2})
    theirs = history_from_frame(with_colon, interval_minutes=30)["all"]
    assert theirs.values[0, 16] == 2  # the 08:00 slot
    for style in ("+0000", "+00", "z"):
        other = with_colon.assign(start=with_colon["start"].str.replace("+00:00", style))
        mine = history_from_frame(other, interval_minutes=30)["all"]
        assert np.array_equal(mine.values, theirs.values) and mine.start == theirs.start


def test_an_unknown_time_zone_is_refused_by_its_option(capsys):
    from pathlib import Path

    history = Path(__file__).resolve().parents[2] / "examples" / "planning" / "history.csv"
    code = main(["forecast", str(history), "--tz", "Mars/Olympus"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == (
        "roadie forecast: --tz: unknown time zone 'Mars/Olympus' (e.g. Europe/Paris)")


def test_a_small_series_with_its_empty_intervals_omitted_is_not_taken_for_coarser_data():
    from roadie.engine.forecast import HistoryError, history_from_frame

    # a quarter-hour export of a small brand: three weeks of rows at 09:00 and 11:00 only
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(21)]
    sparse = pd.DataFrame({"start": [f"{d}T{t}:00+01:00" for d in days for t in ("09:00",
                                                                                "11:00")],
                           "contacts": 1})
    matrix = history_from_frame(sparse, interval_minutes=15)["all"]
    assert matrix.values.sum() == 42 and matrix.values[:, [36, 44]].sum() == 42
    # an hourly export over the day is refused at the quarter hour, as before
    hourly = pd.DataFrame({"start": [f"{d}T{h:02d}:00:00+01:00" for d in days
                                     for h in range(8, 20)], "contacts": 3})
    with pytest.raises(HistoryError, match="60-minute intervals, which do not add up to 15"):
        history_from_frame(hourly, interval_minutes=15)
    daily = pd.DataFrame({"start": [f"{d}T00:00:00+01:00" for d in days], "contacts": 80})
    with pytest.raises(HistoryError, match="every row starts at 00:00"):
        history_from_frame(daily, interval_minutes=30)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(export=exports(), opts=options())
def test_plan_of_any_export_is_made_or_refused_in_one_line(tmp_path_factory, capsys, export,
                                                           opts):
    folder = tmp_path_factory.mktemp("plan")
    history = export.frame()
    history.to_csv(folder / "history.csv", index=False)
    argv = ["plan", *_argv(export, {**opts, "horizon": "3d"}, folder / "history.csv"),
            "--out", str(folder / "out"), "--time-limit", "2"]
    code = main(argv)
    err = capsys.readouterr().err
    refusal = _expected_refusal(history, export, opts)
    if refusal is not None and (code != 0 or refusal != "intervals"):
        _one_line_refusal(code, err)
        assert refusal in err.strip().splitlines()[-1], err
        return
    assert code == 0, err
    forecast = pd.read_csv(folder / "out" / "forecast.csv")
    assert set(forecast["series"]) == _names(history)
    assert (forecast.drop(columns=["series", "start"]).to_numpy(float) >= 0).all()


def test_folds_that_do_not_fit_are_refused_before_anything_is_written(capsys, tmp_path):
    code, _, err = _forecast_csv(capsys, tmp_path, _counts(dt.date(2026, 3, 2), 26),
                                 "--backtest", "--folds", "4", "--horizon", "7d")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "series b0/call: too little history for 4 folds of 7 days (26 days; it needs 42" in err
    assert not list(tmp_path.glob("*.out.csv"))


def test_a_special_period_of_a_series_the_history_lacks_is_refused(capsys, tmp_path):
    special = tmp_path / "special.csv"
    special.write_text("name,first_day,last_day,uplift,series\n"
                       "sale,2026-03-20,2026-03-27,1.5,b0/call\n"
                       "sale,2026-03-20,2026-03-27,1.5,bo/call\n")
    code, _, err = _forecast_csv(capsys, tmp_path, _counts(dt.date(2026, 3, 2), 19),
                                 "--special", str(special))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "special.csv line 3: no history for series bo/call (the series: b0/call)" in err


def _naive_all_day(first: dt.date, days: int, zone: str = "Europe/Paris") -> pd.DataFrame:
    """Half-hourly naive local times round the clock, as a wall clock writes them: on the
    autumn change 02:00 and 02:30 come twice, on the spring one they do not exist."""
    tz = ZoneInfo(zone)
    rows = []
    moment = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tz).astimezone(dt.UTC)
    while moment < end:
        rows.append((moment.astimezone(tz).replace(tzinfo=None).isoformat(), 2))
        moment += dt.timedelta(minutes=30)
    return pd.DataFrame(rows, columns=["start", "contacts"])


def test_an_export_appended_twice_is_refused_but_the_autumn_hour_is_not(capsys, tmp_path):
    autumn = _naive_all_day(dt.date(2026, 10, 12), 21)  # the clocks go back on 25 October
    assert autumn["start"].duplicated().sum() == 2
    code, text, err = _forecast_csv(capsys, tmp_path, autumn, "--horizon", "1d")
    assert code == 0, err
    twice = pd.concat([autumn, autumn.iloc[100:110]], ignore_index=True)
    code, _, err = _forecast_csv(capsys, tmp_path, twice)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (f"line {len(autumn) + 2}: a second row for series all at "
            f"{autumn['start'][100]} (line 102; an export appended twice?)") in err
    # a call log has one row per contact: two at the same second are two contacts
    log = pd.DataFrame({"start": ["2026-03-02T08:00:05"] * 2 + [
        f"2026-03-{d:02d}T{h}:10:00" for d in range(2, 12) for h in (9, 10, 11)]})
    code, _, err = _forecast_csv(capsys, tmp_path, log, "--horizon", "1d")
    assert code == 0, err


def test_a_year_without_any_row_names_the_stray_line(capsys, tmp_path):
    counts = _counts(dt.date(2026, 3, 2), 21)
    stray = counts.iloc[[5]].assign(start=counts["start"].iloc[5].replace("2026", "2062"))
    code, _, err = _forecast_csv(capsys, tmp_path, pd.concat([counts, stray]))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"line {len(counts) + 2}: no row at all between 2026-03-20 and 2062-03-02" in err


def test_a_semicolon_separated_export_is_refused_as_such(capsys, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("start;contacts\n2026-03-02T08:00:00;3\n")
    code = main(["forecast", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == (
        f"roadie forecast: {path}: its columns are separated by semicolons; roadie reads "
        "comma-separated CSV")

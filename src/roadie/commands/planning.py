"""``roadie staffing``, ``roadie forecast`` and ``roadie plan``: the planning chain on files.

Input formats are documented in docs/planning.md; examples live in examples/planning/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

from roadie.cli import CommandError
from roadie.engine.service_level import SL_DEFINITION

STAFFING_REQUIRED = ("calls", "interval_minutes", "aht_seconds", "service_level",
                     "answer_seconds")
STAFFING_OPTIONAL = ("patience_seconds", "max_occupancy", "shrinkage", "concurrency",
                     "max_asa_seconds", "max_abandon", "concurrency_aht_growth")
PASSTHROUGH = ("start", "series", "brand", "channel", "pool", "date", "interval")
RESULT_COLUMNS = ("agents", "positions_with_shrinkage", "achieved_service_level", "p_wait",
                  "asa_seconds", "occupancy", "p_abandon")
PARAM_COLUMNS = ("series", "brand", "channel", "pool", "kind", "aht_seconds", "service_level",
                 "answer_seconds", "patience_seconds", "max_occupancy", "max_asa_seconds",
                 "max_abandon", "shrinkage", "concurrency", "concurrency_aht_growth",
                 "deadline_hours", "sunday_open")


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "staffing", help="agents needed for one interval, or for every row of a CSV",
        description="Erlang C (or Erlang A with --patience-seconds) staffing with targets.",
    )
    s.add_argument("--calls", type=float, help="contacts arriving in the interval")
    s.add_argument("--interval-minutes", type=float, default=30.0)
    s.add_argument("--aht-seconds", type=float, help="average handle time")
    s.add_argument("--service-level", type=float, default=0.8, help="e.g. 0.8 for 80 %%")
    s.add_argument("--answer-seconds", type=float, default=20.0, help="the service-level time")
    s.add_argument("--patience-seconds", type=float, help="mean patience: Erlang A")
    s.add_argument("--max-occupancy", type=float)
    s.add_argument("--max-asa-seconds", type=float)
    s.add_argument("--max-abandon", type=float, help="largest share of callers hanging up")
    s.add_argument("--shrinkage", type=float, default=0.0)
    s.add_argument("--concurrency", type=int, default=1, help="chats an agent holds at once")
    s.add_argument("--concurrency-aht-growth", type=float, default=0.0,
                   help="handle time grows by this share per extra simultaneous chat")
    # the desk's one definition by default (board, API, planning pages, simulator)
    s.add_argument("--sl-definition", default=SL_DEFINITION,
                   choices=("offered", "answered", "short_abandons_excluded"))
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--input", type=Path, help="CSV with one interval per row")
    s.add_argument("--out", type=Path, help="CSV to write (with --input)")
    s.set_defaults(func=cmd_staffing)

    f = subparsers.add_parser("forecast", help="forecast contacts per series and interval")
    f.add_argument("history", type=Path, help="CSV: start, contacts[, brand][, channel]")
    _forecast_options(f)
    f.add_argument("--out", type=Path, help="CSV to write (series, start, forecast)")
    f.add_argument("--backtest", action="store_true",
                   help="also score a rolling-origin back-test (wMAPE, MASE vs seasonal naive)")
    f.add_argument("--folds", type=int, default=4, help="back-test origins, a week apart")
    f.set_defaults(func=cmd_forecast)

    p = subparsers.add_parser("plan", help="forecast, staffing and the slots to open")
    p.add_argument("history", type=Path, help="CSV: start, contacts[, brand][, channel]")
    _forecast_options(p, horizon="7d")
    p.add_argument("--params", type=Path, help="CSV of per-series parameters (docs/planning.md)")
    p.add_argument("--out", type=Path, required=True, help="directory for CSVs and charts")
    p.add_argument("--aht-seconds", type=float, default=300.0)
    p.add_argument("--service-level", type=float, default=0.8)
    p.add_argument("--answer-seconds", type=float, default=20.0)
    p.add_argument("--patience-seconds", type=float)
    p.add_argument("--max-occupancy", type=float)
    p.add_argument("--shrinkage", type=float, default=0.3)
    p.add_argument("--concurrency", type=int, default=2, help="for chat series")
    p.add_argument("--deadline-hours", type=float, default=4.0, help="for email series")
    p.add_argument("--sunday", action="store_true", help="open on Sundays (every series)")
    p.add_argument("--start-step", type=int, choices=(15, 30), default=None,
                   help="slots start on the quarter (15) or half (30) hour")
    p.add_argument("--no-split", action="store_true", help="no split-day slots")
    p.add_argument("--max-roadies", type=int, help="at most this many roadies at once per pool")
    p.add_argument("--time-limit", type=float, default=60.0, help="solver seconds in all")
    p.set_defaults(func=cmd_plan)


def _forecast_options(parser: argparse.ArgumentParser, horizon: str = "14d") -> None:
    parser.add_argument("--horizon", default=horizon, help="e.g. 14d or 2w")
    parser.add_argument("--interval", type=int, default=30, choices=(15, 30, 60),
                        help="interval length in minutes")
    parser.add_argument("--country", default="FR", help="public holidays (ISO code, or none)")
    parser.add_argument("--tz", default="Europe/Paris", help="time zone of naive times")
    parser.add_argument("--special", type=Path,
                        help="CSV of special periods: name, first_day, last_day, uplift[, series]")
    parser.add_argument("--open", dest="opening", help="opening hours, e.g. 07:00-01:00")
    parser.add_argument("--fill-gaps", action="store_true",
                        help="fill missing days (usually open, no data) with the same day a "
                             "week earlier; without it they are left out of the forecast and "
                             "the back-test (a public holiday with no data is closed)")
    parser.add_argument("--closed", default="",
                        help="declared closings: weekdays and dates, e.g. sun,2026-08-15")
    parser.add_argument("--method", default="auto",
                        choices=("auto", "blend", "ets", "weekday_mean"))
    parser.add_argument("--quantile", type=float,
                        help="forecast (and staff to) this quantile instead of the mean, e.g. "
                             "0.8 (method auto)")


# --------------------------------------------------------------------------------------------
# staffing
# --------------------------------------------------------------------------------------------


def cmd_staffing(args: argparse.Namespace) -> int:
    from roadie.engine.queueing import Targets, staff

    if args.input is not None:
        return _staffing_csv(args)
    if args.out is not None:
        raise CommandError("--out needs --input")
    if args.calls is None or args.aht_seconds is None:
        raise CommandError("give --calls and --aht-seconds (or --input FILE.csv)")
    try:
        result = staff(
            calls=args.calls, interval_minutes=args.interval_minutes,
            aht_seconds=args.aht_seconds,
            targets=Targets(
                service_level=args.service_level, answer_seconds=args.answer_seconds,
                max_asa_seconds=args.max_asa_seconds, max_abandon=args.max_abandon,
                max_occupancy=args.max_occupancy, sl_definition=args.sl_definition,
            ),
            patience_seconds=math.inf if args.patience_seconds is None else args.patience_seconds,
            shrinkage=args.shrinkage, concurrency=args.concurrency,
            concurrency_aht_growth=args.concurrency_aht_growth,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    m = result.metrics
    out = {
        "agents": int(result.agents),
        "service_level": _num(m.service_level),
        "p_wait": _num(m.p_wait),
        "asa_seconds": _num(m.asa_seconds),
        "occupancy": _num(m.occupancy),
        "p_abandon": _num(m.p_abandon),
        "positions_with_shrinkage": int(result.positions_with_shrinkage),
    }
    if args.json:
        print(json.dumps(out))
    else:
        width = max(len(k) for k in out)
        for key, value in out.items():
            shown = "n/a" if value is None else (
                f"{value:.4f}" if isinstance(value, float) else str(value))
            print(f"{key:<{width}}  {shown}")
    return 0


def _num(value) -> float | None:
    v = float(np.asarray(value))
    return v if math.isfinite(v) else None


def _staffing_csv(args: argparse.Namespace) -> int:
    import pandas as pd

    from roadie.engine.queueing import Targets, staff

    if args.out is None:
        raise CommandError("--input needs --out")
    frame = _read_csv(args.input)
    unknown = [c for c in frame.columns
               if c not in STAFFING_REQUIRED + STAFFING_OPTIONAL + PASSTHROUGH]
    if unknown:
        raise CommandError(f"{args.input}: unknown column(s): {', '.join(unknown)}")
    defaults = {
        "interval_minutes": args.interval_minutes, "aht_seconds": args.aht_seconds,
        "service_level": args.service_level, "answer_seconds": args.answer_seconds,
        "patience_seconds": args.patience_seconds, "max_occupancy": args.max_occupancy,
        "shrinkage": args.shrinkage, "concurrency": args.concurrency,
        "max_asa_seconds": args.max_asa_seconds, "max_abandon": args.max_abandon,
        "concurrency_aht_growth": args.concurrency_aht_growth,
    }
    if "calls" not in frame.columns:
        raise CommandError(f"{args.input}: missing column calls")
    if frame.empty:
        raise CommandError(f"{args.input}: no rows")
    cols: dict[str, np.ndarray] = {}
    for name in STAFFING_REQUIRED + STAFFING_OPTIONAL:
        default = defaults.get(name)
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce")
            bad = values.isna() & frame[name].notna() & (frame[name].astype(str).str.strip() != "")
            if bad.any():
                line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise CommandError(f"{args.input} line {line}: {name} is not a number")
            fill = np.nan if default is None else default
            cols[name] = values.fillna(fill).to_numpy(float)
        else:
            if default is None and name in STAFFING_REQUIRED:
                raise CommandError(f"{args.input}: missing column {name} (or its flag)")
            cols[name] = np.full(len(frame), np.nan if default is None else float(default))
    for name in ("max_occupancy", "max_asa_seconds", "max_abandon"):
        col = cols[name]
        if np.isnan(col).any() and not np.isnan(col).all():
            col[np.isnan(col)] = {"max_occupancy": 1.0, "max_asa_seconds": np.inf,
                                  "max_abandon": 1.0}[name]
    patience = np.where(np.isnan(cols["patience_seconds"]), np.inf, cols["patience_seconds"])
    try:
        result = staff(
            calls=cols["calls"], interval_minutes=cols["interval_minutes"],
            aht_seconds=cols["aht_seconds"],
            targets=Targets(
                service_level=cols["service_level"], answer_seconds=cols["answer_seconds"],
                max_asa_seconds=None if np.isnan(cols["max_asa_seconds"]).all()
                else cols["max_asa_seconds"],
                max_abandon=None if np.isnan(cols["max_abandon"]).all() else cols["max_abandon"],
                max_occupancy=None if np.isnan(cols["max_occupancy"]).all()
                else cols["max_occupancy"],
                sl_definition=args.sl_definition,
            ),
            patience_seconds=patience, shrinkage=cols["shrinkage"],
            concurrency=cols["concurrency"],
            concurrency_aht_growth=cols["concurrency_aht_growth"],
        )
    except ValueError as exc:
        raise CommandError(f"{args.input}: {exc}") from None
    m = result.metrics
    out = frame.copy()
    out["agents"] = result.agents
    out["positions_with_shrinkage"] = result.positions_with_shrinkage
    out["achieved_service_level"] = np.round(m.service_level, 6)
    out["p_wait"] = np.round(m.p_wait, 6)
    out["asa_seconds"] = np.round(np.where(np.isfinite(m.asa_seconds), m.asa_seconds, np.nan), 3)
    out["occupancy"] = np.round(m.occupancy, 6)
    out["p_abandon"] = np.round(m.p_abandon, 6)
    _write_csv(out, args.out)
    print(f"{len(out)} intervals, {int(result.agents.sum())} agent-intervals, "
          f"{int(result.positions_with_shrinkage.sum())} with shrinkage -> {args.out}")
    return 0


# --------------------------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------------------------


def _horizon_days(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text or "")
    if not match:
        raise CommandError(f"cannot read the horizon {text!r} (write e.g. 14d or 2w)")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if not 1 <= days <= 366:
        raise CommandError("the horizon must be between 1 and 366 days")
    return days


# the missing days a series' note names (then "..." and the count)
MISSING_SHOWN = 5


def _load_history(args: argparse.Namespace, config):
    """The history's series; on stderr, per series, the missing days left out (usually open,
    no data; a public holiday of ``config.country`` with no data is closed, not missing)."""
    from roadie.engine.forecast import HistoryError, history_from_frame

    frame = _read_csv(args.history)
    try:
        history = history_from_frame(frame, interval_minutes=args.interval, tz=args.tz,
                                     fill_gaps=args.fill_gaps, closed_days=config.closed_days,
                                     closed_weekdays=config.closed_weekdays,
                                     country=config.country, holiday_days=config.holiday_days)
    except HistoryError as exc:
        raise CommandError(f"{args.history}: {exc}") from None
    _refuse_repeated_rows(frame, args)
    for line, period in enumerate(config.special_periods, start=2):  # one per row, in order
        if period.series is not None and period.series not in history:
            raise CommandError(f"{args.special} line {line}: no history for series "
                               f"{period.series} (the series: {', '.join(sorted(history))})")
    for name, matrix in history.items():
        gaps = matrix.missing_dates
        if gaps:
            shown = ", ".join(d.isoformat() for d in gaps[:MISSING_SHOWN])
            more = ", ..." if len(gaps) > MISSING_SHOWN else ""
            print(f"series {name}: {len(gaps)} missing day{'s' * (len(gaps) > 1)} (usually "
                  f"open, no data) left out of the forecast and the back-test: {shown}{more}"
                  " (--fill-gaps copies the week before instead)", file=sys.stderr)
    return history


def _refuse_repeated_rows(frame, args: argparse.Namespace) -> None:
    """A counts export holds one row per series and interval: a second row for the same
    series and start (an export appended twice) would be added up silently, so it is refused.
    The local times repeated by the autumn daylight-saving change are not repeats; a call log
    (no ``contacts`` column) holds one row per contact and is not checked."""
    from zoneinfo import ZoneInfo

    if "contacts" not in frame.columns:
        return
    key = [c for c in ("brand", "channel") if c in frame.columns]
    starts = frame["start"].astype(str).str.strip()
    table = frame[key].astype(str).assign(start=starts)
    repeated = table.duplicated(keep="first")
    if not repeated.any():
        return
    zone = ZoneInfo(args.tz)
    counts = table[table.duplicated(keep=False)].value_counts()
    for row in np.flatnonzero(repeated.to_numpy()):
        text = starts.iloc[row]
        try:
            wall = dt.datetime.fromisoformat(text)
        except ValueError:
            wall = None
        if wall is not None and wall.tzinfo is None and counts[tuple(table.iloc[row])] == 2 \
                and wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(
                    tzinfo=zone, fold=1).utcoffset():
            continue  # the hour the clocks go back shows twice in local times
        first = int(np.flatnonzero((table == table.iloc[row]).all(axis=1).to_numpy())[0])
        series = "/".join(table.iloc[row][key]) or "all"
        raise CommandError(f"{args.history} line {row + 2}: a second row for series {series} "
                           f"at {text} (line {first + 2}; an export appended twice?)")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The report names a level change as a "level shift" from ±5 % (×1.05 or ×1/1.05): smaller ones,
# within the day-to-day noise of most series, are still acted on by the forecast and only
# counted. A setting of the report, not of the forecast.
REPORT_SHIFT_AT = 1.05


def _closed(text: str) -> tuple[frozenset, frozenset]:
    """``--closed sun,2026-08-15``: weekdays (three letters or full English names) and dates."""
    days, weekdays = set(), set()
    for part in filter(None, (p.strip().lower() for p in (text or "").split(","))):
        if part[:3] in WEEKDAYS and part.isalpha():
            weekdays.add(WEEKDAYS.index(part[:3]))
            continue
        try:
            days.add(dt.date.fromisoformat(part))
        except ValueError:
            raise CommandError(f"--closed: cannot read {part!r} (a weekday such as sun, or a "
                               "date such as 2026-08-15)") from None
    return frozenset(days), frozenset(weekdays)


def _forecast_config(args: argparse.Namespace):
    from roadie.engine.forecast import ForecastConfig, SpecialPeriod

    specials: list[SpecialPeriod] = []
    if args.special is not None:
        frame = _read_csv(args.special)
        need = {"name", "first_day", "last_day", "uplift"}
        if need - set(frame.columns):
            raise CommandError(f"{args.special}: needs columns {', '.join(sorted(need))}")
        extra = set(frame.columns) - need - {"series"}
        if extra:
            raise CommandError(f"{args.special}: unknown column(s): {', '.join(sorted(extra))}")
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            try:
                first = dt.date.fromisoformat(str(row.first_day))
                last = dt.date.fromisoformat(str(row.last_day))
                uplift = float(row.uplift)
            except ValueError:
                raise CommandError(f"{args.special} line {i}: bad date or uplift") from None
            if uplift <= 0 or last < first or not math.isfinite(uplift):
                raise CommandError(f"{args.special} line {i}: uplift must be positive and "
                                   "last_day not before first_day")
            series = getattr(row, "series", None)
            series = None if series is None or str(series) in ("", "nan") else str(series)
            specials.append(SpecialPeriod(str(row.name), first, last, uplift, series))
    open_from = open_until = None
    if args.opening:
        match = re.fullmatch(r"(\d{1,2}):(\d\d)-(\d{1,2}):(\d\d)", args.opening.strip())
        if not match:
            raise CommandError(f"cannot read opening hours {args.opening!r} (e.g. 07:00-01:00)")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise CommandError(f"cannot read opening hours {args.opening!r}")
        open_from, open_until = dt.time(h1, m1), dt.time(h2, m2)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"--tz: unknown time zone {args.tz!r} (e.g. Europe/Paris)") from None
    country = None if str(args.country).lower() in ("", "none") else args.country.upper()
    if country is not None:
        import holidays

        if country not in holidays.list_supported_countries():
            raise CommandError(f"no public-holiday calendar for country {country!r}")
    if args.quantile is not None:
        if not 0.0 < args.quantile < 1.0:
            raise CommandError("--quantile must be between 0 and 1 (e.g. 0.8)")
        if args.method != "auto":
            raise CommandError("--quantile needs the default method (auto)")
    closed_days, closed_weekdays = _closed(args.closed)
    return ForecastConfig(
        interval_minutes=args.interval, country=country, special_periods=tuple(specials),
        open_from=open_from, open_until=open_until, method=args.method,
        closed_days=closed_days, closed_weekdays=closed_weekdays, quantile=args.quantile,
    )


def cmd_forecast(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from roadie.engine.forecast import (
        QUANTILES,
        HistoryError,
        forecast_distribution,
        level_shifts,
        to_frame,
    )
    from roadie.engine.forecast_backtest import backtest

    horizon = _horizon_days(args.horizon)
    config = _forecast_config(args)
    history = _load_history(args, config)
    points, means, choices, adjacent, own_holidays = {}, {}, {}, {}, {}
    levels = QUANTILES + ((config.quantile,) if config.quantile and config.quantile
                          not in QUANTILES else ())
    bands: dict[float, dict] = {q: {} for q in levels} if args.method == "auto" else {}
    # every series is forecast over the same days, those after the file's last day (as
    # roadie plan does): a series whose rows end earlier is forecast over the days between
    latest = max(m.start + dt.timedelta(days=m.days) for m in history.values())
    try:
        for name, matrix in history.items():
            lead = (latest - (matrix.start + dt.timedelta(days=matrix.days))).days
            if lead:
                print(f"series {name}: its rows end on {matrix.dates[-1].isoformat()}, "
                      f"{lead} day{'s' * (lead > 1)} before the file's last day; forecast "
                      f"from {latest.isoformat()} like the others", file=sys.stderr)
            ahead = horizon + lead

            def cut(m, lead=lead):
                return m.slice(lead, lead + horizon)

            if bands:
                result = forecast_distribution(matrix, horizon_days=ahead,
                                               config=replace(config, quantile=None),
                                               series=name, levels=levels)
                mean = cut(result.mean)
                for q in levels:
                    bands[q][name] = cut(result.quantiles[q])
                points[name] = cut(result.point)
                choices[name] = result.model
            else:  # the older methods (no quantile): the mean is the point
                result = forecast_distribution(matrix, horizon_days=ahead, config=config,
                                               series=name)
                mean = cut(result.mean)
                points[name] = mean
            means[name] = mean
            adjacent[name] = result.adjacent
            own_holidays[name] = result.holiday_factors or {}
    except (HistoryError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    rows = []  # the back-test's, before anything is written (a refusal writes nothing)
    if args.backtest:
        if args.folds < 1:
            raise CommandError("--folds must be at least 1")
        try:
            for name, matrix in history.items():
                rows.append(backtest(matrix, horizon_days=horizon, folds=args.folds,
                                     config=replace(config, quantile=None), series=name))
        except (HistoryError, ValueError) as exc:
            raise CommandError(str(exc)) from None
    # forecast: the point forecast (scored by the back-test); mean: the expected count,
    # which staffing takes; then the quantiles (docs/planning.md)
    frame = to_frame(points, tz=args.tz)
    frame["forecast"] = frame["forecast"].round(3)
    frame["mean"] = to_frame(means, tz=args.tz)["forecast"].round(3)
    for q, per_series in bands.items():
        frame[f"q{round(q * 100)}"] = to_frame(per_series, tz=args.tz)["forecast"].round(3)
    if args.out is not None:
        _write_csv(frame, args.out)
        print(f"{len(points)} series, {horizon} days -> {args.out}")
    elif not args.backtest:
        frame.to_csv(sys.stdout, index=False)
    note = sys.stdout if args.out is not None or args.backtest else sys.stderr
    for name, found in adjacent.items():  # days next to a closure (docs/planning.md)
        applied = found.applied(since=latest) if found is not None else {}
        parts = [f"days {side}{' a closure' * (not k)} x{factor:.2f} (median of "
                 f"{found.counts[side]}{' in the history' * (not k)})"
                 for k, (side, factor) in enumerate(applied.items())]
        if parts:
            print(f"series {name}: {', '.join(parts)}", file=note)
    for name, factors in own_holidays.items():  # holidays from their own last year
        own = [f"{day.isoformat()} x{f.factor:.2f} ({f.own.isoformat()})"
               for day, f in sorted(factors.items()) if f.source == "own" and day >= latest]
        if own:
            print(f"series {name}: {len(own)} holiday{'s' * (len(own) > 1)} forecast from "
                  f"{'their' if len(own) > 1 else 'its'} own last year: {', '.join(own)}",
                  file=note)
    if args.method == "auto":  # the level shifts acted on (stderr when stdout is the CSV)
        for name, matrix in history.items():
            model = choices.get(name)
            if model is not None:  # what the inner origins chose (docs/planning.md)
                median_k = (f"the median of the last {model.median_k} same weekdays"
                            " (their mean where that is 0)")
                point = {"median": "its median (the mean where that is 0)", "mean": "the mean",
                         "median-k": median_k,
                         "topdown-median": "the median of the top-down family"
                                           " (its mean where that is 0)"}[model.point]
                if model.point_mix:  # sixth revision: averaged with the median-k baseline
                    own = "the median of the mean (its mean where that is 0)" \
                        if model.point == "median" else point
                    point = f"the average of {own} and {median_k}"
                mean_of = {"combination": "the combination of the four families",
                           "top-down": "the top-down family",
                           }.get(model.mean_choice,
                                 f"the mean of the last {model.chosen[0][1]} same weekdays")
                print(f"series {name}: mean from {mean_of}; point forecast: {point}",
                      file=note)
            small = 0
            for day, factor in level_shifts(matrix, config=config, series=name):
                if max(factor, 1 / factor) < REPORT_SHIFT_AT:
                    small += 1
                    continue
                print(f"series {name}: level shift on {day.isoformat()} (the days before it "
                      f"re-levelled x{factor:.2f})", file=note)
            if small:
                print(f"series {name}: {small} smaller level change{'s' * (small > 1)} (under "
                      f"{round((REPORT_SHIFT_AT - 1) * 100)} %) also acted on", file=note)
    if args.backtest:
        print(f"back-test: {args.folds} origins a week apart, {horizon}-day horizon")
        print("wMAPE and MASE of the mean (staffing); point wMAPE: of the point forecast "
              "(the forecast column); q90/q10 about: the share beyond the quantile is 10 % "
              "within a 95 % margin of sampling noise (days as clusters)")
        print(f"{'series':<24} {'wMAPE':>8} {'MASE':>7} {'naive wMAPE':>12} {'naive MASE':>11}"
              f" {'>q90':>6} {'<q10':>6} {'point wMAPE':>12} {'q90 about':>9} {'q10 about':>9}")

        def yes(ok: bool | None) -> str:
            return "-" if ok is None else ("yes" if ok else "no")

        for r in rows:
            band = ("" if r.above_q90 is None
                    else f" {r.above_q90:>6.1%} {r.below_q10:>6.1%} {r.point_wmape:>12.3f}"
                         f" {yes(r.about_calibrated(upper=True)):>9}"
                         f" {yes(r.about_calibrated(upper=False)):>9}")
            print(f"{r.series:<24} {r.wmape:>8.3f} {r.mase:>7.3f} {r.naive_wmape:>12.3f} "
                  f"{r.naive_mase:>11.3f}{band}")
        if len(rows) > 1:
            mean = lambda xs: float(np.nanmean(xs))  # noqa: E731
            print(f"{'overall (mean)':<24} {mean([r.wmape for r in rows]):>8.3f} "
                  f"{mean([r.mase for r in rows]):>7.3f} "
                  f"{mean([r.naive_wmape for r in rows]):>12.3f} "
                  f"{mean([r.naive_mase for r in rows]):>11.3f}")
        _print_bar(history, rows, horizon=horizon, folds=args.folds,
                   config=replace(config, quantile=None))
    return 0


def _print_bar(history, rows, *, horizon: int, folds: int, config) -> None:
    """The accuracy bar of docs/planning.md per series, on the back-test's folds: the forecast
    (the point forecast with the default method) at least 20 % better than the seasonal naive
    and no worse than the better of the two simple baselines, the mean and the median of the
    last k same weekdays per interval (k chosen inside each training window)."""
    from roadie.engine.forecast_backtest import backtest, baseline

    print("against the baselines (mean k, median k: of the last k same weekdays per interval,"
          " k chosen in each training window); bar: at least 20 % better than the seasonal"
          " naive and no worse than the better baseline")
    print(f"{'series':<24} {'forecast':>9} {'naive':>7} {'mean k':>7} {'median k':>9}"
          f" {'vs naive':>9} {'bar':>8}")
    for r in rows:
        matrix = history[r.series]
        mean_k, median_k = (
            backtest(matrix, horizon_days=horizon, folds=folds, config=config,
                     series=r.series, method=baseline(stat, config)).wmape
            for stat in ("mean", "median"))
        scored = r.wmape if r.point_wmape is None else r.point_wmape
        gain = 1 - scored / r.naive_wmape if r.naive_wmape else float("nan")
        met = gain >= 0.2 and scored <= min(mean_k, median_k)
        print(f"{r.series:<24} {scored:>9.3f} {r.naive_wmape:>7.3f} {mean_k:>7.3f}"
              f" {median_k:>9.3f} {gain:>+9.1%} {'met' if met else 'NOT met':>8}")


# --------------------------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------------------------


def _series_params(args: argparse.Namespace, names: list[str]):
    from roadie.engine.pipeline import KINDS, SeriesParams

    def kind_of(name: str) -> str:
        channel = name.rsplit("/", 1)[-1].lower()
        if channel in ("email", "mail", "backoffice", "back-office"):
            return "email"
        if channel in ("chat", "webchat", "web-chat", "whatsapp", "social", "messaging"):
            return "chat"
        return "call"

    def defaults(name: str) -> dict:
        kind = kind_of(name)
        return dict(
            pool=name.split("/", 1)[0], kind=kind, aht_seconds=args.aht_seconds,
            service_level=args.service_level, answer_seconds=args.answer_seconds,
            patience_seconds=args.patience_seconds, max_occupancy=args.max_occupancy,
            shrinkage=args.shrinkage, concurrency=args.concurrency if kind == "chat" else 1,
            deadline_hours=args.deadline_hours, sunday_open=args.sunday,
        )

    table = {name: defaults(name) for name in names}
    if args.params is not None:
        frame = _read_csv(args.params)
        unknown = [c for c in frame.columns if c not in PARAM_COLUMNS]
        if unknown:
            raise CommandError(f"{args.params}: unknown column(s): {', '.join(unknown)}")
        for i, row in enumerate(frame.to_dict("records"), start=2):
            if "series" in row and _present(row["series"]):
                key = str(row["series"])
            elif "brand" in row and _present(row.get("brand")):
                key = str(row["brand"]) + (
                    "/" + str(row["channel"]) if _present(row.get("channel")) else "")
            else:
                raise CommandError(f"{args.params} line {i}: give series or brand[, channel]")
            if key not in table:
                raise CommandError(f"{args.params} line {i}: no history for series {key}")
            entry = table[key]
            if _present(row.get("kind")):
                entry["kind"] = str(row["kind"]).strip()
                if entry["kind"] not in KINDS:
                    raise CommandError(f"{args.params} line {i}: kind must be one of "
                                       f"{', '.join(KINDS)}")
            for col in PARAM_COLUMNS[5:]:
                if col in row and _present(row[col]):
                    try:
                        if col == "sunday_open":
                            value = str(row[col]).strip().lower() in ("1", "true", "yes", "y")
                        elif col == "concurrency":
                            value = float(row[col])
                            if value != int(value) or value < 1:
                                raise ValueError
                            value = int(value)
                        else:
                            value = float(row[col])
                    except ValueError:
                        raise CommandError(f"{args.params} line {i}: {col} is not a number") \
                            from None
                    entry[col] = value
            if _present(row.get("pool")):
                entry["pool"] = str(row["pool"])
    return {name: SeriesParams(**values) for name, values in table.items()}


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and (
        str(value).strip() != "")


def cmd_plan(args: argparse.Namespace) -> int:
    from roadie.engine.chart import plan_figure, plan_html
    from roadie.engine.forecast import HistoryError, to_frame
    from roadie.engine.pipeline import run_pipeline
    from roadie.engine.planning import SlotRules

    horizon = _horizon_days(args.horizon)
    config = _forecast_config(args)
    history = _load_history(args, config)
    params = _series_params(args, sorted(history))
    step = args.start_step or args.interval
    if step % args.interval:
        raise CommandError("--start-step must be a multiple of --interval")
    rules = SlotRules(
        start_step_minutes=step, length_step_minutes=step,
        split_days=not args.no_split, max_roadies=args.max_roadies,
        sunday_open=args.sunday,
    )
    if args.time_limit <= 0:
        raise CommandError("--time-limit must be positive")
    try:
        result = run_pipeline(history, params=params, horizon_days=horizon,
                              forecast_config=config, rules=rules,
                              time_limit_seconds=args.time_limit, tz=args.tz)
    except (HistoryError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {out}: {exc.strerror}") from None
    import pandas as pd

    # what was staffed, named: the mean (an arrival rate), or the quantile asked for
    staffed = "mean" if config.quantile is None else f"q{round(config.quantile * 100)}"
    fc = to_frame({sp.series: sp.forecast for sp in result.series}, tz=args.tz, column=staffed)
    fc[staffed] = fc[staffed].round(3)
    _write_csv(fc, out / "forecast.csv")
    req_parts = []
    for sp in result.series:
        part = to_frame({sp.series: sp.forecast}, tz=args.tz)
        agents = to_frame({sp.series: _like(sp.forecast, sp.agents)}, tz=args.tz, column="a")
        positions = to_frame({sp.series: _like(sp.forecast, sp.positions)}, tz=args.tz,
                             column="p")
        req_parts.append(pd.DataFrame({
            "pool": sp.params.pool, "series": sp.series, "start": part["start"],
            "contacts": part["forecast"].round(3), "agents": agents["a"].astype(int),
            "positions": positions["p"].astype(int),
        }))
    _write_csv(pd.concat(req_parts, ignore_index=True), out / "requirement.csv")
    slot_rows, cov_parts = [], []
    for plan in result.pools:
        for slot in plan.slots:
            first = slot.pieces[0]
            second = slot.pieces[1] if len(slot.pieces) > 1 else (None, None)
            slot_rows.append({
                "pool": plan.pool, "day": slot.day.isoformat(),
                "start": first[0].isoformat(), "end": first[1].isoformat(),
                "start_2": second[0].isoformat() if second[0] else "",
                "end_2": second[1].isoformat() if second[1] else "",
                "roadies": slot.roadies, "paid_hours": round(slot.paid_hours, 2),
            })
        need = to_frame({plan.pool: plan.requirement}, tz=args.tz, column="requirement")
        cov = to_frame({plan.pool: _like(plan.requirement, plan.coverage)}, tz=args.tz,
                       column="coverage")
        cov_parts.append(pd.DataFrame({
            "pool": plan.pool, "start": need["start"],
            "requirement": need["requirement"].astype(int),
            "coverage": cov["coverage"].astype(int),
        }))
    _write_csv(pd.DataFrame(slot_rows, columns=["pool", "day", "start", "end", "start_2",
                                                "end_2", "roadies", "paid_hours"]),
               out / "slots.csv")
    coverage = pd.concat(cov_parts, ignore_index=True)
    coverage["under"] = (coverage["requirement"] - coverage["coverage"]).clip(lower=0)
    coverage["over"] = (coverage["coverage"] - coverage["requirement"]).clip(lower=0)
    _write_csv(coverage, out / "coverage.csv")
    fig = plan_figure(result)
    fig.savefig(out / "plan.png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    (out / "plan.html").write_text(plan_html(result), encoding="utf-8")
    summary = {
        "start": result.start.isoformat(), "horizon_days": horizon,
        "pools": [{
            "pool": p.pool, "slots": len(p.slots), "paid_hours": round(p.paid_hours, 2),
            "required_hours": round(float(p.requirement.values.sum()) * args.interval / 60, 2),
            "uncovered_hours": round(float(p.under.sum()) * args.interval / 60, 2),
            "gap": p.gap, "status": p.status, "seconds": round(p.seconds, 3),
        } for p in result.pools],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for p in summary["pools"]:
        print(f"{p['pool']}: {p['slots']} slots, {p['paid_hours']} paid hours for "
              f"{p['required_hours']} required, {p['uncovered_hours']} uncovered, "
              f"{p['status']} (gap {p['gap']:.2%})")
    print(f"-> {out}/ (forecast.csv requirement.csv slots.csv coverage.csv plan.png plan.html)")
    return 0


def _like(matrix, values):
    from roadie.engine.forecast import DayMatrix

    return DayMatrix(matrix.start, matrix.interval_minutes, np.asarray(values, dtype=float))


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------


def _read_csv(path: Path):
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in frame.columns[0]:
                raise CommandError(f"{path}: its columns are separated by {name}; roadie reads "
                                   "comma-separated CSV")
    return frame


def _write_csv(frame, path: Path) -> None:
    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None

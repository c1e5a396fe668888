"""Where simulated contacts come from: Poisson arrivals per interval, or a replayed log."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roadie.engine.sim.dists import Dist, ScenarioError
from roadie.engine.sim.scenario import DAY, Replay, Scenario, Stream, parse_clock


@dataclass(frozen=True)
class Arrivals:
    """Every contact of one run, sorted by arrival time (parallel arrays)."""

    time: np.ndarray  # float64 seconds
    stream: np.ndarray  # int index into ``streams``
    handle: np.ndarray  # float64 seconds (wrap-up not included)
    patience: np.ndarray  # float64 seconds, inf = never hangs up
    priority: np.ndarray  # int
    streams: tuple[Stream, ...]

    def __len__(self) -> int:
        return int(self.time.size)


def _poisson_times(stream: Stream, scn: Scenario, rng: np.random.Generator) -> np.ndarray:
    chunks = []
    width = scn.interval_seconds
    for day in range(scn.days):
        t0 = scn.start + day * DAY
        if stream.per_interval:
            counts = np.asarray(stream.per_interval, dtype=float)
            n_int = min(len(counts), int(math.ceil(scn.hours * 3600.0 / width)))
            counts = counts[:n_int]
            n = rng.poisson(counts)
            starts = t0 + np.repeat(np.arange(n_int) * width, n)
            chunks.append(starts + rng.uniform(0.0, width, starts.size))
        elif stream.rate_per_hour > 0:
            n = rng.poisson(stream.rate_per_hour * scn.hours)
            chunks.append(t0 + rng.uniform(0.0, scn.hours * 3600.0, n))
    return np.concatenate(chunks) if chunks else np.empty(0)


def generate(scn: Scenario, rng: np.random.Generator) -> Arrivals:
    """Draw one run's contacts (Poisson per stream and interval, or the replayed log)."""
    if scn.replay is not None:
        return replay(scn, rng)
    times, idx, handle, patience, prio = [], [], [], [], []
    for i, s in enumerate(scn.streams):
        t = _poisson_times(s, scn, rng)
        times.append(t)
        idx.append(np.full(t.size, i, dtype=np.int64))
        handle.append(s.handle.sample(rng, t.size))
        patience.append(s.patience.sample(rng, t.size))
        prio.append(np.full(t.size, s.priority, dtype=np.int64))
    return _sorted(times, idx, handle, patience, prio, scn.streams)


def _sorted(times, idx, handle, patience, prio, streams) -> Arrivals:
    t = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(t, kind="stable")
    return Arrivals(
        time=t[order],
        stream=np.concatenate(idx)[order] if idx else np.empty(0, np.int64),
        handle=np.concatenate(handle)[order] if handle else np.empty(0),
        patience=np.concatenate(patience)[order] if patience else np.empty(0),
        priority=np.concatenate(prio)[order] if prio else np.empty(0, np.int64),
        streams=tuple(streams),
    )


# ---------------------------------------------------------------------------- replay
@dataclass(frozen=True)
class LogRecord:
    day: int
    time: float
    brand: str
    channel: str
    handle: float  # nan = draw from the stream's distribution
    patience: float  # nan = draw from the stream's distribution
    priority: int


def _seconds(value: str) -> float:
    value = value.strip()
    if ":" in value:
        parts = [float(p) for p in value.split(":")]
        while len(parts) < 3:
            parts.append(0.0)
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return float(value)


def read_anonymous_bank(path: Path, *, brand: str, dates: tuple[str, ...]) -> list[LogRecord]:
    """The Technion "Anonymous Bank" log: one row per call that entered the VRU.

    A call joins the agents' queue when it leaves the VRU (``vru_exit``). PHANTOM rows are
    skipped. Served calls (AGENT) bring their service time; calls that hung up in the queue
    (HANG) bring their time in queue as their patience. Priority 2 ("high") becomes priority 1.
    """
    wanted = {d.replace("-", "")[2:] for d in dates}
    out = []
    import csv  # here: a generated run's start-up does without it

    try:
        f = path.open(newline="", encoding="latin-1")
    except OSError as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc}") from None
    with f:
        reader = csv.DictReader(f, delimiter="\t")
        need = {"date", "vru_exit", "outcome", "ser_time", "q_time", "priority"}
        if not need <= set(reader.fieldnames or ()):
            raise ScenarioError(f"{path}: not an anonymous_bank log (columns {sorted(need)})")
        days: dict[str, int] = {}
        for row in reader:
            date = row["date"].strip()
            if wanted and date not in wanted:
                continue
            outcome = row["outcome"].strip()
            if outcome == "PHANTOM":
                continue
            try:
                t = _seconds(row["vru_exit"])
                ser = float(row["ser_time"])
                q = float(row["q_time"])
                prio = 1 if row["priority"].strip() == "2" else 0
            except ValueError:
                continue  # a damaged row is skipped, not fatal
            day = days.setdefault(date, len(days))
            out.append(
                LogRecord(
                    day=day,
                    time=t,
                    brand=brand,
                    channel="voice",
                    handle=ser if outcome == "AGENT" and ser > 0 else math.nan,
                    patience=q if outcome == "HANG" else math.nan,
                    priority=prio,
                )
            )
    if days:
        order = sorted(days)  # YYMMDD strings of one year sort by date
        remap = {days[d]: i for i, d in enumerate(order)}
        out = [
            LogRecord(
                remap[r.day],
                *[
                    getattr(r, f)
                    for f in ("time", "brand", "channel", "handle", "patience", "priority")
                ],
            )
            for r in out
        ]
    return out


def read_contact_csv(path: Path) -> list[LogRecord]:
    """roadie's own log format: columns ``arrival`` (seconds or HH:MM[:SS]), ``brand``, and
    optionally ``day`` (1-based), ``channel``, ``handle_seconds``, ``patience_seconds``,
    ``priority``."""
    out = []
    import csv

    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc}") from None
    with f:
        reader = csv.DictReader(f)
        if not {"arrival", "brand"} <= set(reader.fieldnames or ()):
            raise ScenarioError(f"{path}: a contact log needs columns 'arrival' and 'brand'")
        for n, row in enumerate(reader, start=2):
            try:
                out.append(
                    LogRecord(
                        day=int(row.get("day") or 1) - 1,
                        time=_seconds(row["arrival"]),
                        brand=row["brand"].strip(),
                        channel=(row.get("channel") or "voice").strip(),
                        handle=float(row.get("handle_seconds") or "nan"),
                        patience=float(row.get("patience_seconds") or "nan"),
                        priority=int(row.get("priority") or 0),
                    )
                )
            except ValueError as exc:
                raise ScenarioError(f"{path}:{n}: {exc}") from None
    return out


def read_interval_counts(
    path: Path, *, brand: str, dates: tuple[str, ...], rng: np.random.Generator
) -> list[LogRecord]:
    """Counts of arrivals per interval (``date, interval_start, calls``, as in the Anonymous
    Bank's 6-minute file): each interval's calls are spread uniformly at random over it."""
    wanted = set(dates)
    rows: list[tuple[str, float, int]] = []
    import csv

    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc}") from None
    with f:
        reader = csv.DictReader(f)
        if not {"date", "interval_start", "calls"} <= set(reader.fieldnames or ()):
            raise ScenarioError(f"{path}: interval counts need columns date, interval_start, calls")
        for n, row in enumerate(reader, start=2):
            if wanted and row["date"] not in wanted:
                continue
            try:
                rows.append((row["date"], _seconds(row["interval_start"]), int(row["calls"])))
            except ValueError as exc:
                raise ScenarioError(f"{path}:{n}: {exc}") from None
    if not rows:
        return []
    starts = sorted({r[1] for r in rows})
    width = min((b - a for a, b in zip(starts, starts[1:], strict=False)), default=DAY)
    day_of = {d: i for i, d in enumerate(sorted({r[0] for r in rows}))}
    out = []
    for date, start, calls in rows:
        for t in np.sort(rng.uniform(start, start + width, calls)):
            out.append(LogRecord(day_of[date], float(t), brand, "voice", math.nan, math.nan, 0))
    return out


def replay(scn: Scenario, rng: np.random.Generator) -> Arrivals:
    rp: Replay = scn.replay
    if rp.format == "anonymous_bank":
        records = read_anonymous_bank(rp.path, brand=rp.brand, dates=rp.dates)
    elif rp.format == "interval_counts":
        records = read_interval_counts(rp.path, brand=rp.brand, dates=rp.dates, rng=rng)
    else:
        records = read_contact_csv(rp.path)
    if not records:
        raise ScenarioError(f"{rp.path}: no contact to replay (check 'dates')")
    streams = list(scn.streams)
    index = {(s.brand, s.channel): i for i, s in enumerate(streams)}
    for r in records:
        if (r.brand, r.channel) not in index:
            index[(r.brand, r.channel)] = len(streams)
            streams.append(Stream(brand=r.brand, channel=r.channel))
    t = np.array([r.day * DAY + r.time for r in records])
    s_idx = np.array([index[(r.brand, r.channel)] for r in records], dtype=np.int64)
    handle = np.array([r.handle for r in records])
    patience = np.array([r.patience for r in records])
    prio = np.array([r.priority for r in records], dtype=np.int64)
    for i, s in enumerate(streams):
        sel = s_idx == i
        miss_h = sel & np.isnan(handle)
        handle[miss_h] = s.handle.sample(rng, int(miss_h.sum()))
        miss_p = sel & np.isnan(patience)
        patience[miss_p] = s.patience.sample(rng, int(miss_p.sum()))
    return _sorted([t], [s_idx], [handle], [patience], [prio], streams)


__all__ = [
    "Arrivals",
    "Dist",
    "LogRecord",
    "generate",
    "parse_clock",
    "read_anonymous_bank",
    "read_contact_csv",
    "replay",
]

"""Figures of a run (per brand/channel, per interval, per team) and their confidence intervals
over replications."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from roadie.engine.sim.engine import ABANDONED, DONE, IN_SERVICE, RunResult
from roadie.engine.sim.scenario import clock_label

OVERALL = "all"


@dataclass(frozen=True)
class Metrics:
    """One group of contacts in one run. Rates are ``nan`` when their denominator is zero.

    ``service_level``: answered by the contact's deadline / (contacts - abandoned before it):
    the one definition of :mod:`roadie.engine.service_level`. The deadline is the stream's
    ``answer_seconds`` after the arrival, counted in the brand's opening hours when the
    scenario gives it some (``roadie.engine.calendar.contact_deadline``, as live).
    ``asa_seconds``: mean wait of answered contacts. ``p_abandon``: abandoned / offered.
    ``p_wait``: share of answered contacts that waited at all. ``occupancy``: capacity in use /
    capacity logged in over the arrival window (the whole operation, not one brand).
    """

    contacts: float
    answered: float
    abandoned: float
    unserved: float
    service_level: float
    asa_seconds: float
    p_abandon: float
    p_wait: float
    longest_wait_seconds: float
    occupancy: float
    contacts_per_agent_hour: float
    revenue: float

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


METRIC_NAMES = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True)
class RunMetrics:
    """Everything one run reports (small: replications send these between processes)."""

    groups: dict[str, Metrics]  # "all" and "brand/channel"
    teams: dict[str, float]  # occupancy per team
    interval_labels: tuple[str, ...]
    intervals: dict[str, dict[str, np.ndarray]]  # group -> metric -> per-interval values
    events: int
    decisions: int
    wall_seconds: float


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _overlap_cum(start: np.ndarray, end: np.ndarray, weight: np.ndarray, bounds: np.ndarray):
    """For each bound T: sum of weight x length of [start, end] before T."""
    out = np.empty(bounds.size)
    for k, t in enumerate(bounds):
        out[k] = float(np.sum(weight * np.clip(np.minimum(end, t) - start, 0.0, None)))
    return out


def _group_metrics(sel, wait, answered, abandoned, outcome, within, revenue) -> dict[str, float]:
    n = float(sel.sum())
    short = float((sel & abandoned & within).sum())  # abandoned before the deadline: left out
    ans = sel & answered
    n_ans = float(ans.sum())
    n_ab = float((sel & abandoned).sum())
    waited = sel & (answered | abandoned)
    return {
        "contacts": n,
        "answered": n_ans,
        "abandoned": n_ab,
        "unserved": float((sel & ~answered & ~abandoned).sum()),
        "service_level": _ratio(float((ans & within).sum()), n - short),
        "asa_seconds": float(wait[ans].mean()) if n_ans else math.nan,
        "p_abandon": _ratio(n_ab, n),
        "p_wait": _ratio(float((ans & (wait > 1e-9)).sum()), n_ans),
        "longest_wait_seconds": float(wait[waited].max()) if waited.any() else 0.0,
        "revenue": float(revenue[sel].sum()),
    }


def measure(result: RunResult) -> RunMetrics:
    """Reduce one run to its figures."""
    scn = result.scenario
    arr = result.arrivals
    streams = arr.streams
    t = arr.time
    outcome = result.outcome
    answered = ~np.isnan(result.start)
    abandoned = outcome == ABANDONED
    wait = np.where(answered, result.start - t, np.where(abandoned, result.end - t, np.nan))
    # due at the stream's answer time, counted in the brand's opening hours when it has some
    within = (answered | abandoned) & (t + wait <= result.deadline + 1e-6)
    price = np.array([s.price_per_minute for s in streams] or [0.0])[arr.stream]
    handled = np.where(answered & ((outcome == DONE) | (outcome == IN_SERVICE)), arr.handle, 0.0)
    revenue = price * handled / 60.0
    cost = np.array([s.unit_cost for s in streams] or [1])[arr.stream].astype(float)

    # the arrival window, over which occupancy and productivity are measured
    w0 = scn.start if scn.replay is None else (float(t.min()) if t.size else 0.0)
    w1 = scn.arrivals_end if scn.replay is None else (float(t.max()) if t.size else 0.0)
    w1 = max(w1, w0 + 1.0)
    width = scn.interval_seconds
    n_int = max(1, int(math.ceil((w1 - w0) / width)))
    bounds = w0 + np.arange(n_int + 1) * width
    bounds[-1] = w1  # the last interval may be short

    roster = result.roster
    win = roster.windows
    cap = roster.capacity.astype(float)
    served = answered & ~np.isnan(result.end)
    agent = np.where(served, result.agent, 0)
    busy_w = np.where(served, cost / cap[agent], 0.0)
    s_start = np.where(served, result.start, 0.0)
    s_end = np.where(served, result.end, 0.0)
    busy_cum = _overlap_cum(s_start, s_end, busy_w, bounds)
    staffed_cum = _overlap_cum(win[:, 0], np.minimum(win[:, 1], 1e18), np.ones(len(win)), bounds)
    busy_total = busy_cum[-1] - busy_cum[0]
    staffed_total = staffed_cum[-1] - staffed_cum[0]
    occupancy = _ratio(busy_total, staffed_total)
    in_window = answered & (result.start >= w0) & (result.start < w1)
    cph = _ratio(float(in_window.sum()), staffed_total / 3600.0)

    teams = {}
    for ti, team in enumerate(scn.teams):
        members = roster.team == ti
        tw = np.isin(win[:, 2].astype(np.int64), np.flatnonzero(members))
        sel = served & members[agent]
        b = _overlap_cum(s_start[sel], s_end[sel], busy_w[sel], np.array([w0, w1]))
        s = _overlap_cum(
            win[tw, 0], np.minimum(win[tw, 1], 1e18), np.ones(int(tw.sum())), np.array([w0, w1])
        )
        teams[team.name] = _ratio(b[1] - b[0], s[1] - s[0])

    names = [s.name for s in streams]
    group_of = np.array([names.index(nm) for nm in names] or [0])  # first stream of each name
    contact_group = group_of[arr.stream] if t.size else np.empty(0, np.int64)
    group_sel = {OVERALL: np.ones(t.size, bool)}
    for gi in sorted(set(group_of.tolist())):
        group_sel[names[gi]] = contact_group == gi

    groups = {}
    for g, sel in group_sel.items():
        m = _group_metrics(sel, wait, answered, abandoned, outcome, within, revenue)
        groups[g] = Metrics(
            **m,
            occupancy=occupancy if g == OVERALL else math.nan,
            contacts_per_agent_hour=cph if g == OVERALL else math.nan,
        )

    # per interval of arrival
    k = np.clip(((t - w0) // width).astype(np.int64), 0, n_int - 1) if t.size else t.astype(int)
    intervals: dict[str, dict[str, np.ndarray]] = {}
    for g, sel in group_sel.items():
        per: dict[str, list[float]] = {
            n: []
            for n in (
                "contacts",
                "service_level",
                "asa_seconds",
                "p_abandon",
                "longest_wait_seconds",
            )
        }
        for j in range(n_int):
            m = _group_metrics(sel & (k == j), wait, answered, abandoned, outcome, within, revenue)
            for n in per:
                per[n].append(m[n])
        intervals[g] = {n: np.array(v) for n, v in per.items()}
    busy_int = np.diff(busy_cum)
    staffed_int = np.diff(staffed_cum)
    with np.errstate(divide="ignore", invalid="ignore"):
        intervals[OVERALL]["occupancy"] = np.where(staffed_int > 0, busy_int / staffed_int, np.nan)
        intervals[OVERALL]["agents"] = staffed_int / np.diff(bounds)
        started, _ = np.histogram(result.start[answered], bins=bounds)
        intervals[OVERALL]["contacts_per_agent_hour"] = np.where(
            staffed_int > 0, started / (staffed_int / 3600.0), np.nan
        )
    labels = tuple(clock_label(b) for b in bounds[:-1])
    return RunMetrics(
        groups=groups,
        teams=teams,
        interval_labels=labels,
        intervals=intervals,
        events=result.events,
        decisions=result.decisions,
        wall_seconds=result.wall_seconds,
    )


# ---------------------------------------------------------------------------- replications
@dataclass(frozen=True)
class Estimate:
    """Mean over replications and its 95 % confidence interval (Student t); with one
    replication, or a figure undefined in some runs, low/high are ``nan``."""

    mean: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | None]:
        return {k: _json_float(getattr(self, k)) for k in ("mean", "low", "high")}


def _json_float(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def estimate(
    values, confidence: float = 0.95, *, lower: float = -math.inf, upper: float = math.inf
) -> Estimate:
    """Mean and Student-t interval, the interval clipped to [lower, upper] (a rate stays in
    [0, 1], a wait stays >= 0)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    if v.size < 2:
        return Estimate(mean, math.nan, math.nan, int(v.size))
    # Student's t quantile (what scipy.stats.t.ppf computes), imported here: scipy.stats
    # alone took longer to import than simulating 200,000 calls
    from scipy.special import stdtrit

    half = float(stdtrit(v.size - 1, 0.5 + confidence / 2) * v.std(ddof=1) / math.sqrt(v.size))
    return Estimate(mean, max(mean - half, lower), min(mean + half, upper), int(v.size))


RATES = frozenset({"service_level", "p_abandon", "p_wait", "occupancy"})


def _bounds(metric: str) -> dict[str, float]:
    return {"lower": 0.0, "upper": 1.0} if metric in RATES else {"lower": 0.0}


@dataclass(frozen=True)
class Summary:
    """Replications of one scenario: estimates per group and metric, per team, per interval."""

    scenario: str
    reps: int
    groups: dict[str, dict[str, Estimate]]
    teams: dict[str, Estimate]
    interval_labels: tuple[str, ...]
    intervals: dict[str, dict[str, np.ndarray]]  # group -> metric -> (3, k): mean, low, high
    events: int
    decisions: int
    wall_seconds: float
    runs: tuple[RunMetrics, ...]

    def overall(self, metric: str) -> Estimate:
        return self.groups[OVERALL][metric]


def summarize(name: str, runs: list[RunMetrics]) -> Summary:
    first = runs[0]
    groups = {
        g: {
            m: estimate([getattr(r.groups[g], m) for r in runs], **_bounds(m)) for m in METRIC_NAMES
        }
        for g in first.groups
    }
    teams = {t: estimate([r.teams[t] for r in runs], **_bounds("occupancy")) for t in first.teams}
    intervals = {}
    for g, per in first.intervals.items():
        intervals[g] = {}
        for m in per:
            stack = np.vstack([r.intervals[g][m] for r in runs])
            ests = [estimate(stack[:, j], **_bounds(m)) for j in range(stack.shape[1])]
            intervals[g][m] = np.array(
                [[e.mean for e in ests], [e.low for e in ests], [e.high for e in ests]]
            )
    return Summary(
        scenario=name,
        reps=len(runs),
        groups=groups,
        teams=teams,
        interval_labels=first.interval_labels,
        intervals=intervals,
        events=sum(r.events for r in runs),
        decisions=sum(r.decisions for r in runs),
        wall_seconds=sum(r.wall_seconds for r in runs),
        runs=tuple(runs),
    )


def paired_difference(a: Summary, b: Summary, group: str, metric: str) -> Estimate:
    """Estimate of (a - b) for one figure, pairing replications run on the same seeds."""
    n = min(a.reps, b.reps)
    va = [getattr(a.runs[i].groups[group], metric) for i in range(n)]
    vb = [getattr(b.runs[i].groups[group], metric) for i in range(n)]
    return estimate(np.asarray(va) - np.asarray(vb))

"""The work slots to open: from a requirement curve to slots that roadies can book.

For each operating day (07:00 to 01:00 the next morning by default) and brand pool, a MILP
chooses how many roadies each slot template needs:

- templates: one piece of 2 h to 8 h starting on the quarter or half hour, or a split day of
  two pieces (e.g. 07-11 + 17-21) with a break between them, all inside the opening window;
  no slot on a Sunday unless the pool allows Sundays (and then Saturday's slots may not run
  past midnight into it either);
- lexicographic objective, solved in two passes with HiGHS (``highspy``): first the weighted
  under-coverage (intervals the slots cannot staff, e.g. outside the window or above
  ``max_roadies``); then, with that held at its optimum, the cost of the slots (paid hours with
  night and Sunday premiums, plus a small fixed cost per slot that favours fewer, longer
  slots) and over-coverage;
- each pass runs under a time limit and reports HiGHS's optimality gap.

Days are independent (slots are booked by whoever wants them; rules about a roadie's own week
are enforced when they book), so each day is its own small MILP.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import highspy
import numpy as np

from roadie.engine.forecast import DayMatrix

MIP_REL_GAP = 1e-4

__all__ = ["Slot", "SlotPlan", "SlotRules", "Template", "plan_slots", "slot_templates"]


@dataclass(frozen=True)
class SlotRules:
    """What slots may look like. Minutes are counted from the operating day's midnight, so
    01:00 the next morning is 1500."""

    window_start_minutes: int = 7 * 60
    window_end_minutes: int = 25 * 60
    min_minutes: int = 120
    max_minutes: int = 480
    length_step_minutes: int = 30
    start_step_minutes: int = 30  # 15 or 30: slots start on the quarter or the half hour
    split_days: bool = True
    split_piece_minutes: tuple[int, ...] = (120, 180, 240)
    split_min_break_minutes: int = 120
    split_start_step_minutes: int = 60
    sunday_open: bool = False
    max_roadies: int | None = None  # at most this many roadies at once (the pool's size)
    night_from_minutes: int = 22 * 60
    night_premium: float = 0.25
    sunday_premium: float = 0.5
    slot_cost_hours: float = 0.0  # fixed cost per slot, in paid hours (favours long slots)
    over_cost: float = 0.01  # per roadie-interval above the requirement

    def validate(self, interval_minutes: int) -> None:
        if not self.window_start_minutes < self.window_end_minutes <= 48 * 60:
            raise ValueError("the opening window must end after it starts (at most 48 h)")
        if not 0 < self.min_minutes <= self.max_minutes:
            raise ValueError("slot lengths must satisfy 0 < minimum <= maximum")
        for name in ("window_start_minutes", "window_end_minutes", "min_minutes",
                     "max_minutes", "length_step_minutes", "start_step_minutes",
                     "split_min_break_minutes", "split_start_step_minutes"):
            value = getattr(self, name)
            if value % interval_minutes:
                raise ValueError(f"{name} ({value}) is not a multiple of {interval_minutes}")
        for piece in self.split_piece_minutes:
            if piece % interval_minutes:
                raise ValueError(f"split piece {piece} is not a multiple of {interval_minutes}")
        if self.max_roadies is not None and self.max_roadies < 0:
            raise ValueError("max_roadies must be positive")


@dataclass(frozen=True)
class Template:
    """Pieces as (start, end) minutes from the operating day's midnight."""

    pieces: tuple[tuple[int, int], ...]

    @property
    def minutes(self) -> int:
        return sum(end - start for start, end in self.pieces)


def slot_templates(rules: SlotRules) -> list[Template]:
    """Every template the rules allow (single pieces first, then split days)."""
    out: list[Template] = []
    lo, hi = rules.window_start_minutes, rules.window_end_minutes
    for length in range(rules.min_minutes, rules.max_minutes + 1, rules.length_step_minutes):
        for start in range(lo, hi - length + 1, rules.start_step_minutes):
            out.append(Template(((start, start + length),)))
    if rules.split_days:
        step = rules.split_start_step_minutes
        for first in rules.split_piece_minutes:
            for second in rules.split_piece_minutes:
                if first + second > rules.max_minutes:
                    continue
                for s1 in range(lo, hi, step):
                    e1 = s1 + first
                    for s2 in range(e1 + rules.split_min_break_minutes, hi - second + 1, step):
                        out.append(Template(((s1, e1), (s2, s2 + second))))
    return out


@dataclass(frozen=True)
class Slot:
    """A slot to publish: ``roadies`` people each working every piece."""

    pool: str
    day: dt.date
    pieces: tuple[tuple[dt.datetime, dt.datetime], ...]
    roadies: int

    @property
    def paid_hours(self) -> float:
        return self.roadies * sum((e - s).total_seconds() for s, e in self.pieces) / 3600.0


@dataclass(frozen=True)
class SlotPlan:
    """Slots and what they give. ``coverage``/``requirement`` are DayMatrix-shaped (calendar
    days x wall-clock intervals) and aligned. ``gap`` is the largest relative MIP gap of any
    pass (0 = proven optimal); ``status`` is "optimal" or "time limit"."""

    pool: str
    slots: tuple[Slot, ...]
    requirement: DayMatrix
    coverage: np.ndarray
    under: np.ndarray
    over: np.ndarray
    paid_hours: float
    gap: float
    status: str
    seconds: float


def plan_slots(
    requirement: DayMatrix,
    *,
    rules: SlotRules = SlotRules(),
    pool: str = "pool",
    weights: np.ndarray | None = None,
    time_limit_seconds: float = 60.0,
    tz: str = "Europe/Paris",
) -> SlotPlan:
    """Choose the slots covering ``requirement`` (roadies needed per interval)."""
    began = time.perf_counter()
    step = requirement.interval_minutes
    rules.validate(step)
    need = np.ceil(np.asarray(requirement.values, dtype=float) - 1e-9)
    if np.isnan(need).any() or (need < 0).any():
        raise ValueError("the requirement must be a non-negative number everywhere")
    w = np.ones_like(need) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != need.shape or (w <= 0).any():
        raise ValueError("weights must be positive and shaped like the requirement")
    days, per_day = need.shape
    if per_day * step != 24 * 60:
        raise ValueError("the requirement must have one column per interval of the day")
    templates = slot_templates(rules)
    lo, hi = rules.window_start_minutes // step, rules.window_end_minutes // step
    width = hi - lo
    flat_need = need.ravel()
    flat_w = w.ravel()
    coverage = np.zeros(days * per_day)
    zone = ZoneInfo(tz)
    cover_matrix = _cover_matrix(templates, rules, step)
    single = np.array([len(t.pieces) == 1 for t in templates])
    slots: list[Slot] = []
    gaps = [0.0]
    status = "optimal"
    for d in range(days):
        day = requirement.start + dt.timedelta(days=d)
        sunday = day.weekday() == 6
        if sunday and not rules.sunday_open:
            continue
        # the window's intervals as indices into the flattened calendar
        idx = d * per_day + lo + np.arange(width)
        inside = idx < days * per_day
        end_of_day = (d + 1) * per_day
        next_is_closed_sunday = (day + dt.timedelta(days=1)).weekday() == 6 and not (
            rules.sunday_open
        )
        if next_is_closed_sunday:
            inside &= idx < end_of_day
        if not (flat_need[idx[inside]] > 0).any():
            continue
        usable = cover_matrix[~inside].sum(axis=0) == 0
        r = np.where(inside, flat_need[np.minimum(idx, flat_need.size - 1)], 0.0)
        wt = np.where(inside, flat_w[np.minimum(idx, flat_w.size - 1)], 1.0)
        minutes_from = lo * step
        hours = step / 60.0
        premium = np.ones(width)
        starts = minutes_from + np.arange(width) * step
        premium += rules.night_premium * (((starts % 1440) >= rules.night_from_minutes % 1440)
                                          | (starts >= 1440))
        if sunday:
            premium += rules.sunday_premium
        cost = cover_matrix.T @ (premium * hours) + rules.slot_cost_hours
        remaining = max(time_limit_seconds - (time.perf_counter() - began), 0.05)
        counts, gap, timed_out = _solve_day(
            cover_matrix[:, usable], cost[usable], r, wt, rules,
            time_limit=remaining / max(days - d, 1), single_piece=single[usable],
        )
        gaps.append(gap)
        if timed_out:
            status = "time limit"
        chosen = np.flatnonzero(usable)
        for j, count in zip(chosen, counts, strict=True):
            if count <= 0:
                continue
            template = templates[j]
            covered = cover_matrix[:, j] > 0
            coverage[idx[covered & inside]] += count
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            pieces = tuple(
                (_wall(midnight, s, zone), _wall(midnight, e, zone)) for s, e in template.pieces
            )
            slots.append(Slot(pool=pool, day=day, pieces=pieces, roadies=int(count)))
    cov = coverage.reshape(days, per_day)
    slots.sort(key=lambda s: (s.pieces[0][0], s.pieces[0][1]))
    return SlotPlan(
        pool=pool,
        slots=tuple(slots),
        requirement=requirement,
        coverage=cov,
        under=np.maximum(need - cov, 0.0),
        over=np.maximum(cov - need, 0.0),
        paid_hours=float(sum(s.paid_hours for s in slots)),
        gap=float(max(gaps)),
        status=status,
        seconds=time.perf_counter() - began,
    )


def _wall(midnight: dt.datetime, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """Wall-clock time ``minutes`` after local midnight (DST-safe: wall time, not elapsed)."""
    day = midnight.date() + dt.timedelta(days=minutes // 1440)
    rest = minutes % 1440
    return dt.datetime.combine(day, dt.time(rest // 60, rest % 60), tzinfo=zone)


def _cover_matrix(templates: list[Template], rules: SlotRules, step: int) -> np.ndarray:
    lo = rules.window_start_minutes // step
    width = rules.window_end_minutes // step - lo
    a = np.zeros((width, len(templates)))
    for j, template in enumerate(templates):
        for start, end in template.pieces:
            a[start // step - lo: end // step - lo, j] = 1.0
    return a


def _solve_day(
    a: np.ndarray, cost: np.ndarray, need: np.ndarray, weight: np.ndarray, rules: SlotRules,
    *, time_limit: float, single_piece: np.ndarray | None = None,
) -> tuple[np.ndarray, float, bool]:
    """Two-pass lexicographic MILP for one day: returns slot counts, worst gap, timed out.

    Columns: x (slot counts, integer) | u (under-coverage per interval). Rows: A x + u >= need
    (over-coverage is A x - need + u, so its cost is folded into each slot's cost).
    """
    rows, cols = a.shape
    lower = np.zeros(cols + rows)
    upper = np.full(cols + rows, highspy.kHighsInf)
    reachable = a.sum(axis=1) > 0
    capped = rules.max_roadies is not None
    if not capped:
        # without a cap every reachable interval can be covered: no first pass needed
        upper[cols:] = np.where(reachable, 0.0, highspy.kHighsInf)
    matrix = np.hstack([a, np.eye(rows)])
    row_lo = need.astype(float)
    row_hi = np.full(rows, highspy.kHighsInf)
    if capped:
        matrix = np.vstack([matrix, np.hstack([a, np.zeros((rows, rows))])])
        row_lo = np.concatenate([row_lo, np.full(rows, -highspy.kHighsInf)])
        row_hi = np.concatenate([row_hi, np.full(rows, float(rules.max_roadies))])
    under_cost = np.concatenate([np.zeros(cols), weight])
    gaps = []
    timed_out = False
    passes = 2 if capped else 1
    if capped:
        value, _, gap, late = _highs(matrix, row_lo, row_hi, lower, upper, under_cost, cols,
                                     time_limit / passes)
        gaps.append(gap)
        timed_out |= late
        matrix = np.vstack([matrix, under_cost[None, :]])
        row_lo = np.append(row_lo, -highspy.kHighsInf)
        row_hi = np.append(row_hi, value * (1 + 1e-9) + 1e-7)
    slot_cost = cost + rules.over_cost * a.sum(axis=0)
    second = np.concatenate([slot_cost, np.full(rows, rules.over_cost)])
    start = None
    if not capped:
        # The LP relaxation bounds the optimum. Single-piece templates alone form an interval
        # matrix (totally unimodular), so their LP optimum is integral: often it meets the
        # bound and the MIP is not needed; otherwise it is HiGHS's starting solution.
        bound, x_lp, _, _ = _highs(matrix, row_lo, row_hi, lower, upper, second, 0,
                                   time_limit / 3)
        if np.abs(x_lp[:cols] - np.round(x_lp[:cols])).max() < 1e-7:
            return np.round(x_lp[:cols]).astype(np.int64), 0.0, False
        single = single_piece[:cols] if single_piece is not None else None
        if single is not None and single.any():
            upper_single = upper.copy()
            upper_single[:cols][~single] = 0.0
            value, x_s, _, _ = _highs(matrix, row_lo, row_hi, lower, upper_single, second, 0,
                                      time_limit / 3)
            if np.abs(x_s[:cols] - np.round(x_s[:cols])).max() < 1e-7:
                gap = (value - bound) / max(abs(value), 1e-9)
                if gap <= MIP_REL_GAP:
                    return np.round(x_s[:cols]).astype(np.int64), max(gap, 0.0), False
                start = np.round(x_s)
    _, x, gap, late = _highs(matrix, row_lo, row_hi, lower, upper, second, cols,
                             time_limit / passes, start=start)
    gaps.append(gap)
    timed_out |= late
    return np.round(x[:cols]).astype(np.int64), max(gaps), timed_out


_quiet = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance; the first one of the process prints a banner on the C-level stdout,
    which would pollute command output, so that one is made with stdout pointed elsewhere."""
    global _quiet
    if _quiet:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _quiet = True
    return h


def _highs(matrix, row_lo, row_hi, lower, upper, cost, n_int, time_limit, start=None):
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(time_limit, 0.05)))
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = cost.astype(float)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    cols_nz, rows_nz = np.nonzero(matrix.T)  # column-wise order
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(cols_nz, minlength=matrix.shape[1]))]
    ).astype(np.int32)
    lp.a_matrix_.index_ = rows_nz.astype(np.int32)
    lp.a_matrix_.value_ = matrix.T[cols_nz, rows_nz]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + [
        highspy.HighsVarType.kContinuous
    ] * (matrix.shape[1] - n_int)
    h.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    late = status == highspy.HighsModelStatus.kTimeLimit
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit) or (
        info.primal_solution_status != 2
    ):
        raise RuntimeError(f"the slot model could not be solved ({h.modelStatusToString(status)})")
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0
    x = np.asarray(h.getSolution().col_value)
    return float(info.objective_function_value), x, max(gap, 0.0), late

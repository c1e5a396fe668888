"""The whole planning chain: history -> forecast -> staffing -> slots, per brand pool.

Plain data in, plain data out, so the command line and the supervisor page share it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from roadie.engine.forecast import DayMatrix, ForecastConfig, forecast_series
from roadie.engine.planning import SlotPlan, SlotRules, plan_slots
from roadie.engine.queueing import Targets, email_workload, staff
from roadie.engine.service_level import SL_DEFINITION

__all__ = ["KINDS", "PipelineResult", "SeriesParams", "SeriesPlan", "run_pipeline"]

KINDS = ("call", "chat", "email")


@dataclass(frozen=True)
class SeriesParams:
    """How one series (brand/channel) is served. ``kind``: "call" (Erlang C, or Erlang A when
    ``patience_seconds`` is given), "chat" (concurrency) or "email" (deadline)."""

    pool: str
    kind: str = "call"
    aht_seconds: float = 300.0
    service_level: float = 0.8
    answer_seconds: float = 20.0
    patience_seconds: float | None = None
    max_occupancy: float | None = None
    max_asa_seconds: float | None = None
    max_abandon: float | None = None
    shrinkage: float = 0.3
    concurrency: int = 1
    concurrency_aht_growth: float = 0.0
    deadline_hours: float = 4.0
    sunday_open: bool = False

    def validate(self, name: str) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"series {name}: kind must be one of {', '.join(KINDS)}")
        if self.deadline_hours <= 0:
            raise ValueError(f"series {name}: the email deadline must be positive")


@dataclass(frozen=True)
class SeriesPlan:
    series: str
    params: SeriesParams
    forecast: DayMatrix
    agents: np.ndarray  # on the job, per interval
    positions: np.ndarray  # to schedule (with shrinkage)


@dataclass(frozen=True)
class PipelineResult:
    series: tuple[SeriesPlan, ...]
    pools: tuple[SlotPlan, ...]
    start: dt.date
    horizon_days: int


def run_pipeline(
    history: dict[str, DayMatrix],
    *,
    params: dict[str, SeriesParams],
    horizon_days: int,
    forecast_config: ForecastConfig,
    rules: SlotRules,
    time_limit_seconds: float = 60.0,
    tz: str = "Europe/Paris",
    first_day: dt.date | None = None,
    progress=None,
) -> PipelineResult:
    """Forecast every series from ``first_day`` (default: the day after the latest history),
    staff it, and plan the slots of each pool on the summed positions. ``progress(fraction,
    step)`` is called after each series and each pool (step: "forecast" or "slots")."""
    report = progress or (lambda fraction, step: None)
    if not history:
        raise ValueError("no series to plan")
    step = forecast_config.interval_minutes
    latest = max(m.start + dt.timedelta(days=m.days) for m in history.values())
    start = latest if first_day is None else first_day
    if start < latest:
        raise ValueError(f"the plan cannot start ({start}) before the history ends ({latest})")
    plans: list[SeriesPlan] = []
    for name, matrix in sorted(history.items()):
        p = params.get(name)
        if p is None:
            raise ValueError(f"series {name}: no parameters")
        p.validate(name)
        lead = (start - (matrix.start + dt.timedelta(days=matrix.days))).days
        fc = forecast_series(matrix, horizon_days=horizon_days + lead, config=forecast_config,
                             series=name).slice(lead, lead + horizon_days)
        calls = fc.values
        if p.kind == "email":
            open_mask = _window_mask(fc, rules, p.sunday_open)
            deadline = max(int(round(p.deadline_hours * 60 / step)), 1)
            work = email_workload(
                arrivals=calls.ravel(), open_mask=open_mask.ravel(), interval_minutes=step,
                aht_seconds=p.aht_seconds, deadline_intervals=deadline,
                productivity=p.max_occupancy or 0.85,
            )
            agents = work.agents.reshape(calls.shape)
        else:
            targets = Targets(
                service_level=p.service_level, answer_seconds=p.answer_seconds,
                max_asa_seconds=p.max_asa_seconds, max_abandon=p.max_abandon,
                max_occupancy=p.max_occupancy, sl_definition=SL_DEFINITION,
            )
            result = staff(
                calls=calls, interval_minutes=step, aht_seconds=p.aht_seconds, targets=targets,
                patience_seconds=np.inf if p.patience_seconds is None else p.patience_seconds,
                shrinkage=0.0, concurrency=p.concurrency if p.kind == "chat" else 1,
                concurrency_aht_growth=p.concurrency_aht_growth,
            )
            agents = result.agents
        positions = np.ceil(agents / (1.0 - p.shrinkage) - 1e-9).astype(np.int64)
        plans.append(SeriesPlan(name, p, fc, np.asarray(agents), positions))
        report(0.5 * len(plans) / len(history), "forecast")

    pools: list[SlotPlan] = []
    names = sorted({sp.params.pool for sp in plans})
    for pool in names:
        members = [sp for sp in plans if sp.params.pool == pool]
        need = np.sum([sp.positions for sp in members], axis=0).astype(float)
        pool_rules = replace(rules, sunday_open=any(sp.params.sunday_open for sp in members))
        pools.append(plan_slots(
            DayMatrix(start, step, need), rules=pool_rules, pool=pool,
            time_limit_seconds=time_limit_seconds / max(len(names), 1),
            tz=tz,
        ))
        report(0.5 + 0.5 * len(pools) / len(names), "slots")
    return PipelineResult(series=tuple(plans), pools=tuple(pools), start=start,
                          horizon_days=horizon_days)


def _window_mask(matrix: DayMatrix, rules: SlotRules, sunday_open: bool) -> np.ndarray:
    """Intervals inside the opening window (by calendar day and wall-clock slot)."""
    step = matrix.interval_minutes
    per = matrix.values.shape[1]
    minutes = np.arange(per) * step
    lo, hi = rules.window_start_minutes, rules.window_end_minutes
    mask = np.zeros(matrix.values.shape, dtype=bool)
    for d, day in enumerate(matrix.dates):
        today = (minutes >= lo) & (minutes < min(hi, 1440))
        yesterday = minutes + 1440 < hi  # the window's tail after midnight
        if day.weekday() == 6 and not sunday_open:
            continue  # closed, and Saturday's slots stop at midnight
        if (day - dt.timedelta(days=1)).weekday() == 6 and not sunday_open:
            yesterday[:] = False
        mask[d] = today | yesterday
    return mask
